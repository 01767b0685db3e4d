"""The contract checker itself: it accepts the contract's own examples and rejects each kind of
violation (a checker that cannot fail proves nothing)."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from contract import assert_exec_json_contract

if TYPE_CHECKING:
    from collections.abc import Callable

Stream = list[dict[str, Any]]

THREAD = {"type": "thread.started", "thread_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"}
USAGE = {"input_tokens": 42, "cached_input_tokens": 12, "output_tokens": 5}


def _cmd(item_id: str, status: str, exit_code: int | None, output: str = "") -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "command_execution",
        "command": "bash -lc ls",
        "aggregated_output": output,
        "exit_code": exit_code,
        "status": status,
    }


def _todo(item_id: str, done: bool) -> dict[str, Any]:
    return {"id": item_id, "type": "todo_list", "items": [{"text": "a", "completed": done}]}


def good_stream() -> Stream:
    """Every item kind codeloop produces today, in a valid order."""
    return [
        THREAD,
        {"type": "turn.started"},
        {"type": "item.started", "item": _todo("item_0", False)},
        {"type": "item.completed", "item": {"id": "item_1", "type": "reasoning", "text": "hm"}},
        {"type": "item.started", "item": _cmd("item_2", "in_progress", None)},
        {"type": "item.completed", "item": _cmd("item_2", "completed", 0, "a\n")},
        {"type": "error", "message": "Reconnecting... 1/5"},
        {
            "type": "item.completed",
            "item": {
                "id": "item_3",
                "type": "file_change",
                "changes": [{"path": "a.py", "kind": "update"}],
                "status": "completed",
            },
        },
        {"type": "item.updated", "item": _todo("item_0", True)},
        {"type": "item.completed", "item": {"id": "item_4", "type": "agent_message", "text": "ok"}},
        {"type": "item.completed", "item": _todo("item_0", True)},
        {"type": "turn.completed", "usage": USAGE},
    ]


def test_accepts_the_minimal_example_as_text_lines() -> None:
    lines = [
        json.dumps(THREAD),
        '{"type":"turn.started"}',
        '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Hi!"}}',
        json.dumps({"type": "turn.completed", "usage": USAGE}),
    ]
    [turn] = assert_exec_json_contract(lines)
    assert not turn.failed


def test_two_turns_with_a_running_total() -> None:
    second: Stream = [
        {"type": "turn.started"},
        {"type": "item.completed", "item": {"id": "item_5", "type": "agent_message", "text": "b"}},
        {"type": "turn.completed", "usage": {**USAGE, "input_tokens": 50}},
    ]
    assert len(assert_exec_json_contract([*good_stream(), *second])) == 2
    second[-1]["usage"] = {**USAGE, "input_tokens": 10}
    with pytest.raises(AssertionError, match="went down"):
        assert_exec_json_contract([*good_stream(), *second])
    second[-1]["usage"] = USAGE
    second[1]["item"]["id"] = "item_4"  # the first turn's message id again
    with pytest.raises(AssertionError, match=r"after item\.completed"):
        assert_exec_json_contract([*good_stream(), *second])


def test_rejects_non_json_lines() -> None:
    with pytest.raises(AssertionError, match="not a JSON line"):
        assert_exec_json_contract([json.dumps(THREAD), "turn started"])


def test_accepts_a_full_stream_and_a_failed_turn() -> None:
    assert len(assert_exec_json_contract(good_stream())) == 1
    failed: Stream = [
        THREAD,
        {"type": "turn.started"},
        {"type": "error", "message": "unauthorized"},
        {"type": "turn.failed", "error": {"message": "unauthorized"}},
    ]
    [turn] = assert_exec_json_contract(failed)
    assert turn.failed


def _set(index: int, path: tuple[str, ...], value: Any) -> Callable[[Stream], None]:
    def mutate(s: Stream) -> None:
        target = s[index]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(index: int, path: tuple[str, ...]) -> Callable[[Stream], None]:
    def mutate(s: Stream) -> None:
        target = s[index]
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _remove(index: int) -> Callable[[Stream], None]:
    def mutate(s: Stream) -> None:
        s.pop(index)

    return mutate


def _move(src: int, dst: int) -> Callable[[Stream], None]:
    def mutate(s: Stream) -> None:
        s.insert(dst, s.pop(src))

    return mutate


def _fail_without_error(s: Stream) -> None:
    s[-1] = {"type": "turn.failed", "error": {"message": "x"}}
    s[:] = [ev for ev in s if ev["type"] != "error"]


BROKEN: dict[str, tuple[Callable[[Stream], None], str]] = {
    "thread id not a uuid": (_set(0, ("thread_id",), "abc"), "not a UUID"),
    "no thread.started first": (_remove(0), "first event"),
    "unknown event": (_set(1, ("type",), "turn.begun"), "turn.begun"),
    "extra key on event": (_set(1, ("extra",), 1), "extra"),
    "missing optional field": (_delete(4, ("item", "exit_code")), "missing"),
    "usage not int": (_set(-1, ("usage", "output_tokens"), "5"), "ExecEvent"),
    "usage key missing": (_delete(-1, ("usage", "cached_input_tokens")), "ExecEvent"),
    "id gap": (_set(3, ("item", "id"), "item_7"), "item_1"),
    "message as started": (_set(9, ("type",), "item.started"), "only appear as item.completed"),
    "command never started": (_remove(4), "item.started"),
    "command started not in progress": (_set(4, ("item", "status"), "completed"), "status"),
    "command started with exit code": (_set(4, ("item", "exit_code"), 0), "exit_code"),
    "completed command with failure code": (_set(5, ("item", "exit_code"), 2), "exit_code 0"),
    "command never completed": (_remove(5), "not completed"),
    "plan completed before the message": (_move(10, 9), "turn end"),
    "plan updated after completed": (_move(10, 8), "after item.completed"),
    "bad file change kind": (_set(7, ("item", "changes"), [{"path": "a", "kind": "x"}]), "kind"),
    "no turn end": (_remove(-1), "never ended"),
    "turn.failed without error": (_fail_without_error, "without an error event"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_rejects(name: str) -> None:
    mutate, message = BROKEN[name]
    stream = copy.deepcopy(good_stream())
    mutate(stream)
    with pytest.raises(AssertionError, match=message):
        assert_exec_json_contract(stream)
