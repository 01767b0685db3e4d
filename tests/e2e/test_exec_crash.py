"""Crash safety: ``codeloop exec`` killed with SIGKILL mid-turn leaves a rollout that reads back
(at most its last line lost) and that ``exec resume --last`` continues from; Ctrl-C (SIGINT)
interrupts the turn: the command's process group is killed and ``turn_aborted`` is recorded."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from contract import assert_exec_json_contract

from codeloop.protocol.events import TurnAborted, UserMessage
from codeloop.protocol.items import FunctionCall, FunctionCallOutput
from codeloop.protocol.rollout import EventMsgLine, ResponseItemLine
from codeloop.sessions.rollout import read_rollout
from codeloop.testing import FunctionCallStep, MessageStep, ScriptedResponse, Stall

if TYPE_CHECKING:
    from collections.abc import Callable
    from subprocess import Popen

    from codeloop.testing import ScriptedModelServer
    from conftest import ExecRunner

PROMPT = "start something long"
WAIT = 15.0  # upper bound of every wait below; normally each takes well under a second


def _shell(script: str, call_id: str) -> ScriptedResponse:
    step = FunctionCallStep(
        name="shell", arguments={"command": ["bash", "-lc", script]}, call_id=call_id
    )
    return ScriptedResponse(output=[step])


def _wait_until(cond: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def _pid_in(path: Path) -> int | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    return int(text) if text.endswith("\n") else None


@pytest.mark.parametrize("where", ["mid-stream", "mid-command"])
def test_sigkill_mid_turn_then_resume(
    run_exec: ExecRunner, model_server: ScriptedModelServer, tmp_path: Path, where: str
) -> None:
    pid_file = tmp_path / "command.pid"
    if where == "mid-stream":
        script = [
            _shell("echo before", "c_before"),
            ScriptedResponse(
                output=[MessageStep(text="an answer that never ends", chunk_size=4)],
                fault=Stall(seconds=30, after_events=4),
            ),
        ]
    else:
        script = [_shell(f"echo $$ > {pid_file}; exec sleep 30", "c_long")]

    proc = run_exec.spawn(["--json", "--full-auto", PROMPT], script=script)
    command_pid: int | None = None
    try:
        if where == "mid-stream":
            model_server.wait_for_requests(2, timeout=WAIT)
        else:
            _wait_until(lambda: _pid_in(pid_file) is not None, "the command to start")
            command_pid = _pid_in(pid_file)
        time.sleep(0.2)  # let the turn settle into the stall / the command
        assert proc.poll() is None, "exec should still be mid-turn"
        proc.send_signal(signal.SIGKILL)
        stdout, _stderr = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=WAIT)
        if command_pid is not None:  # the command runs in its own group: SIGKILL spares it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(command_pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL

    printed = [json.loads(line) for line in stdout.splitlines()]
    assert printed[0]["type"] == "thread.started"
    assert printed[-1]["type"] != "turn.completed"
    thread_id = printed[0]["thread_id"]

    # The rollout reads back; at most its last line is lost.
    [path] = run_exec.rollouts()
    raw_lines = [ln for ln in path.read_bytes().split(b"\n") if ln.strip()]
    assert json.loads(raw_lines[0])["type"] == "session_meta"
    contents = read_rollout(path)
    assert contents.meta.id == thread_id
    assert 1 + len(contents.lines) >= len(raw_lines) - 1
    assert all(w.line == len(raw_lines) for w in contents.warnings), contents.warnings
    items = [ln.payload for ln in contents.lines if isinstance(ln, ResponseItemLine)]
    events = [ln.payload for ln in contents.lines if isinstance(ln, EventMsgLine)]
    assert any(isinstance(e, UserMessage) and e.message == PROMPT for e in events)
    calls = {i.call_id for i in items if isinstance(i, FunctionCall)}
    outputs = {i.call_id for i in items if isinstance(i, FunctionCallOutput)}
    if where == "mid-stream":
        assert calls == outputs == {"c_before"}
    else:
        assert calls == {"c_long"}
        assert outputs == set()

    # And the session continues.
    n_before = len(model_server.requests)
    resumed = run_exec(
        ["--json", "resume", "--last", "continue"],
        script=[ScriptedResponse(output=[MessageStep(text="Resumed.")])],
    )
    resumed.checked()
    assert resumed.events[0]["thread_id"] == thread_id
    assert resumed.events[-1]["type"] == "turn.completed"
    request = model_server.requests[n_before]
    body: dict[str, Any] = request.body
    sent = body["input"]
    texts = [
        "".join(p.get("text", "") for p in i["content"]) for i in sent if i["type"] == "message"
    ]
    assert texts[-1] == "continue"
    assert PROMPT in texts
    assert not any("never ends" in t for t in texts), "the unfinished answer was not kept"
    sent_outputs = {i["call_id"]: i["output"] for i in sent if i["type"] == "function_call_output"}
    sent_calls = {i["call_id"] for i in sent if i["type"] == "function_call"}
    assert set(sent_outputs) == sent_calls
    if where == "mid-command":
        assert sent_outputs == {"c_long": "aborted"}


def _gone(pid: int) -> bool:
    """No such process, or a zombie: here orphans are reparented to a PID 1 that never reaps."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rfind(")") + 2] in "ZX"


