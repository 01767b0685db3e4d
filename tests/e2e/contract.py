"""The ``codeloop exec --json`` contract (``shared/contracts/exec-json.md``) as one checker.

:func:`assert_exec_json_contract` takes the stdout lines of a run (or already decoded dicts) and
checks, with a message naming the offending line:

- every line decodes strictly into :data:`codeloop.protocol.exec_json.ExecEvent` *and*, as a plain
  dict, has exactly the keys the contract lists (optional fields present as ``null``);
- ``thread.started`` (a UUID ``thread_id``) comes first and once; then per turn ``turn.started``,
  items and ``error`` events, then ``turn.completed`` (integer usage) or ``turn.failed``;
- item ids are ``item_0, item_1, ...`` in order of first appearance, without gaps;
- lifecycles: commands and MCP calls ``item.started`` (in progress) then ``item.completed`` with the
  same id; agent messages, reasoning, file changes, errors and web searches only ``item.completed``;
  the plan ``item.started``, then ``item.updated``, then ``item.completed`` at the turn's end.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec

from codeloop.protocol.exec_json import ExecEvent

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ContractTurn", "assert_exec_json_contract"]

_EVENT_KEYS: dict[str, frozenset[str]] = {
    "thread.started": frozenset({"type", "thread_id"}),
    "turn.started": frozenset({"type"}),
    "item.started": frozenset({"type", "item"}),
    "item.updated": frozenset({"type", "item"}),
    "item.completed": frozenset({"type", "item"}),
    "turn.completed": frozenset({"type", "usage"}),
    "turn.failed": frozenset({"type", "error"}),
    "error": frozenset({"type", "message"}),
}

_ITEM_KEYS: dict[str, frozenset[str]] = {
    "agent_message": frozenset({"text"}),
    "reasoning": frozenset({"text"}),
    "command_execution": frozenset({"command", "aggregated_output", "exit_code", "status"}),
    "file_change": frozenset({"changes", "status"}),
    "mcp_tool_call": frozenset({"server", "tool", "arguments", "result", "error", "status"}),
    "web_search": frozenset({"query"}),
    "todo_list": frozenset({"items"}),
    "error": frozenset({"message"}),
}

_USAGE_REQUIRED = frozenset({"input_tokens", "cached_input_tokens", "output_tokens"})
_USAGE_ALLOWED = _USAGE_REQUIRED | {"reasoning_output_tokens"}

#: Which item events each item type may appear in.
_ONLY_COMPLETED = frozenset({"agent_message", "reasoning", "file_change", "error", "web_search"})
_STARTED_FIRST = frozenset({"command_execution", "mcp_tool_call", "todo_list"})
_ITEM_EVENTS = frozenset({"item.started", "item.updated", "item.completed"})


@dataclass
class ContractTurn:
    """One turn of a checked stream: its events (without turn.started/ended) and its end."""

    events: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.end is not None and self.end["type"] == "turn.failed"


class _Checker:
    def __init__(self) -> None:
        self.where = ""
        self.next_id = 0
        self.item_types: dict[str, str] = {}
        #: id -> last lifecycle event seen for it ("item.started", ...).
        self.state: dict[str, str] = {}
        #: id -> the turn it belongs to.
        self.item_turn: dict[str, ContractTurn] = {}
        #: The last turn.completed usage.
        self.usage: dict[str, int] = {}

    def fail(self, why: str) -> NoReturn:
        raise AssertionError(f"exec --json contract: {self.where}: {why}")

    def check(self, cond: bool, why: str) -> None:
        if not cond:
            self.fail(why)

    # -- shapes ----------------------------------------------------------------------------------

    def keys(self, obj: Any, expected: frozenset[str], what: str) -> None:
        self.check(isinstance(obj, dict), f"{what} is not an object: {obj!r}")
        got = frozenset(obj)
        self.check(
            got == expected,
            f"{what} keys {sorted(got)} != {sorted(expected)} "
            f"(missing {sorted(expected - got)}, extra {sorted(got - expected)})",
        )

    def is_int(self, value: Any, what: str, *, nullable: bool = False) -> None:
        if nullable and value is None:
            return
        self.check(isinstance(value, int) and not isinstance(value, bool), f"{what} is not an int")

    def is_str(self, value: Any, what: str) -> None:
        self.check(isinstance(value, str), f"{what} is not a string: {value!r}")

    def event_shape(self, ev: dict[str, Any]) -> None:
        kind = ev.get("type")
        if not isinstance(kind, str) or kind not in _EVENT_KEYS:
            self.fail(f"unknown event type {kind!r}")
        self.keys(ev, _EVENT_KEYS[kind], f"{kind} event")
        if kind == "thread.started":
            tid = ev["thread_id"]
            self.is_str(tid, "thread_id")
            try:
                parsed = uuid.UUID(tid)
            except ValueError:
                self.fail(f"thread_id {tid!r} is not a UUID")
            self.check(str(parsed) == tid, f"thread_id {tid!r} is not in canonical UUID form")
        elif kind == "turn.completed":
            usage = ev["usage"]
            self.check(isinstance(usage, dict), "usage is not an object")
            got = frozenset(usage)
            self.check(got >= _USAGE_REQUIRED, f"usage lacks {sorted(_USAGE_REQUIRED - got)}")
            self.check(
                got <= _USAGE_ALLOWED, f"usage has extra keys {sorted(got - _USAGE_ALLOWED)}"
            )
            for key, value in usage.items():
                self.is_int(value, f"usage.{key}")
                self.check(value >= 0, f"usage.{key} is negative")
        elif kind == "turn.failed":
            self.keys(ev["error"], frozenset({"message"}), "turn.failed error")
            self.is_str(ev["error"]["message"], "turn.failed error.message")
        elif kind == "error":
            self.is_str(ev["message"], "error message")
        elif kind in _ITEM_EVENTS:
            self.item_shape(ev["item"])

    def item_shape(self, item: Any) -> None:
        self.check(isinstance(item, dict), f"item is not an object: {item!r}")
        itype = item.get("type")
        self.check(itype in _ITEM_KEYS, f"unknown item type {itype!r}")
        self.keys(item, _ITEM_KEYS[itype] | {"id", "type"}, f"{itype} item")
        self.is_str(item["id"], "item id")
        if itype in ("agent_message", "reasoning"):
            self.is_str(item["text"], f"{itype} text")
        elif itype == "command_execution":
            self.is_str(item["command"], "command")
            self.is_str(item["aggregated_output"], "aggregated_output")
            self.is_int(item["exit_code"], "exit_code", nullable=True)
            status = item["status"]
            self.check(
                status in ("in_progress", "completed", "failed", "declined"),
                f"command status {status!r}",
            )
            if status == "completed":
                self.check(item["exit_code"] == 0, "a completed command must have exit_code 0")
            if status == "failed":
                self.check(item["exit_code"] != 0, "a failed command cannot have exit_code 0")
        elif itype == "file_change":
            self.check(isinstance(item["changes"], list), "changes is not a list")
            for change in item["changes"]:
                self.keys(change, frozenset({"path", "kind"}), "file change")
                self.is_str(change["path"], "file change path")
                self.check(
                    change["kind"] in ("add", "delete", "update"), f"kind {change['kind']!r}"
                )
            self.check(item["status"] in ("completed", "failed"), f"status {item['status']!r}")
        elif itype == "mcp_tool_call":
            self.is_str(item["server"], "server")
            self.is_str(item["tool"], "tool")
            if item["result"] is not None:
                self.keys(item["result"], frozenset({"content", "structured_content"}), "result")
                self.check(isinstance(item["result"]["content"], list), "result.content")
            if item["error"] is not None:
                self.keys(item["error"], frozenset({"message"}), "mcp error")
            self.check(
                item["status"] in ("in_progress", "completed", "failed"),
                f"mcp status {item['status']!r}",
            )
        elif itype == "web_search":
            self.is_str(item["query"], "query")
        elif itype == "todo_list":
            self.check(isinstance(item["items"], list), "todo items is not a list")
            for entry in item["items"]:
                self.keys(entry, frozenset({"text", "completed"}), "todo entry")
                self.is_str(entry["text"], "todo text")
                self.check(isinstance(entry["completed"], bool), "todo completed is not a bool")
        elif itype == "error":
            self.is_str(item["message"], "error item message")

    # -- order -----------------------------------------------------------------------------------

    def item_event(self, kind: str, item: dict[str, Any], turn: ContractTurn) -> None:
        item_id, itype = item["id"], item["type"]
        if item_id not in self.item_types:
            self.check(
                item_id == f"item_{self.next_id}",
                f"item id {item_id!r} should be item_{self.next_id} (numbered in order, no gaps)",
            )
            self.next_id += 1
            self.item_types[item_id] = itype
            if itype in _STARTED_FIRST:
                self.check(
                    kind == "item.started", f"{itype} {item_id} must begin with item.started"
                )
            if itype in _ONLY_COMPLETED:
                self.check(kind == "item.completed", f"{itype} may only appear as item.completed")
        else:
            self.check(
                self.item_types[item_id] == itype,
                f"{item_id} changed type from {self.item_types[item_id]} to {itype}",
            )
            prev = self.state[item_id]
            self.check(prev != "item.completed", f"{item_id} has an event after item.completed")
            self.check(kind != "item.started", f"{item_id} started twice")
            self.check(self.item_turn[item_id] is turn, f"{item_id} continues into another turn")
        if itype in ("command_execution", "mcp_tool_call"):
            in_progress = item["status"] == "in_progress"
            self.check(
                in_progress == (kind != "item.completed"),
                f"{itype} {item_id}: status {item['status']!r} in {kind}",
            )
            if itype == "command_execution" and kind == "item.started":
                self.check(item["exit_code"] is None, "a started command has exit_code null")
        self.state[item_id] = kind
        self.item_turn.setdefault(item_id, turn)

    def running_total(self, usage: dict[str, int]) -> None:
        """Usage is the session's running total: it never goes down from turn to turn."""
        for key, value in usage.items():
            before = self.usage.get(key, 0)
            self.check(value >= before, f"usage.{key} went down from {before} to {value}")
        self.usage = dict(usage)

    def end_turn(self, turn: ContractTurn) -> None:
        open_ids = [
            i for i, t in self.item_turn.items() if t is turn and self.state[i] != "item.completed"
        ]
        self.check(not open_ids, f"items {open_ids} not completed when the turn ended")
        # The plan completes at the turn's end: after it, only items already in flight may be
        # closed (item.completed of an id seen before); nothing new happens.
        seen: set[str] = set()
        plan_done = False
        for ev in turn.events:
            item_id = ev["item"]["id"] if ev["type"] in _ITEM_EVENTS else None
            if plan_done:
                self.check(
                    ev["type"] == "item.completed" and item_id in seen,
                    f"{ev['type']} {item_id or ''} after the plan's item.completed "
                    "(the plan completes at turn end)",
                )
            if ev["type"] == "item.completed" and ev["item"]["type"] == "todo_list":
                plan_done = True
            if item_id is not None:
                seen.add(item_id)
        plans = {
            ev["item"]["id"]
            for ev in turn.events
            if ev["type"] in _ITEM_EVENTS and ev["item"]["type"] == "todo_list"
        }
        self.check(len(plans) <= 1, f"more than one todo_list id in a turn: {sorted(plans)}")
        if turn.failed:
            self.check(
                any(ev["type"] == "error" for ev in turn.events),
                "turn.failed without an error event in the turn",
            )


