"""The tool registry end to end: ``ToolRegistry().dispatch(call, ctx)`` with a real
:class:`ToolContext` (a real cancellation token, events collected in a list), real subprocesses and
real files in ``tmp_path``.

The approval callbacks are the context's own interface: small async functions that record what
they were asked and answer with the decision the test chose.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from codeloop.aio import CancellationToken
from codeloop.approval import (
    EXEC_REJECTED_BY_USER,
    OUTSIDE_PROJECT_REJECTED,
    PATCH_REJECTED_BY_USER,
)
from codeloop.core.tooling import ToolContext, ToolOutput, TurnAbortRequested
from codeloop.protocol.events import (
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanItem,
    PlanUpdate,
    Warning,
)
from codeloop.protocol.items import CustomToolCall, FunctionCall
from codeloop.protocol.policy import DangerFullAccess, ReadOnly, WorkspaceWrite
from codeloop.tools.registry import ToolRegistry
from codeloop.tools.specs import APPLY_PATCH_LARK_GRAMMAR

if TYPE_CHECKING:
    from pathlib import Path

    from codeloop.protocol.events import EventMsg, FileChange
    from codeloop.protocol.policy import AskForApproval, ReviewDecision, SandboxPolicy

# -- harness --------------------------------------------------------------------------------------

#: Neither /tmp nor $TMPDIR is writable, so a sibling of the work directory in ``tmp_path`` is
#: outside the writable roots (``tmp_path`` itself lives under /tmp).
WORKSPACE = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)


@dataclass
class Harness:
    """A ToolContext plus what it emitted and what its approval callbacks were asked."""

    ctx: ToolContext
    events: list[EventMsg] = field(default_factory=list)
    exec_asked: list[tuple[str, list[str], Path, str | None]] = field(default_factory=list)
    patch_asked: list[tuple[str, dict[str, FileChange], str | None, Path | None]] = field(
        default_factory=list
    )
    exec_decision: ReviewDecision = "approved"
    patch_decision: ReviewDecision = "approved"

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def make_harness(
    cwd: Path,
    *,
    policy: AskForApproval = "on-request",
    sandbox: SandboxPolicy = WORKSPACE,
    env: dict[str, str] | None = None,
) -> Harness:
    holder: list[Harness] = []

    async def request_exec_approval(
        call_id: str, argv: list[str], workdir: Path, reason: str | None
    ) -> ReviewDecision:
        h = holder[0]
        h.exec_asked.append((call_id, list(argv), workdir, reason))
        return h.exec_decision

    async def request_patch_approval(
        call_id: str, changes: dict[str, FileChange], reason: str | None, grant_root: Path | None
    ) -> ReviewDecision:
        h = holder[0]
        h.patch_asked.append((call_id, dict(changes), reason, grant_root))
        return h.patch_decision

    events: list[EventMsg] = []
    ctx = ToolContext(
        sub_id="7",
        cwd=cwd,
        approval_policy=policy,
        sandbox_policy=sandbox,
        cancel=CancellationToken(),
        emit=events.append,
        request_exec_approval=request_exec_approval,
        request_patch_approval=request_patch_approval,
        child_env=env if env is not None else _child_env(cwd),
    )
    harness = Harness(ctx=ctx, events=events)
    holder.append(harness)
    return harness


def _child_env(cwd: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LC_ALL": "C"}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def h(work: Path) -> Harness:
    return make_harness(work)


def fcall(name: str, arguments: dict[str, Any] | str, call_id: str = "call_1") -> FunctionCall:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return FunctionCall(name=name, arguments=raw, call_id=call_id)


async def dispatch(
    h: Harness, call: FunctionCall | CustomToolCall, registry: ToolRegistry | None = None
) -> ToolOutput:
    async with asyncio.timeout(15):
        out = await (registry or ToolRegistry()).dispatch(call, h.ctx)
    assert isinstance(out, ToolOutput)
    return out


def add_file_patch(path: str, *lines: str) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return f"*** Begin Patch\n*** Add File: {path}\n{body}*** End Patch\n"


def update_patch(path: str, old: str, new: str) -> str:
    return f"*** Begin Patch\n*** Update File: {path}\n@@\n-{old}\n+{new}\n*** End Patch\n"


def png_1x1() -> bytes:
    """A valid 1x1 RGBA PNG, built chunk by chunk (CRCs included)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")  # filter byte + one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# -- specs ----------------------------------------------------------------------------------------

