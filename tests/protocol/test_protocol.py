"""The protocol's shapes: what goes over the wire and into rollouts."""

from __future__ import annotations

import ast
from pathlib import Path

import msgspec
import pytest

from codeloop.protocol import events, exec_json, items, ops, policy, rollout
from codeloop.protocol.usage import TokenUsage

PROTOCOL_DIR = Path(__file__).resolve().parents[2] / "src" / "codeloop" / "protocol"


def test_protocol_imports_nothing_else_of_codeloop() -> None:
    for path in PROTOCOL_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                mod = node.module
            elif isinstance(node, ast.Import):
                mod = node.names[0].name
            else:
                continue
            if mod.startswith("codeloop"):
                assert mod.startswith("codeloop.protocol"), f"{path.name} imports {mod}"


def test_response_items_omit_null_fields_for_the_api() -> None:
    msg = items.Message(role="user", content=[items.InputText(text="hi")])
    assert msgspec.json.decode(msgspec.json.encode(msg)) == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }


def test_reasoning_always_carries_summary() -> None:
    r = items.Reasoning(id="rs_1", summary=[], encrypted_content="gAAA")
    assert msgspec.json.decode(msgspec.json.encode(r)) == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
        "encrypted_content": "gAAA",
    }


@pytest.mark.parametrize(
    "item",
    [
        items.Message(role="assistant", content=[items.OutputText(text="done")], id="msg_1"),
        items.Reasoning(
            id="rs_1",
            summary=[items.ReasoningSummaryText(text="thinking")],
            encrypted_content="opaque",
        ),
        items.FunctionCall(name="shell", arguments='{"command":["ls"]}', call_id="call_1"),
        items.FunctionCallOutput(call_id="call_1", output="a\nb"),
        items.CustomToolCall(name="apply_patch", input="*** Begin Patch", call_id="c2"),
        items.CustomToolCallOutput(call_id="c2", output="ok"),
    ],
)
def test_response_items_round_trip(item: items.ResponseItem) -> None:
    raw = msgspec.json.encode(item)
    assert msgspec.json.decode(raw, type=items.ResponseItem) == item


def test_unknown_item_type_is_a_validation_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"type":"web_search_call"}', type=items.ResponseItem)


def test_message_text_joins_text_parts() -> None:
    msg = items.Message(
        role="user",
        content=[
            items.InputText(text="a"),
            items.InputImage(image_url="data:image/png;base64,"),
            items.InputText(text="b"),
        ],
    )
    assert items.message_text(msg) == "ab"


def test_rollout_line_shapes() -> None:
    meta = rollout.SessionMetaLine(
        timestamp="2026-11-22T10:00:00.000Z",
        payload=rollout.SessionMeta(
            id="0199",
            timestamp="2026-11-22T10:00:00.000Z",
            cwd="/w",
            originator="codeloop_exec",
            cli_version="0.1.0",
            source="exec",
            git=rollout.GitInfo(commit_hash="abc", branch="main"),
        ),
    )
    decoded = msgspec.json.decode(msgspec.json.encode(meta))
    assert decoded["type"] == "session_meta"
    assert set(decoded) == {"timestamp", "type", "payload"}
    assert decoded["payload"]["git"]["branch"] == "main"

    lines = [
        meta,
        rollout.ResponseItemLine(
            timestamp="t", payload=items.FunctionCallOutput(call_id="c", output="o")
        ),
        rollout.EventMsgLine(timestamp="t", payload=events.TurnAborted()),
        rollout.TurnContextLine(
            timestamp="t",
            payload=rollout.TurnContext(
                cwd="/w",
                approval_policy="never",
                sandbox_policy=policy.WorkspaceWrite(writable_roots=["/w"]),
                model="m",
            ),
        ),
        rollout.CompactedLine(timestamp="t", payload=rollout.CompactedItem(message="sum")),
    ]
    for line in lines:
        raw = msgspec.json.encode(line)
        assert msgspec.json.decode(raw, type=rollout.RolloutLine) == line


def test_event_envelope_round_trips() -> None:
    ev = events.Event(
        id="sub-1",
        msg=events.ExecCommandEnd(call_id="c", exit_code=0, duration_ms=3, stdout="x"),
    )
    assert msgspec.json.decode(msgspec.json.encode(ev), type=events.Event) == ev
    decoded = msgspec.json.decode(msgspec.json.encode(ev))
    assert decoded["msg"]["type"] == "exec_command_end"


def test_submission_round_trips() -> None:
    sub = ops.Submission(
        id="1", op=ops.UserInput(items=[ops.TextInput(text="hi"), ops.LocalImage(path="/a.png")])
    )
    assert msgspec.json.decode(msgspec.json.encode(sub), type=ops.Submission) == sub
    approval = msgspec.json.decode(
        b'{"id":"2","op":{"type":"exec_approval","id":"call_1","decision":"approved_for_session"}}',
        type=ops.Submission,
    )
    assert approval.op == ops.ExecApproval(id="call_1", decision="approved_for_session")
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"id":"2","op":{"type":"exec_approval","id":"c","decision":"maybe"}}',
            type=ops.Submission,
        )