def _interrupt_mid_command(run_exec: ExecRunner, tmp_path: Path) -> tuple[Popen[str], str, int]:
    """Start exec with a long command, SIGINT it once the command runs; (proc, stdout, pid)."""
    pid_file = tmp_path / "command.pid"
    script = [_shell(f"echo $$ > {pid_file}; exec sleep 30", "c_long")]
    proc = run_exec.spawn(["--json", "--full-auto", PROMPT], script=script)
    command_pid: int | None = None
    try:
        _wait_until(lambda: _pid_in(pid_file) is not None, "the command to start")
        command_pid = _pid_in(pid_file)
        assert command_pid is not None
        proc.send_signal(signal.SIGINT)
        stdout, _stderr = proc.communicate(timeout=WAIT)
        _wait_until(lambda: _gone(command_pid), "the command to be killed", timeout=2.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=WAIT)
        if command_pid is not None and not _gone(command_pid):
            os.killpg(command_pid, signal.SIGKILL)
    return proc, stdout, command_pid


def test_sigint_interrupts_the_turn(run_exec: ExecRunner, tmp_path: Path) -> None:
    proc, stdout, _pid = _interrupt_mid_command(run_exec, tmp_path)
    events = [json.loads(line) for line in stdout.splitlines()]
    assert [e["type"] for e in events[:2]] == ["thread.started", "turn.started"]
    # The running command is closed (failed) and the turn ends.
    commands = [e for e in events if e.get("item", {}).get("type") == "command_execution"]
    started, done = commands
    assert (started["type"], done["type"]) == ("item.started", "item.completed")
    assert done["item"]["id"] == started["item"]["id"]
    assert done["item"]["status"] == "failed"
    assert events[-1]["type"] in ("turn.failed", "turn.completed")
    [path] = run_exec.rollouts()
    aborted = [
        ln
        for ln in read_rollout(path).lines
        if isinstance(ln, EventMsgLine) and isinstance(ln.payload, TurnAborted)
    ]
    assert len(aborted) == 1
    assert proc.returncode in (0, 1, 130)


def test_sigint_stream_keeps_the_contract(run_exec: ExecRunner, tmp_path: Path) -> None:
    """Ctrl-C: an ``error`` event, then ``turn.failed``, and exit status 1."""
    proc, stdout, _pid = _interrupt_mid_command(run_exec, tmp_path)
    turns = assert_exec_json_contract(stdout.splitlines())
    assert turns[-1].failed
    assert proc.returncode == 1