_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _check_schema(schema: dict[str, Any], where: str) -> None:
    """A structural check of the JSON-schema subset the tools use."""
    assert schema.get("type") in _JSON_TYPES, where
    if "description" in schema:
        assert isinstance(schema["description"], str) and schema["description"], where
    if "enum" in schema:
        assert schema["enum"] and len(set(schema["enum"])) == len(schema["enum"]), where
    if schema["type"] == "object":
        props = schema.get("properties", {})
        assert isinstance(props, dict), where
        for name, sub in props.items():
            _check_schema(sub, f"{where}.{name}")
        required = schema.get("required", [])
        assert set(required) <= set(props), f"{where}: required not in properties"
        assert schema.get("additionalProperties") is False, where
    if schema["type"] == "array":
        _check_schema(schema["items"], f"{where}[]")


@pytest.mark.parametrize("model", ["gpt-5-codex", "gpt-4.1", "o3", "some-unknown-model"])
@pytest.mark.parametrize("shell_command", [False, True])
@pytest.mark.parametrize("view_image", [False, True])
def test_specs_are_valid_and_uniquely_named(
    model: str, shell_command: bool, view_image: bool
) -> None:
    specs = ToolRegistry(shell_command=shell_command, view_image=view_image).specs(model)
    assert json.loads(json.dumps(specs)) == specs, "specs are plain JSON"
    names = [s["name"] for s in specs]
    assert len(names) == len(set(names)), names
    assert ("shell_command" in names) is shell_command
    assert ("view_image" in names) is view_image
    assert {"shell", "apply_patch", "update_plan"} <= set(names)
    for spec in specs:
        assert isinstance(spec["description"], str) and spec["description"]
        if spec["type"] == "function":
            assert set(spec) >= {"name", "description", "parameters"}
            assert spec["parameters"]["type"] == "object"
            _check_schema(spec["parameters"], spec["name"])
        else:
            assert spec["type"] == "custom", spec
            assert spec["format"]["type"] == "grammar"


def test_gpt5_codex_gets_the_freeform_apply_patch() -> None:
    specs = {s["name"]: s for s in ToolRegistry().specs("gpt-5-codex")}
    patch = specs["apply_patch"]
    assert patch["type"] == "custom"
    assert "parameters" not in patch
    assert patch["format"] == {
        "type": "grammar",
        "syntax": "lark",
        "definition": APPLY_PATCH_LARK_GRAMMAR,
    }
    grammar = patch["format"]["definition"]
    assert grammar.startswith("start: begin_patch hunk+ end_patch")
    for marker in ("*** Begin Patch", "*** End Patch", "*** Add File: ", "*** Update File: "):
        assert f'"{marker}"' in grammar
    # Every other tool is a function tool.
    assert all(s["type"] == "function" for n, s in specs.items() if n != "apply_patch")


def test_gpt41_gets_the_function_apply_patch() -> None:
    specs = {s["name"]: s for s in ToolRegistry().specs("gpt-4.1")}
    patch = specs["apply_patch"]
    assert patch["type"] == "function"
    assert "format" not in patch
    assert patch["parameters"]["required"] == ["input"]
    assert patch["parameters"]["properties"]["input"]["type"] == "string"
    assert list(specs) == ["shell", "apply_patch", "update_plan", "view_image"]


def test_supports_parallel() -> None:
    registry = ToolRegistry()
    assert registry.supports_parallel("shell")
    assert registry.supports_parallel("view_image")
    assert not registry.supports_parallel("apply_patch")
    assert not registry.supports_parallel("update_plan")


# -- shell ----------------------------------------------------------------------------------------


