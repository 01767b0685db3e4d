"""Approvals through a real Session: ``start_session`` with a config whose ``approval_policy`` is
``untrusted``, the model client talking HTTP to the scripted server, the real ToolRegistry and real
subprocesses.

The model asks for a command that is not known to be safe; the session emits
``exec_approval_request`` and the turn waits until the front end answers with ``ExecApproval``
(or interrupts). What each answer does to the command, to the next request and to the turn is
checked here; the decision table itself is tested in ``tests/approval``.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from codeloop.approval import EXEC_REJECTED_BY_USER, PATCH_REJECTED_BY_USER
from codeloop.config import load_config
from codeloop.core.conversation import SessionOptions, start_session
from codeloop.protocol.events import (
    ApplyPatchApprovalRequest,
    Event,
    ExecApprovalRequest,
    ExecCommandBegin,
    ExecCommandEnd,
    PatchApplyBegin,
    ShutdownComplete,
    TurnAborted,
    TurnComplete,
)
from codeloop.protocol.ops import (
    ExecApproval,
    Interrupt,
    PatchApproval,
    Shutdown,
    TextInput,
    UserInput,
)
from codeloop.protocol.rollout import EventMsgLine
from codeloop.sessions.rollout import read_rollout
from codeloop.testing import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ScriptedModelServer,
    ScriptedResponse,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from codeloop.core.session import Session
    from codeloop.protocol.policy import ReviewDecision
    from codeloop.testing import RecordedRequest

E = TypeVar("E")

WAIT_S = 10.0
#: An interrupt while an approval is pending must end the turn at once (it waits on nothing).
PROMPT_S = 1.0
TOUCH = ["bash", "-lc", "touch marker"]


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as srv:
        yield srv
    assert not srv.errors, srv.errors
    assert not srv.unmatched, "the session asked the model more than was scripted"
    assert not srv.remaining, "a scripted response was never asked for"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path.resolve()


@pytest.fixture
async def session(
    tmp_path: Path, work: Path, server: ScriptedModelServer
) -> AsyncIterator[Session]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        'model = "gpt-5-codex"\n'
        'model_provider = "scripted"\n'
        'approval_policy = "untrusted"\n'
        'sandbox_mode = "workspace-write"\n'
        "[model_providers.scripted]\n"
        'name = "Scripted"\n'
        f'base_url = "{server.base_url}"\n'
        'wire_api = "responses"\n',
        encoding="utf-8",
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    config = load_config(home=home, env=env).config
    assert config.approval_policy == "untrusted"
    sess = await start_session(config, SessionOptions(cwd=work, home=home), env=env)
    assert sess.settings.approval_policy == "untrusted"
    try:
        yield sess
    finally:
        await sess.submit(Shutdown())
        await next_of(sess, ShutdownComplete)


async def next_event_of(session: Session, kind: type[Any], timeout: float = WAIT_S) -> Event:
    """The next event whose msg is a ``kind`` (others are skipped), within ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            event = await session.next_event()
            if isinstance(event.msg, kind):
                return event


async def next_of(session: Session, kind: type[E], timeout: float = WAIT_S) -> E:
    msg = (await next_event_of(session, kind, timeout)).msg
    assert isinstance(msg, kind)
    return msg


async def until_turn_ends(session: Session) -> list[Any]:
    """Every event msg up to and including ``task_complete`` or ``turn_aborted``."""
    msgs: list[Any] = []
    async with asyncio.timeout(WAIT_S):
        while True:
            msg = (await session.next_event()).msg
            msgs.append(msg)
            if isinstance(msg, TurnComplete | TurnAborted):
                return msgs


async def user_input(session: Session, text: str) -> str:
    return await session.submit(UserInput(items=[TextInput(text=text)]))


def shell_call(call_id: str, command: list[str] = TOUCH) -> ScriptedResponse:
    return ScriptedResponse(
        output=[FunctionCallStep(name="shell", arguments={"command": command}, call_id=call_id)]
    )


def outputs(request: RecordedRequest) -> dict[str, str]:
    items: list[dict[str, Any]] = request.body["input"]
    return {
        i["call_id"]: i["output"]
        for i in items
        if i["type"] in ("function_call_output", "custom_tool_call_output")
    }


def recorded(session: Session, kind: type[Any]) -> list[Any]:
    assert session.recorder is not None
    contents = read_rollout(session.recorder.path)
    return [
        line.payload
        for line in contents.lines
        if isinstance(line, EventMsgLine) and isinstance(line.payload, kind)
    ]


async def ask(
    session: Session, server: ScriptedModelServer, call_id: str, *, then: str | None = "all done"
) -> ExecApprovalRequest:
    """Start a turn whose model asks to run TOUCH; return the approval request. ``then`` is the
    model's answer after the call (``None`` when the turn is not expected to get that far)."""
    server.add(shell_call(call_id))
    if then is not None:
        server.add(ScriptedResponse(output=[MessageStep(text=then)]))
    sub_id = await user_input(session, "make a marker")
    event = await next_event_of(session, ExecApprovalRequest)
    assert event.id == sub_id, "the request answers the user_input submission"
    assert isinstance(event.msg, ExecApprovalRequest)
    return event.msg