def test_sandbox_policy_tags_are_kebab_case() -> None:
    raw = msgspec.json.encode(policy.DangerFullAccess())
    assert raw == b'{"type":"danger-full-access"}'


def test_token_usage_adds_up() -> None:
    a = TokenUsage(input_tokens=1, cached_input_tokens=2, output_tokens=3, total_tokens=4)
    b = TokenUsage(input_tokens=10, output_tokens=1, reasoning_output_tokens=5, total_tokens=11)
    assert a + b == TokenUsage(
        input_tokens=11,
        cached_input_tokens=2,
        output_tokens=4,
        reasoning_output_tokens=5,
        total_tokens=15,
    )


# --- exec --json: the contract in shared/contracts/exec-json.md -------------------------------


def _line(ev: exec_json.ExecEvent) -> dict[str, object]:
    raw = exec_json.encode_line(ev)
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    decoded = msgspec.json.decode(raw)
    assert isinstance(decoded, dict)
    return decoded


def test_exec_json_minimal_run_matches_contract() -> None:
    assert _line(exec_json.ThreadStarted(thread_id="t-1")) == {
        "type": "thread.started",
        "thread_id": "t-1",
    }
    assert _line(exec_json.TurnStarted()) == {"type": "turn.started"}
    assert _line(
        exec_json.ItemCompleted(item=exec_json.AgentMessageItem(id="item_0", text="Hi!"))
    ) == {
        "type": "item.completed",
        "item": {"id": "item_0", "type": "agent_message", "text": "Hi!"},
    }
    assert _line(
        exec_json.TurnCompleted(
            usage=exec_json.Usage(input_tokens=42, cached_input_tokens=12, output_tokens=5)
        )
    ) == {
        "type": "turn.completed",
        "usage": {
            "input_tokens": 42,
            "cached_input_tokens": 12,
            "output_tokens": 5,
            "reasoning_output_tokens": 0,
        },
    }
    assert _line(exec_json.TurnFailed(error=exec_json.ThreadError(message="boom"))) == {
        "type": "turn.failed",
        "error": {"message": "boom"},
    }
    assert _line(exec_json.ExecError(message="Reconnecting... 2/5")) == {
        "type": "error",
        "message": "Reconnecting... 2/5",
    }


def test_exec_json_optional_fields_are_null_not_missing() -> None:
    started = _line(
        exec_json.ItemStarted(
            item=exec_json.CommandExecutionItem(
                id="item_1",
                command="bash -lc ls",
                aggregated_output="",
                exit_code=None,
                status="in_progress",
            )
        )
    )
    assert started["item"] == {
        "id": "item_1",
        "type": "command_execution",
        "command": "bash -lc ls",
        "aggregated_output": "",
        "exit_code": None,
        "status": "in_progress",
    }
    mcp = _line(
        exec_json.ItemCompleted(
            item=exec_json.McpToolCallItem(
                id="item_2",
                server="s",
                tool="t",
                arguments=None,
                result=None,
                error=exec_json.McpToolCallError(message="dead"),
                status="failed",
            )
        )
    )
    item = mcp["item"]
    assert isinstance(item, dict)
    assert item["arguments"] is None and item["result"] is None
    assert item["error"] == {"message": "dead"}


@pytest.mark.parametrize(
    ("item", "keys"),
    [
        (exec_json.ReasoningItem(id="i", text="t"), {"text"}),
        (
            exec_json.FileChangeItem(
                id="i",
                changes=[exec_json.FileUpdateChange(path="a", kind="add")],
                status="completed",
            ),
            {"changes", "status"},
        ),
        (exec_json.WebSearchItem(id="i", query="q"), {"query"}),
        (
            exec_json.TodoListItem(id="i", items=[exec_json.TodoEntry(text="x", completed=False)]),
            {"items"},
        ),
        (exec_json.ErrorItem(id="i", message="m"), {"message"}),
    ],
)
def test_exec_json_item_fields(item: exec_json.ThreadItem, keys: set[str]) -> None:
    decoded = _line(exec_json.ItemUpdated(item=item))["item"]
    assert isinstance(decoded, dict)
    assert set(decoded) == {"id", "type", *keys}


def test_exec_json_events_decode_back() -> None:
    ev = exec_json.ItemCompleted(
        item=exec_json.CommandExecutionItem(
            id="item_3", command="ls", aggregated_output="a", exit_code=0, status="completed"
        )
    )
    assert msgspec.json.decode(exec_json.encode_line(ev), type=exec_json.ExecEvent) == ev