async def test_shell_runs_a_command_and_streams_its_output(h: Harness, work: Path) -> None:
    argv = ["sh", "-c", "echo out; echo err >&2"]
    out = await dispatch(h, fcall("shell", {"command": argv}, "c_sh"))

    assert out.success
    assert out.output.startswith("Exit code: 0\nWall time: ")
    assert out.output.endswith("Output:\nout\nerr\n")
    assert out.images == ()

    (begin,) = h.of(ExecCommandBegin)
    assert begin == ExecCommandBegin(call_id="c_sh", command=argv, cwd=str(work))
    deltas = h.of(ExecCommandOutputDelta)
    assert all(d.call_id == "c_sh" for d in deltas)
    assert "".join(d.chunk for d in deltas if d.stream == "stdout") == "out\n"
    assert "".join(d.chunk for d in deltas if d.stream == "stderr") == "err\n"
    (end,) = h.of(ExecCommandEnd)
    assert end.call_id == "c_sh"
    assert (end.exit_code, end.stdout, end.stderr) == (0, "out\n", "err\n")
    assert end.aggregated_output == "out\nerr\n"
    assert not end.timed_out and not end.declined
    # Order: begin, the deltas, end (a one-time "no sandbox" warning may come first).
    kinds = [type(e) for e in h.events if not isinstance(e, Warning)]
    assert kinds[0] is ExecCommandBegin and kinds[-1] is ExecCommandEnd
    assert set(kinds[1:-1]) == {ExecCommandOutputDelta}


async def test_shell_reports_a_failing_command(h: Harness) -> None:
    out = await dispatch(h, fcall("shell", {"command": ["sh", "-c", "echo no; exit 3"]}))
    assert not out.success
    assert out.output.startswith("Exit code: 3\n")
    assert out.output.endswith("Output:\nno\n")
    assert h.of(ExecCommandEnd)[0].exit_code == 3


async def test_the_no_sandbox_warning_is_emitted_once(h: Harness) -> None:
    await dispatch(h, fcall("shell", {"command": ["true"]}, "a"))
    await dispatch(h, fcall("shell", {"command": ["true"]}, "b"))
    assert len(h.of(Warning)) == 1
    assert len(h.of(ExecCommandEnd)) == 2


async def test_shell_relative_workdir(h: Harness, work: Path) -> None:
    (work / "sub").mkdir()
    out = await dispatch(h, fcall("shell", {"command": ["pwd"], "workdir": "sub"}))
    assert out.success
    assert out.output.endswith(f"Output:\n{work / 'sub'}\n")
    assert h.of(ExecCommandBegin)[0].cwd == str(work / "sub")


async def test_shell_missing_workdir_runs_nothing(h: Harness, work: Path) -> None:
    out = await dispatch(
        h, fcall("shell", {"command": ["sh", "-c", "touch marker"], "workdir": "nope"})
    )
    assert not out.success
    assert "does not exist" in out.output
    assert str(work / "nope") in out.output
    assert h.events == []
    assert not (work / "marker").exists()


async def test_shell_empty_command(h: Harness) -> None:
    out = await dispatch(h, fcall("shell", {"command": []}))
    assert not out.success
    assert "empty" in out.output
    assert h.events == []


async def test_shell_timeout_is_reported(h: Harness) -> None:
    started = time.monotonic()
    out = await dispatch(h, fcall("shell", {"command": ["sleep", "5"], "timeout_ms": 200}))
    assert time.monotonic() - started < 3
    assert not out.success
    assert "timed out after" in out.output
    (end,) = h.of(ExecCommandEnd)
    assert end.timed_out
    assert end.exit_code != 0


async def test_cancelling_the_token_stops_a_running_command(h: Harness) -> None:
    task = asyncio.create_task(dispatch(h, fcall("shell", {"command": ["sleep", "20"]})))
    async with asyncio.timeout(5):
        while not h.of(ExecCommandBegin):
            await asyncio.sleep(0.01)
    started = time.monotonic()
    h.ctx.cancel.cancel()
    out = await task
    assert time.monotonic() - started < 3
    assert not out.success
    assert "cancelled" in out.output