async def test_approved_runs_the_command(
    session: Session, server: ScriptedModelServer, work: Path
) -> None:
    request = await ask(session, server, "c_touch")
    assert request.call_id == "c_touch"
    assert request.command == TOUCH
    assert request.cwd == str(work)
    # The turn waits for the answer: nothing ran, no second request.
    await asyncio.sleep(0.05)
    assert not (work / "marker").exists()
    assert len(server.requests) == 1

    await session.submit(ExecApproval(id="c_touch", decision="approved"))
    msgs = await until_turn_ends(session)
    done = msgs[-1]
    assert isinstance(done, TurnComplete), msgs
    assert done.last_agent_message == "all done"
    assert (work / "marker").exists()
    (end,) = [m for m in msgs if isinstance(m, ExecCommandEnd)]
    assert end.call_id == "c_touch" and end.exit_code == 0 and not end.declined
    assert len(server.requests) == 2
    assert outputs(server.requests[1])["c_touch"].startswith("Exit code: 0\n")


async def test_denied_tells_the_model_and_the_turn_goes_on(
    session: Session, server: ScriptedModelServer, work: Path
) -> None:
    await ask(session, server, "c_touch")
    await session.submit(ExecApproval(id="c_touch", decision="denied"))
    msgs = await until_turn_ends(session)
    assert isinstance(msgs[-1], TurnComplete), msgs
    assert msgs[-1].last_agent_message == "all done"
    assert not (work / "marker").exists()
    (end,) = [m for m in msgs if isinstance(m, ExecCommandEnd)]
    assert end.declined and end.exit_code == -1
    assert len(server.requests) == 2
    output = outputs(server.requests[1])["c_touch"]
    assert output == EXEC_REJECTED_BY_USER
    assert "rejected" in output


async def test_abort_ends_the_turn(
    session: Session, server: ScriptedModelServer, work: Path
) -> None:
    await ask(session, server, "c_touch", then=None)
    await session.submit(ExecApproval(id="c_touch", decision="abort"))
    msgs = await until_turn_ends(session)
    assert isinstance(msgs[-1], TurnAborted), msgs
    assert not any(isinstance(m, ExecCommandBegin | TurnComplete) for m in msgs)
    assert not (work / "marker").exists()
    assert len(server.requests) == 1, "the model is not asked again in the aborted turn"
    assert len(recorded(session, TurnAborted)) == 1

    # The next turn works; the aborted call has an output so the request is valid.
    server.add(ScriptedResponse(output=[MessageStep(text="ok, not touching it")]))
    await user_input(session, "never mind")
    done = await next_of(session, TurnComplete)
    assert done.last_agent_message == "ok, not touching it"
    assert len(server.requests) == 2
    assert outputs(server.requests[1]) == {"c_touch": "aborted"}


async def test_interrupt_while_an_approval_is_pending(
    session: Session, server: ScriptedModelServer, work: Path
) -> None:
    await ask(session, server, "c_touch", then=None)
    started = time.monotonic()
    await session.submit(Interrupt())
    await next_of(session, TurnAborted, timeout=PROMPT_S)
    latency = time.monotonic() - started
    print(f"\ninterrupt latency (approval pending): {latency * 1000:.1f} ms")
    assert latency < PROMPT_S
    assert not session._approvals, "no approval is left pending"

    # A late answer to the old request changes nothing.
    await session.submit(ExecApproval(id="c_touch", decision="approved"))
    server.add(ScriptedResponse(output=[MessageStep(text="fresh start")]))
    await user_input(session, "something else")
    msgs = await until_turn_ends(session)
    assert isinstance(msgs[-1], TurnComplete), msgs
    assert msgs[-1].last_agent_message == "fresh start"
    assert not any(isinstance(m, ExecCommandBegin | ExecApprovalRequest) for m in msgs)
    assert not (work / "marker").exists()
    assert len(server.requests) == 2
    assert outputs(server.requests[1]) == {"c_touch": "aborted"}


async def test_approved_for_session_is_not_asked_again(
    session: Session, server: ScriptedModelServer, work: Path
) -> None:
    append = ["bash", "-lc", "echo x >> marker"]
    server.add(
        shell_call("c_1", append),
        shell_call("c_2", append),
        ScriptedResponse(output=[MessageStep(text="twice")]),
    )
    await user_input(session, "append twice")
    request = await next_of(session, ExecApprovalRequest)
    assert request.call_id == "c_1"
    await session.submit(ExecApproval(id="c_1", decision="approved_for_session"))
    msgs = await until_turn_ends(session)
    assert isinstance(msgs[-1], TurnComplete), msgs
    assert not any(isinstance(m, ExecApprovalRequest) for m in msgs), "asked only once"
    assert (work / "marker").read_text() == "x\nx\n"
    assert list(outputs(server.requests[2])) == ["c_1", "c_2"]


@pytest.mark.parametrize("decision", ["approved", "denied"])
async def test_patch_approval(
    session: Session, server: ScriptedModelServer, work: Path, decision: ReviewDecision
) -> None:
    patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n"
    server.add(
        ScriptedResponse(
            output=[CustomToolCallStep(name="apply_patch", input=patch, call_id="c_patch")]
        ),
        ScriptedResponse(output=[MessageStep(text="patched?")]),
    )
    await user_input(session, "add hello.txt")
    request = await next_of(session, ApplyPatchApprovalRequest)
    assert request.call_id == "c_patch"
    assert set(request.changes) == {str(work / "hello.txt")}
    assert request.changes[str(work / "hello.txt")].kind == "add"
    assert not (work / "hello.txt").exists()

    await session.submit(PatchApproval(id="c_patch", decision=decision))
    msgs = await until_turn_ends(session)
    assert isinstance(msgs[-1], TurnComplete), msgs
    output = outputs(server.requests[1])["c_patch"]
    if decision == "approved":
        assert (work / "hello.txt").read_text() == "hi\n"
        (begin,) = [m for m in msgs if isinstance(m, PatchApplyBegin)]
        assert not begin.auto_approved
        assert output.startswith("Success.")
    else:
        assert not (work / "hello.txt").exists()
        assert output == PATCH_REJECTED_BY_USER
