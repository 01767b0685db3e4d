"""``codeloop exec`` end to end: a real process, real HTTP to the scripted model server, real
commands and real git. Every ``--json`` stream is checked against the contract and then in detail.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from codeloop.core.compact import SUMMARY_PREFIX, SUMMARY_REQUEST
from codeloop.testing import (
    CustomToolCallStep,
    FunctionCallStep,
    Match,
    MessageStep,
    ReasoningStep,
    ScriptedResponse,
    ScriptedUsage,
    faults,
)

if TYPE_CHECKING:
    from pathlib import Path

    from codeloop.testing import RecordedRequest, ScriptedModelServer
    from conftest import ExecRun, ExecRunner

PROMPT = "please do the thing"


def answer(text: str, **usage: int) -> ScriptedResponse:
    return ScriptedResponse(
        output=[MessageStep(text=text)], usage=ScriptedUsage(**usage) if usage else None
    )


def shell_call(script: str, call_id: str | None = None) -> FunctionCallStep:
    return FunctionCallStep(
        name="shell", arguments={"command": ["bash", "-lc", script]}, call_id=call_id
    )


def call(*steps: Any) -> ScriptedResponse:
    return ScriptedResponse(output=list(steps))


def inputs(request: RecordedRequest) -> list[dict[str, Any]]:
    body = request.body
    assert isinstance(body, dict), request
    items = body["input"]
    assert isinstance(items, list)
    return items


def outputs_of(request: RecordedRequest, item_type: str) -> dict[str, str]:
    """call_id -> output of every ``item_type`` (function/custom tool call output) item."""
    return {i["call_id"]: i["output"] for i in inputs(request) if i["type"] == item_type}


def text_of(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item["content"])


# -- the basic shapes ----------------------------------------------------------------------------


def test_message_only(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    script = [
        ScriptedResponse(
            output=[ReasoningStep(summary="Thinking about it."), MessageStep(text="Hi there!")],
            usage=ScriptedUsage(input_tokens=42, cached_input_tokens=12, output_tokens=5),
        )
    ]
    run = run_exec(["--json", PROMPT], script=script).checked()

    types = [e["type"] for e in run.events]
    assert types == [
        "thread.started",
        "turn.started",
        "item.completed",
        "item.completed",
        "turn.completed",
    ]
    assert run.items("reasoning") == [
        {"id": "item_0", "type": "reasoning", "text": "Thinking about it."}
    ]
    assert run.items("agent_message") == [
        {"id": "item_1", "type": "agent_message", "text": "Hi there!"}
    ]
    usage = run.events[-1]["usage"]
    assert (usage["input_tokens"], usage["cached_input_tokens"], usage["output_tokens"]) == (
        42,
        12,
        5,
    )
    [request] = model_server.requests
    assert request.path == "/v1/responses"
    assert text_of(inputs(request)[-1]) == PROMPT
    assert run_exec.rollouts(), "a rollout was written"


def test_shell_commands_run_for_real(
    run_exec: ExecRunner, model_server: ScriptedModelServer, work_repo: Path
) -> None:
    script = [
        call(shell_call("echo out; echo err >&2; echo made > made.txt", call_id="c_ok")),
        call(shell_call("echo oops; exit 3", call_id="c_fail")),
        answer("Both ran."),
    ]
    run = run_exec(["--json", "--full-auto", PROMPT], script=script).checked()

    started = run.items("command_execution", "item.started")
    done = run.items("command_execution")
    assert [i["id"] for i in started] == [i["id"] for i in done]
    ok, failed = done
    assert ok["command"] == "bash -lc 'echo out; echo err >&2; echo made > made.txt'"
    assert "out\n" in ok["aggregated_output"]
    assert "err\n" in ok["aggregated_output"]
    assert (ok["status"], ok["exit_code"]) == ("completed", 0)
    assert (failed["status"], failed["exit_code"]) == ("failed", 3)
    assert "oops" in failed["aggregated_output"]
    assert (work_repo / "made.txt").read_text() == "made\n"
    assert run.items("agent_message")[-1]["text"] == "Both ran."

    # The model was told each outcome, paired by call id.
    assert len(model_server.requests) == 3
    told = outputs_of(model_server.requests[2], "function_call_output")
    assert set(told) == {"c_ok", "c_fail"}
    assert "out" in told["c_ok"]
    assert "3" in told["c_fail"]
    assert "oops" in told["c_fail"]


# -- patches -------------------------------------------------------------------------------------

README_PATCH = """*** Begin Patch
*** Update File: README.md
@@
-# demo
+# demo, patched
*** Add File: notes/new.txt
+fresh file
*** End Patch
"""


def _tool(request: RecordedRequest, name: str) -> dict[str, Any]:
    body = request.body
    assert isinstance(body, dict)
    [spec] = [t for t in body["tools"] if t.get("name") == name]
    assert isinstance(spec, dict)
    return spec


def _assert_patched(run: ExecRun, work_repo: Path) -> None:
    [change] = run.items("file_change")
    assert change["status"] == "completed"
    kinds = {c["path"].rsplit("/", 2)[-1]: c["kind"] for c in change["changes"]}
    assert kinds == {"README.md": "update", "new.txt": "add"}
    assert (work_repo / "README.md").read_text() == "# demo, patched\n"
    assert (work_repo / "notes" / "new.txt").read_text() == "fresh file\n"


def test_patch_freeform_custom_tool(
    run_exec: ExecRunner, model_server: ScriptedModelServer, work_repo: Path
) -> None:
    script = [
        call(CustomToolCallStep(name="apply_patch", input=README_PATCH, call_id="p1")),
        answer("Patched."),
    ]
    run = run_exec(["--json", "--full-auto", PROMPT], script=script).checked()

    assert _tool(model_server.requests[0], "apply_patch")["type"] == "custom"
    _assert_patched(run, work_repo)
    told = outputs_of(model_server.requests[1], "custom_tool_call_output")
    assert set(told) == {"p1"}


def test_patch_function_tool(
    run_exec: ExecRunner, model_server: ScriptedModelServer, work_repo: Path
) -> None:
    script = [
        call(FunctionCallStep(name="apply_patch", arguments={"input": README_PATCH}, call_id="p1")),
        answer("Patched."),
    ]
    run = run_exec(["--json", "--full-auto", "-m", "gpt-4.1", PROMPT], script=script).checked()

    body = model_server.requests[0].body
    assert body["model"] == "gpt-4.1"
    assert _tool(model_server.requests[0], "apply_patch")["type"] == "function"
    _assert_patched(run, work_repo)
    told = outputs_of(model_server.requests[1], "function_call_output")
    assert set(told) == {"p1"}


def test_patch_that_does_not_apply(
    run_exec: ExecRunner, model_server: ScriptedModelServer, work_repo: Path
) -> None:
    """A patch whose context is not in the file is refused before anything is written: no
    file_change item, the model is told why, and the turn goes on (the model can retry)."""
    bad = "*** Begin Patch\n*** Update File: README.md\n@@\n-no such line\n+x\n*** End Patch\n"
    script = [
        call(CustomToolCallStep(name="apply_patch", input=bad, call_id="p1")),
        answer("I will look again."),
    ]
    run = run_exec(["--json", "--full-auto", PROMPT], script=script).checked()

    assert run.items("file_change") == []
    assert (work_repo / "README.md").read_text() == "# demo\n"
    told = outputs_of(model_server.requests[1], "custom_tool_call_output")
    assert told["p1"].startswith("apply_patch verification failed")
    assert "no such line" in told["p1"]


# -- the plan ------------------------------------------------------------------------------------


def _plan(*steps: tuple[str, str]) -> FunctionCallStep:
    return FunctionCallStep(
        name="update_plan",
        arguments={"plan": [{"step": s, "status": st} for s, st in steps]},
    )


def test_plan_started_updated_completed(run_exec: ExecRunner) -> None:
    script = [
        call(_plan(("read", "in_progress"), ("fix", "pending"))),
        call(_plan(("read", "completed"), ("fix", "in_progress"))),
        answer("Planned."),
    ]
    run = run_exec(["--json", PROMPT], script=script).checked()

    plan_events = [
        e for e in run.events if e["type"].startswith("item.") and e["item"]["type"] == "todo_list"
    ]
    assert [e["type"] for e in plan_events] == ["item.started", "item.updated", "item.completed"]
    assert len({e["item"]["id"] for e in plan_events}) == 1
    assert plan_events[0]["item"]["items"] == [
        {"text": "read", "completed": False},
        {"text": "fix", "completed": False},
    ]
    final = [{"text": "read", "completed": True}, {"text": "fix", "completed": False}]
    assert plan_events[1]["item"]["items"] == final
    assert plan_events[2]["item"]["items"] == final
    # Completed at the end of the turn: after the last message, right before turn.completed.
    assert run.events[-2] == plan_events[2]


# -- model errors --------------------------------------------------------------------------------


def test_retry_after_server_error(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    run = run_exec(
        ["--json", PROMPT], script=[faults.server_error(500), answer("Recovered.")]
    ).checked()

    notices = run.of_type("error")
    assert len(notices) == 1
    assert "retrying" in notices[0]["message"]
    assert run.events[-1]["type"] == "turn.completed"
    assert run.items("agent_message") == [
        {"id": "item_0", "type": "agent_message", "text": "Recovered."}
    ]
    assert len(model_server.requests) == 2
    assert model_server.requests[0].body == model_server.requests[1].body


def test_context_length_exceeded_compacts_and_retries(
    run_exec: ExecRunner, model_server: ScriptedModelServer
) -> None:
    summary = "SUMMARY: the user wants the thing done."
    script = [
        faults.context_length_exceeded(),
        ScriptedResponse(
            output=[MessageStep(text=summary)],
            match=Match(input_contains=SUMMARY_REQUEST.splitlines()[0]),
        ),
        answer("Done after compaction."),
    ]
    run = run_exec(["--json", PROMPT], script=script).checked()

    assert run.events[-1]["type"] == "turn.completed"
    assert run.items("agent_message") == [
        {"id": "item_0", "type": "agent_message", "text": "Done after compaction."}
    ]
    first, compaction, retried = model_server.requests
    # The compaction request: the history plus the summary request, without tools.
    assert text_of(inputs(compaction)[-1]) == SUMMARY_REQUEST
    assert inputs(compaction)[:-1] == inputs(first)
    assert compaction.body["tools"] == []
    # The retried request carries the summary (and still the user's prompt).
    texts = [text_of(i) for i in inputs(retried) if i["type"] == "message"]
    assert SUMMARY_PREFIX + summary in texts
    assert PROMPT in texts
    assert not any(SUMMARY_REQUEST in t for t in texts)


def test_unauthorized_is_fatal(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    run = run_exec(["--json", PROMPT], script=[faults.unauthorized()]).checked(returncode=1)

    [error] = run.of_type("error")
    assert error["message"]
    assert run.events[-1]["type"] == "turn.failed"
    assert run.events[-1]["error"]["message"]
    assert len(model_server.requests) == 1, "authentication errors are not retried"


# -- options -------------------------------------------------------------------------------------


def test_output_schema(
    run_exec: ExecRunner, model_server: ScriptedModelServer, tmp_path: Path
) -> None:
    schema = {
        "type": "object",
        "properties": {"verdict": {"type": "string"}, "score": {"type": "integer"}},
        "required": ["verdict", "score"],
        "additionalProperties": False,
    }
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    produced = json.dumps({"verdict": "ok", "score": 7})
    run = run_exec(
        ["--json", "--output-schema", str(schema_file), PROMPT], script=[answer(produced)]
    ).checked()

    [request] = model_server.requests
    assert request.body["text"]["format"] == {
        "type": "json_schema",
        "name": "codex_output_schema",
        "schema": schema,
        "strict": True,
    }
    [message] = run.items("agent_message")
    assert message["text"] == produced
    assert json.loads(message["text"]) == {"verdict": "ok", "score": 7}


def test_output_last_message_file(run_exec: ExecRunner, tmp_path: Path) -> None:
    out = tmp_path / "last.md"
    script = [call(shell_call("true")), answer("The final word.")]
    run_exec(["--json", "--full-auto", "-o", str(out), PROMPT], script=script).checked()
    assert out.read_text(encoding="utf-8") == "The final word."


# -- resume --------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["--last", "id"])
def test_resume_restores_history_exactly(
    run_exec: ExecRunner, model_server: ScriptedModelServer, how: str
) -> None:
    first = run_exec(
        ["--json", "--full-auto", PROMPT],
        script=[call(shell_call("echo first")), answer("First answer.")],
    ).checked()
    thread_id = first.events[0]["thread_id"]
    [rollout] = run_exec.rollouts()
    last_request = model_server.requests[-1]
    n_first = len(model_server.requests)

    target = ["--last"] if how == "--last" else [thread_id]
    again = answer("Again.", input_tokens=700, cached_input_tokens=600, output_tokens=9)
    second = run_exec(["--json", "resume", *target, "continue"], script=[again]).checked()

    assert second.events[0]["thread_id"] == thread_id
    assert run_exec.rollouts() == [rollout], "the resumed session appends to the same rollout"
    resumed = model_server.requests[n_first]
    before, after = inputs(last_request), inputs(resumed)
    # History restored exactly: the old request's input, then what the model answered to it,
    # then the new prompt.
    assert after[: len(before)] == before
    new = after[len(before) :]
    assert [(i["type"], i.get("role")) for i in new] == [
        ("message", "assistant"),
        ("message", "user"),
    ]
    assert text_of(new[0]) == "First answer."
    assert text_of(new[1]) == "continue"
    assert [i["type"] for i in before].count("function_call_output") == 1
    assert resumed.body["prompt_cache_key"] == thread_id
    # Usage is the session's running total, across the two processes.
    before_usage, after_usage = first.events[-1]["usage"], second.events[-1]["usage"]
    assert after_usage["input_tokens"] == before_usage["input_tokens"] + 700
    assert after_usage["cached_input_tokens"] == before_usage["cached_input_tokens"] + 600
    assert after_usage["output_tokens"] == before_usage["output_tokens"] + 9


# -- the TypeScript SDK's command line -----------------------------------------------------------


def test_sdk_command_line_with_env_endpoint_and_key(
    run_exec: ExecRunner, model_server: ScriptedModelServer, exec_home: Path
) -> None:
    """No config file: ``OPENAI_BASE_URL`` picks the endpoint and ``CODEX_API_KEY`` the key, the
    prompt comes on stdin; the key reaches the model server but never a command."""
    (exec_home / "config.toml").unlink()
    key = "sk-e2e-secret-0123456789"
    env = {**run_exec.env, "OPENAI_BASE_URL": model_server.base_url, "CODEX_API_KEY": key}
    sdk = dataclasses.replace(run_exec, env=env)
    args = [
        "--experimental-json",
        "--model",
        "gpt-5-codex",
        "--sandbox",
        "workspace-write",
        "--skip-git-repo-check",
        "--config",
        'model_reasoning_effort="low"',
    ]
    script = [call(shell_call("env")), answer("sdk ok")]
    run = sdk(args, stdin="hello from the sdk", script=script).checked()

    assert run.items("agent_message")[-1]["text"] == "sdk ok"
    first = model_server.requests[0]
    assert first.headers["authorization"] == f"Bearer {key}"
    assert first.body["reasoning"]["effort"] == "low"
    assert text_of(inputs(first)[-1]) == "hello from the sdk"
    [command] = run.items("command_execution")
    assert "PATH=" in command["aggregated_output"]
    assert key not in command["aggregated_output"]
    assert key not in json.dumps(model_server.requests[1].body)
    [rollout] = run_exec.rollouts()
    assert key not in rollout.read_text(encoding="utf-8")


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--json"], ["--json", "-"]], ids=["no-prompt", "dash"])
def test_empty_stdin_prompt(
    run_exec: ExecRunner, model_server: ScriptedModelServer, args: list[str]
) -> None:
    run = run_exec(args, stdin="")
    assert run.returncode == 1, run.describe()
    assert run.stdout == ""
    [line] = run.stderr_lines
    assert "prompt" in line
    assert "empty" in line
    assert model_server.requests == []


def test_no_prompt_on_a_terminal(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    """stdin is a terminal (a pty) and no PROMPT was given: refuse at once, don't wait."""
    controller, terminal = os.openpty()
    try:
        done = subprocess.run(
            run_exec.command(["--json"]),
            check=False,
            cwd=run_exec.cwd,
            env=run_exec.env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    [line] = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert "no prompt" in line
    assert model_server.requests == []


def test_prompt_from_stdin(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    run = run_exec(["--json"], stdin="from stdin\n", script=[answer("ok")]).checked()
    assert run.items("agent_message")[0]["text"] == "ok"
    assert text_of(inputs(model_server.requests[0])[-1]) == "from stdin\n"


def test_outside_git_repo(
    run_exec: ExecRunner, model_server: ScriptedModelServer, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    refused = run_exec(["--json", PROMPT], cwd=plain)
    assert refused.returncode == 1, refused.describe()
    assert refused.stdout == ""
    [line] = refused.stderr_lines
    assert "git repository" in line
    assert "--skip-git-repo-check" in line
    assert model_server.requests == []

    allowed = run_exec(
        ["--json", "--skip-git-repo-check", PROMPT], cwd=plain, script=[answer("ok")]
    ).checked()
    assert allowed.items("agent_message")[0]["text"] == "ok"


# -- human output --------------------------------------------------------------------------------


def test_human_mode(run_exec: ExecRunner, model_server: ScriptedModelServer) -> None:
    script = [call(shell_call("echo hello-from-shell")), answer("All done.\nTwo lines.")]
    run = run_exec(["--full-auto", PROMPT], script=script)

    assert run.returncode == 0, run.describe()
    assert run.stdout == "All done.\nTwo lines.\n"
    # The command (bash -lc may be shown as just its script) with its exit status, then output.
    assert any("exited 0" in ln and "echo hello-from-shell" in ln for ln in run.stderr_lines)
    assert "  hello-from-shell" in run.stderr_lines
    assert "All done." in run.stderr, "the message is shown on stderr too, as it happens"
    assert len(model_server.requests) == 2


def test_human_mode_error_exit_status(run_exec: ExecRunner) -> None:
    run = run_exec([PROMPT], script=[faults.unauthorized()])
    assert run.returncode == 1, run.describe()
    assert run.stdout == ""
    assert "error:" in run.stderr


def test_stream_decodes_with_protocol_types(run_exec: ExecRunner) -> None:
    """The stdout bytes decode as the protocol's own types, line by line, nothing else there."""
    from codeloop.protocol.exec_json import ExecEvent, ThreadStarted, TurnCompleted

    run = run_exec(["--json", PROMPT], script=[answer("x", input_tokens=3)]).checked()
    decoded = [
        msgspec.json.decode(line, type=ExecEvent, strict=True) for line in run.stdout.splitlines()
    ]
    assert isinstance(decoded[0], ThreadStarted)
    assert isinstance(decoded[-1], TurnCompleted)
    assert decoded[-1].usage.input_tokens == 3
    assert run.stdout.endswith("\n")