async def test_shell_command_string_form(work: Path) -> None:
    h = make_harness(work)
    registry = ToolRegistry(shell_command=True)
    out = await dispatch(
        h, fcall("shell_command", {"command": "echo $((6 * 7)) > answer; cat answer"}), registry
    )
    assert out.success, out.output
    assert out.output.endswith("Output:\n42\n")
    assert (work / "answer").read_text() == "42\n"
    begin = h.of(ExecCommandBegin)[0]
    assert begin.command == ["bash", "-lc", "echo $((6 * 7)) > answer; cat answer"]


# -- apply_patch, directly and through the shell --------------------------------------------------


async def test_shell_apply_patch_argv_is_applied_as_a_patch(h: Harness, work: Path) -> None:
    patch = add_file_patch("hello.txt", "hello", "world")
    out = await dispatch(h, fcall("shell", {"command": ["apply_patch", patch]}, "c_ap"))
    assert out.success, out.output
    assert (work / "hello.txt").read_text() == "hello\nworld\n"
    assert "A hello.txt" in out.output
    assert h.of(ExecCommandBegin) == []
    (begin,) = h.of(PatchApplyBegin)
    assert begin.call_id == "c_ap" and begin.auto_approved
    assert begin.changes[str(work / "hello.txt")].kind == "add"
    (end,) = h.of(PatchApplyEnd)
    assert end.call_id == "c_ap" and end.success


async def test_shell_bash_heredoc_apply_patch_is_applied_as_a_patch(h: Harness, work: Path) -> None:
    (work / "notes.txt").write_text("alpha\nbeta\n")
    script = f"apply_patch <<'EOF'\n{update_patch('notes.txt', 'beta', 'gamma')}EOF\n"
    out = await dispatch(h, fcall("shell", {"command": ["bash", "-lc", script]}, "c_hd"))
    assert out.success, out.output
    assert (work / "notes.txt").read_text() == "alpha\ngamma\n"
    assert h.of(ExecCommandBegin) == []
    (begin,) = h.of(PatchApplyBegin)
    assert begin.changes[str(work / "notes.txt")].kind == "update"
    assert h.of(PatchApplyEnd)[0].success


@pytest.mark.parametrize("as_script", [False, True])
async def test_a_bare_patch_as_the_command_is_never_run(
    h: Harness, work: Path, as_script: bool
) -> None:
    patch = add_file_patch("made.txt", "x")
    argv = ["bash", "-lc", patch] if as_script else [patch]
    out = await dispatch(h, fcall("shell", {"command": argv}, "c_bare"))
    assert not out.success
    assert 'Rerun as ["apply_patch", "<patch>"]' in out.output
    assert not (work / "made.txt").exists()
    assert h.of(ExecCommandBegin) == [] and h.of(PatchApplyBegin) == []