def _as_dict_and_line(raw: str | bytes | dict[str, Any]) -> tuple[Any, bytes]:
    if isinstance(raw, dict):
        return raw, json.dumps(raw).encode()
    line = raw.encode() if isinstance(raw, str) else raw
    return json.loads(line), line


def assert_exec_json_contract(
    events: Sequence[str | bytes | dict[str, Any]],
) -> list[ContractTurn]:
    """Check a whole ``exec --json`` stream; returns its turns. Raises ``AssertionError``."""
    c = _Checker()
    turns: list[ContractTurn] = []
    current: ContractTurn | None = None
    c.check(len(events) > 0, "the stream is empty")
    for n, raw in enumerate(events, 1):
        c.where = f"line {n}: {raw!r}"[:400]
        try:
            ev, line = _as_dict_and_line(raw)
        except json.JSONDecodeError as err:
            c.fail(f"not a JSON line: {err}")
        c.check(isinstance(ev, dict), "not a JSON object")
        try:
            msgspec.json.decode(line, type=ExecEvent, strict=True)
        except msgspec.DecodeError as err:
            c.fail(f"does not decode as ExecEvent: {err}")
        c.event_shape(ev)
        kind = ev["type"]
        if n == 1:
            c.check(kind == "thread.started", "the first event must be thread.started")
            continue
        c.check(kind != "thread.started", "thread.started may appear only first")
        if kind == "turn.started":
            c.check(current is None, "turn.started inside a turn")
            current = ContractTurn()
            turns.append(current)
            continue
        c.check(current is not None, f"{kind} outside a turn")
        assert current is not None
        if kind in ("turn.completed", "turn.failed"):
            current.end = ev
            c.end_turn(current)
            current = None
            if kind == "turn.completed":
                c.running_total(ev["usage"])
            continue
        current.events.append(ev)
        if kind in _ITEM_EVENTS:
            c.item_event(kind, ev["item"], current)
    c.where = "end of stream"
    c.check(current is None, "the last turn never ended (no turn.completed or turn.failed)")
    return turns
