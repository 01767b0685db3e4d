"""Session events → the ``exec --json`` stream (``shared/contracts/exec-json.md``).

A small state machine: it numbers items ``item_0, item_1, ...`` per process, pairs command and
patch begin/end events by call id, keeps one ``todo_list`` item per turn for the plan, and turns
the end of a turn into ``turn.completed`` (usage = the session's running total) or ``turn.failed``
(when an ``error`` event happened during the turn). Retry notices become ``error`` events that do
not fail the turn, as in Codex.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from codeloop.protocol import exec_json as ej
from codeloop.protocol.events import (
    AgentMessage,
    AgentReasoning,
    Error,
    ExecCommandBegin,
    ExecCommandEnd,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanUpdate,
    RetryNotice,
    SessionConfigured,
    TokenCount,
    TurnAborted,
    TurnComplete,
    TurnStarted,
    Warning,
)

if TYPE_CHECKING:
    from codeloop.protocol.events import EventMsg, FileChange

__all__ = ["ExecJsonTranslator"]


class ExecJsonTranslator:
    """Feed session events in order; get the ``exec --json`` events each one produces."""

    def __init__(self) -> None:
        self._next_item = 0
        self._commands: dict[str, tuple[str, str]] = {}  # call_id -> (item id, command)
        self._patches: dict[str, dict[str, FileChange]] = {}
        self._plan_id: str | None = None
        self._plan_items: list[ej.TodoEntry] = []
        self._usage = ej.Usage(input_tokens=0, cached_input_tokens=0, output_tokens=0)
        self._turn_error: str | None = None
        #: Whether any fatal error happened (the process exit status).
        self.had_error = False

    def _item_id(self) -> str:
        item_id = f"item_{self._next_item}"
        self._next_item += 1
        return item_id

    def translate(self, msg: EventMsg) -> list[ej.ExecEvent]:
        if isinstance(msg, SessionConfigured):
            return [ej.ThreadStarted(thread_id=msg.session_id)]
        if isinstance(msg, TurnStarted):
            self._turn_error = None
            return [ej.TurnStarted()]
        if isinstance(msg, AgentMessage):
            return [
                ej.ItemCompleted(item=ej.AgentMessageItem(id=self._item_id(), text=msg.message))
            ]
        if isinstance(msg, AgentReasoning):
            return [ej.ItemCompleted(item=ej.ReasoningItem(id=self._item_id(), text=msg.text))]
        if isinstance(msg, ExecCommandBegin):
            return self._command_begin(msg)
        if isinstance(msg, ExecCommandEnd):
            return self._command_end(msg)
        if isinstance(msg, PatchApplyBegin):
            self._patches[msg.call_id] = msg.changes
            return []
        if isinstance(msg, PatchApplyEnd):
            return self._patch_end(msg)
        if isinstance(msg, PlanUpdate):
            return self._plan(msg)
        if isinstance(msg, TokenCount):
            if msg.info is not None:
                total = msg.info.total_token_usage
                self._usage = ej.Usage(
                    input_tokens=total.input_tokens,
                    cached_input_tokens=total.cached_input_tokens,
                    output_tokens=total.output_tokens,
                    reasoning_output_tokens=total.reasoning_output_tokens,
                )
            return []
        if isinstance(msg, RetryNotice):
            return [ej.ExecError(message=msg.message)]
        if isinstance(msg, Warning):
            return [ej.ItemCompleted(item=ej.ErrorItem(id=self._item_id(), message=msg.message))]
        if isinstance(msg, Error):
            text = msg.message if not msg.hint else f"{msg.message} ({msg.hint})"
            self._turn_error = text
            self.had_error = True
            return [ej.ExecError(message=text)]
        if isinstance(msg, TurnComplete):
            return self._turn_end()
        if isinstance(msg, TurnAborted):
            # An interrupted turn failed: say so as an error event first, as the contract wants
            # every turn.failed to follow one (and exit status 1).
            self.had_error = True
            if self._turn_error is not None:
                return self._turn_end()
            self._turn_error = "turn interrupted"
            return [ej.ExecError(message="turn interrupted"), *self._turn_end()]
        return []

    def _command_begin(self, msg: ExecCommandBegin) -> list[ej.ExecEvent]:
        item_id = self._item_id()
        command = shlex.join(msg.command)
        self._commands[msg.call_id] = (item_id, command)
        return [
            ej.ItemStarted(
                item=ej.CommandExecutionItem(
                    id=item_id,
                    command=command,
                    aggregated_output="",
                    exit_code=None,
                    status="in_progress",
                )
            )
        ]

    def _command_end(self, msg: ExecCommandEnd) -> list[ej.ExecEvent]:
        known = self._commands.pop(msg.call_id, None)
        item_id, command = known if known is not None else (self._item_id(), "")
        if msg.declined:
            status: ej.CommandStatus = "declined"
        elif msg.exit_code == 0 and not msg.timed_out:
            status = "completed"
        else:
            status = "failed"
        return [
            ej.ItemCompleted(
                item=ej.CommandExecutionItem(
                    id=item_id,
                    command=command,
                    aggregated_output=msg.aggregated_output,
                    exit_code=None if msg.declined else msg.exit_code,
                    status=status,
                )
            )
        ]

    def _patch_end(self, msg: PatchApplyEnd) -> list[ej.ExecEvent]:
        changes = self._patches.pop(msg.call_id, {})
        return [
            ej.ItemCompleted(
                item=ej.FileChangeItem(
                    id=self._item_id(),
                    changes=[
                        ej.FileUpdateChange(path=path, kind=change.kind)
                        for path, change in changes.items()
                    ],
                    status="completed" if msg.success else "failed",
                )
            )
        ]

    def _plan(self, msg: PlanUpdate) -> list[ej.ExecEvent]:
        self._plan_items = [
            ej.TodoEntry(text=p.step, completed=p.status == "completed") for p in msg.plan
        ]
        if self._plan_id is None:
            self._plan_id = self._item_id()
            return [ej.ItemStarted(item=ej.TodoListItem(id=self._plan_id, items=self._plan_items))]
        return [ej.ItemUpdated(item=ej.TodoListItem(id=self._plan_id, items=self._plan_items))]

    def _turn_end(self) -> list[ej.ExecEvent]:
        out: list[ej.ExecEvent] = []
        if self._plan_id is not None:
            out.append(
                ej.ItemCompleted(item=ej.TodoListItem(id=self._plan_id, items=self._plan_items))
            )
            self._plan_id = None
        # Commands still open (the turn was interrupted) are reported as failed.
        for item_id, command in self._commands.values():
            out.append(
                ej.ItemCompleted(
                    item=ej.CommandExecutionItem(
                        id=item_id,
                        command=command,
                        aggregated_output="",
                        exit_code=None,
                        status="failed",
                    )
                )
            )
        self._commands.clear()
        if self._turn_error is not None:
            out.append(ej.TurnFailed(error=ej.ThreadError(message=self._turn_error)))
        else:
            out.append(ej.TurnCompleted(usage=self._usage))
        return out