async def test_shell_heredoc_with_cd_applies_in_that_directory(h: Harness, work: Path) -> None:
    (work / "pkg").mkdir()
    script = f"cd pkg && apply_patch <<'EOF'\n{add_file_patch('mod.py', 'x = 1')}EOF\n"
    out = await dispatch(h, fcall("shell", {"command": ["bash", "-lc", script]}))
    assert out.success, out.output
    assert (work / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert not (work / "mod.py").exists()


async def test_apply_patch_function_form(h: Harness, work: Path) -> None:
    (work / "a.txt").write_text("one\ntwo\n")
    (work / "gone.txt").write_text("bye\n")
    patch = (
        "*** Begin Patch\n"
        "*** Update File: a.txt\n"
        "@@\n"
        " one\n"
        "-two\n"
        "+TWO\n"
        "*** Delete File: gone.txt\n"
        "*** Add File: new/b.txt\n"
        "+bee\n"
        "*** End Patch\n"
    )
    out = await dispatch(h, fcall("apply_patch", {"input": patch}, "c_fn"))
    assert out.success, out.output
    assert out.output.startswith("Success.")
    assert (work / "a.txt").read_text() == "one\nTWO\n"
    assert not (work / "gone.txt").exists()
    assert (work / "new" / "b.txt").read_text() == "bee\n"
    (begin,) = h.of(PatchApplyBegin)
    kinds = {path: change.kind for path, change in begin.changes.items()}
    assert kinds == {
        str(work / "a.txt"): "update",
        str(work / "gone.txt"): "delete",
        str(work / "new" / "b.txt"): "add",
    }
    assert h.of(PatchApplyEnd)[0].success


async def test_apply_patch_custom_form(h: Harness, work: Path) -> None:
    (work / "a.txt").write_text("one\n")
    patch = update_patch("a.txt", "one", "uno")
    out = await dispatch(h, CustomToolCall(name="apply_patch", input=patch, call_id="c_custom"))
    assert out.success, out.output
    assert (work / "a.txt").read_text() == "uno\n"
    assert h.of(PatchApplyBegin)[0].call_id == "c_custom"
    assert h.of(PatchApplyEnd)[0].call_id == "c_custom"


async def test_a_patch_that_does_not_apply_writes_nothing(h: Harness, work: Path) -> None:
    (work / "a.txt").write_text("one\n")
    patch = (
        "*** Begin Patch\n"
        "*** Add File: added.txt\n"
        "+new\n"
        "*** Update File: a.txt\n"
        "@@\n"
        "-not in the file\n"
        "+x\n"
        "*** End Patch\n"
    )
    out = await dispatch(h, fcall("apply_patch", {"input": patch}))
    assert not out.success
    assert "a.txt" in out.output
    assert (work / "a.txt").read_text() == "one\n"
    assert not (work / "added.txt").exists()
    assert h.of(PatchApplyBegin) == [] and h.of(PatchApplyEnd) == []
    assert h.patch_asked == []


async def test_a_malformed_patch_is_an_error(h: Harness, work: Path) -> None:
    out = await dispatch(h, CustomToolCall(name="apply_patch", input="not a patch", call_id="x"))
    assert not out.success
    assert "apply_patch" in out.output
    assert list(work.iterdir()) == []
    assert h.events == []


# -- update_plan and view_image -------------------------------------------------------------------


async def test_update_plan_emits_the_plan(h: Harness) -> None:
    plan = [
        {"step": "read the code", "status": "completed"},
        {"step": "write tests", "status": "in_progress"},
        {"step": "report", "status": "pending"},
    ]
    out = await dispatch(h, fcall("update_plan", {"plan": plan, "explanation": "halfway"}))
    assert out == ToolOutput("Plan updated", True)
    expected = PlanUpdate(
        plan=[
            PlanItem("read the code", "completed"),
            PlanItem("write tests", "in_progress"),
            PlanItem("report", "pending"),
        ],
        explanation="halfway",
    )
    assert h.events == [expected]
    assert h.ctx.session_state["plan"] == expected


async def test_update_plan_rejects_two_steps_in_progress(h: Harness) -> None:
    plan = [{"step": "a", "status": "in_progress"}, {"step": "b", "status": "in_progress"}]
    out = await dispatch(h, fcall("update_plan", {"plan": plan}))
    assert not out.success
    assert "in_progress" in out.output
    assert h.events == []
    assert "plan" not in h.ctx.session_state


async def test_update_plan_rejects_an_unknown_status(h: Harness) -> None:
    out = await dispatch(h, fcall("update_plan", {"plan": [{"step": "a", "status": "doing"}]}))
    assert not out.success
    assert "update_plan" in out.output
    assert h.events == []


async def test_view_image_attaches_a_png(h: Harness, work: Path) -> None:
    data = png_1x1()
    (work / "pics").mkdir()
    (work / "pics" / "dot.png").write_bytes(data)
    out = await dispatch(h, fcall("view_image", {"path": "pics/dot.png"}))
    assert out.success, out.output
    assert str(work / "pics" / "dot.png") in out.output
    (url,) = out.images
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    assert base64.b64decode(url[len(prefix) :]) == data
    assert h.events == []


async def test_view_image_absolute_path(h: Harness, tmp_path: Path) -> None:
    image = tmp_path / "elsewhere.png"
    image.write_bytes(png_1x1())
    out = await dispatch(h, fcall("view_image", {"path": str(image)}))
    assert out.success and len(out.images) == 1


async def test_view_image_refuses_a_non_image(h: Harness, work: Path) -> None:
    (work / "notes.txt").write_text("just text\n")
    out = await dispatch(h, fcall("view_image", {"path": "notes.txt"}))
    assert not out.success
    assert "not an image" in out.output
    assert out.images == ()


async def test_view_image_refuses_a_missing_file(h: Harness) -> None:
    out = await dispatch(h, fcall("view_image", {"path": "missing.png"}))
    assert not out.success
    assert "missing.png" in out.output
    assert out.images == ()


async def test_view_image_disabled_is_an_unsupported_call(h: Harness, work: Path) -> None:
    (work / "dot.png").write_bytes(png_1x1())
    out = await dispatch(
        h, fcall("view_image", {"path": "dot.png"}), ToolRegistry(view_image=False)
    )
    assert not out.success
    assert out.images == ()


# -- calls the model got wrong --------------------------------------------------------------------


async def test_unknown_function_tool(h: Harness) -> None:
    out = await dispatch(h, fcall("no_such_tool", {"x": 1}))
    assert not out.success
    assert "no_such_tool" in out.output
    assert h.events == []


async def test_unknown_custom_tool(h: Harness) -> None:
    out = await dispatch(h, CustomToolCall(name="freeform_thing", input="hi", call_id="c"))
    assert not out.success
    assert "freeform_thing" in out.output


@pytest.mark.parametrize(
    "name", ["shell", "shell_command", "apply_patch", "update_plan", "view_image"]
)
@pytest.mark.parametrize("raw", ['{"command": ["ls"', "not json", "[1, 2]"])
async def test_invalid_json_arguments(h: Harness, name: str, raw: str) -> None:
    out = await dispatch(h, fcall(name, raw))
    assert not out.success
    assert name in out.output
    assert h.events == []


@pytest.mark.parametrize(
    ("name", "field_name"),
    [
        ("shell", "command"),
        ("shell_command", "command"),
        ("apply_patch", "input"),
        ("update_plan", "plan"),
        ("view_image", "path"),
    ],
)
async def test_missing_required_field(h: Harness, name: str, field_name: str) -> None:
    out = await dispatch(h, fcall(name, {}))
    assert not out.success
    assert name in out.output
    assert field_name in out.output
    assert h.events == []


async def test_wrong_argument_type(h: Harness, work: Path) -> None:
    out = await dispatch(h, fcall("shell", {"command": "touch marker"}))
    assert not out.success
    assert "shell" in out.output
    assert not (work / "marker").exists()


async def test_empty_arguments_string_counts_as_empty_object(h: Harness) -> None:
    out = await dispatch(h, fcall("shell", ""))
    assert not out.success
    assert "command" in out.output


# -- approvals at the tool level ------------------------------------------------------------------


async def test_untrusted_asks_before_running(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    argv = ["sh", "-c", "touch marker"]
    h.exec_decision = "approved"
    out = await dispatch(h, fcall("shell", {"command": argv}, "c_ask"))
    assert out.success, out.output
    assert (work / "marker").exists()
    assert h.exec_asked == [("c_ask", argv, work, None)]
    end = h.of(ExecCommandEnd)[0]
    assert end.exit_code == 0 and not end.declined


async def test_untrusted_known_safe_command_is_not_asked(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    out = await dispatch(h, fcall("shell", {"command": ["ls"]}))
    assert out.success
    assert h.exec_asked == []


async def test_denied_runs_nothing(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    h.exec_decision = "denied"
    argv = ["sh", "-c", "touch marker"]
    out = await dispatch(h, fcall("shell", {"command": argv}, "c_no"))
    assert not out.success
    assert out.output == EXEC_REJECTED_BY_USER
    assert "rejected" in out.output
    assert not (work / "marker").exists()
    assert len(h.exec_asked) == 1
    (begin,) = h.of(ExecCommandBegin)
    assert begin.command == argv
    (end,) = h.of(ExecCommandEnd)
    assert end.call_id == "c_no"
    assert end.declined
    assert end.exit_code == -1
    assert h.of(ExecCommandOutputDelta) == []


async def test_approved_for_session_is_not_asked_again(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    h.exec_decision = "approved_for_session"
    argv = ["sh", "-c", "echo run >> marker"]
    first = await dispatch(h, fcall("shell", {"command": argv}, "c1"))
    assert first.success, first.output
    h.exec_decision = "denied"  # would refuse if asked again
    second = await dispatch(h, fcall("shell", {"command": argv}, "c2"))
    assert second.success, second.output
    assert [a[0] for a in h.exec_asked] == ["c1"]
    assert (work / "marker").read_text() == "run\nrun\n"
    # A different command is still asked about.
    third = await dispatch(h, fcall("shell", {"command": ["sh", "-c", "echo x >> other"]}, "c3"))
    assert not third.success
    assert [a[0] for a in h.exec_asked] == ["c1", "c3"]
    assert not (work / "other").exists()


async def test_approved_once_is_asked_again(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    argv = ["sh", "-c", "echo run >> marker"]
    await dispatch(h, fcall("shell", {"command": argv}, "c1"))
    await dispatch(h, fcall("shell", {"command": argv}, "c2"))
    assert [a[0] for a in h.exec_asked] == ["c1", "c2"]


async def test_abort_raises_turn_abort_requested(work: Path) -> None:
    h = make_harness(work, policy="untrusted")
    h.exec_decision = "abort"
    with pytest.raises(TurnAbortRequested):
        await ToolRegistry().dispatch(
            fcall("shell", {"command": ["sh", "-c", "touch marker"]}), h.ctx
        )
    assert len(h.exec_asked) == 1
    assert not (work / "marker").exists()
    assert h.of(ExecCommandBegin) == []


async def test_never_with_escalation_is_rejected_without_asking(work: Path) -> None:
    h = make_harness(work, policy="never")
    args = {
        "command": ["sh", "-c", "touch marker"],
        "with_escalated_permissions": True,
        "justification": "needs it",
    }
    out = await dispatch(h, fcall("shell", args))
    assert not out.success
    assert "approval policy is Never" in out.output
    assert h.exec_asked == []
    assert h.events == []
    assert not (work / "marker").exists()


async def test_on_request_escalation_asks_with_the_justification(work: Path) -> None:
    h = make_harness(work, policy="on-request")
    args = {
        "command": ["sh", "-c", "touch marker"],
        "with_escalated_permissions": True,
        "justification": "write outside the sandbox",
    }
    out = await dispatch(h, fcall("shell", args, "c_esc"))
    assert out.success, out.output
    assert h.exec_asked == [("c_esc", args["command"], work, "write outside the sandbox")]
    assert (work / "marker").exists()


async def test_never_runs_an_ordinary_command_unasked(work: Path) -> None:
    h = make_harness(work, policy="never")
    out = await dispatch(h, fcall("shell", {"command": ["sh", "-c", "touch marker"]}))
    assert out.success, out.output
    assert h.exec_asked == []
    assert (work / "marker").exists()


async def test_patch_outside_the_writable_roots_asks_under_on_request(
    work: Path, tmp_path: Path
) -> None:
    h = make_harness(work, policy="on-request")
    target = tmp_path / "outside" / "x.txt"
    out = await dispatch(
        h, fcall("apply_patch", {"input": add_file_patch(str(target), "hi")}, "c_out")
    )
    assert out.success, out.output
    assert target.read_text() == "hi\n"
    ((call_id, changes, reason, grant_root),) = h.patch_asked
    assert call_id == "c_out"
    assert set(changes) == {str(target)}
    assert changes[str(target)].kind == "add"
    assert changes[str(target)].diff == "hi\n"
    assert reason is not None and "outside" in reason
    assert grant_root is None
    (begin,) = h.of(PatchApplyBegin)
    assert not begin.auto_approved
    assert begin.changes == changes


async def test_patch_outside_the_writable_roots_denied(work: Path, tmp_path: Path) -> None:
    h = make_harness(work, policy="on-request")
    h.patch_decision = "denied"
    target = tmp_path / "outside.txt"
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch(str(target), "hi")}))
    assert not out.success
    assert out.output == PATCH_REJECTED_BY_USER
    assert not target.exists()
    assert len(h.patch_asked) == 1
    assert h.of(PatchApplyBegin) == []


async def test_patch_outside_the_writable_roots_abort(work: Path, tmp_path: Path) -> None:
    h = make_harness(work, policy="on-request")
    h.patch_decision = "abort"
    target = tmp_path / "outside.txt"
    patch = add_file_patch(str(target), "hi")
    with pytest.raises(TurnAbortRequested):
        await ToolRegistry().dispatch(CustomToolCall("apply_patch", patch, "c"), h.ctx)
    assert not target.exists()


async def test_patch_outside_the_writable_roots_rejected_under_never(
    work: Path, tmp_path: Path
) -> None:
    h = make_harness(work, policy="never")
    target = tmp_path / "outside.txt"
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch(str(target), "hi")}))
    assert not out.success
    assert out.output == OUTSIDE_PROJECT_REJECTED
    assert h.patch_asked == []
    assert not target.exists()
    assert h.events == []


async def test_patch_escaping_with_dotdot_is_outside(work: Path, tmp_path: Path) -> None:
    h = make_harness(work, policy="never")
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch("../esc.txt", "hi")}))
    assert out.output == OUTSIDE_PROJECT_REJECTED
    assert not (tmp_path / "esc.txt").exists()


async def test_patch_inside_the_workspace_is_not_asked(work: Path) -> None:
    h = make_harness(work, policy="on-request")
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch("in.txt", "hi")}))
    assert out.success
    assert h.patch_asked == []
    assert h.of(PatchApplyBegin)[0].auto_approved


async def test_patch_under_read_only_sandbox_asks(work: Path) -> None:
    h = make_harness(work, policy="on-request", sandbox=ReadOnly())
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch("in.txt", "hi")}))
    assert out.success
    assert len(h.patch_asked) == 1
    assert (work / "in.txt").exists()


async def test_untrusted_asks_for_every_patch(work: Path) -> None:
    h = make_harness(work, policy="untrusted", sandbox=DangerFullAccess())
    h.patch_decision = "denied"
    out = await dispatch(h, fcall("apply_patch", {"input": add_file_patch("in.txt", "hi")}))
    assert not out.success
    assert len(h.patch_asked) == 1
    assert not (work / "in.txt").exists()


async def test_patch_approved_for_session_covers_the_same_files(work: Path, tmp_path: Path) -> None:
    h = make_harness(work, policy="on-request")
    target = tmp_path / "outside.txt"
    h.patch_decision = "approved_for_session"
    first = await dispatch(h, fcall("apply_patch", {"input": add_file_patch(str(target), "v1")}))
    assert first.success, first.output
    h.patch_decision = "denied"
    patch = update_patch(str(target), "v1", "v2")
    second = await dispatch(h, fcall("apply_patch", {"input": patch}))
    assert second.success, second.output
    assert target.read_text() == "v2\n"
    assert len(h.patch_asked) == 1
    # A patch touching another outside file is asked about again.
    other = tmp_path / "other.txt"
    third = await dispatch(h, fcall("apply_patch", {"input": add_file_patch(str(other), "x")}))
    assert not third.success
    assert len(h.patch_asked) == 2
    assert not other.exists()


async def test_shell_apply_patch_goes_through_patch_approval(work: Path, tmp_path: Path) -> None:
    h = make_harness(work, policy="untrusted")
    h.patch_decision = "denied"
    patch = add_file_patch("in.txt", "hi")
    out = await dispatch(h, fcall("shell", {"command": ["apply_patch", patch]}))
    assert out.output == PATCH_REJECTED_BY_USER
    assert h.exec_asked == []
    assert len(h.patch_asked) == 1
    assert not (work / "in.txt").exists()
