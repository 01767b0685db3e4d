"""The Session: one conversation, driven by operations, telling the world through events.

A front end calls :meth:`Session.submit` with an operation and reads :meth:`Session.next_event`
(or iterates :meth:`Session.events`). Inside, one task reads operations; a ``user_input`` starts a
:class:`~codeloop.core.turn.Turn` as its own task, so an ``interrupt`` or an approval decision is
handled while the turn runs. Every event the rollout keeps is written there before it is queued
for the front end, so a crash loses at most the record in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from codeloop.aio import CancellationToken
from codeloop.core.compact import SUMMARY_REQUEST, build_compacted_history
from codeloop.core.context import ContextAccount
from codeloop.core.history import ConversationHistory
from codeloop.core.instructions import environment_context_message, user_instructions_message
from codeloop.core.tooling import ToolContext, TurnAbortRequested
from codeloop.core.turn import Turn
from codeloop.errors import CodeloopError
from codeloop.protocol.events import (
    ApplyPatchApprovalRequest,
    ContextCompacted,
    Error,
    Event,
    EventMsg,
    ExecApprovalRequest,
    SessionConfigured,
    ShutdownComplete,
    TurnAborted,
    TurnComplete,
    TurnStarted,
    UserMessage,
)
from codeloop.protocol.items import InputImage, InputText, Message, ResponseItem, message_text
from codeloop.protocol.ops import (
    Compact,
    ExecApproval,
    Interrupt,
    LocalImage,
    Op,
    OverrideTurnContext,
    PatchApproval,
    Shutdown,
    Submission,
    TextInput,
    UserInput,
    UserInputItem,
)
from codeloop.protocol.rollout import TurnContext

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from codeloop.core.tooling import ToolRouter
    from codeloop.protocol.events import FileChange
    from codeloop.protocol.policy import AskForApproval, ReviewDecision, SandboxPolicy
    from codeloop.protocol.response_events import ResponseEvent

__all__ = ["ModelStreamer", "RolloutSink", "Session", "SessionSettings"]


class ModelStreamer(Protocol):
    """What the session needs of a model client (see :mod:`codeloop.model`)."""

    def stream(self, prompt: Any) -> AsyncIterator[ResponseEvent]: ...


class RolloutSink(Protocol):
    """What the session needs of a rollout recorder (see :mod:`codeloop.sessions`)."""

    @property
    def path(self) -> Path: ...

    def record_items(self, items: list[ResponseItem]) -> None: ...

    def record_event(self, msg: EventMsg) -> None: ...

    def record_turn_context(self, ctx: TurnContext) -> None: ...

    def record_compacted(
        self, summary: str, replacement_history: list[ResponseItem] | None = None
    ) -> None: ...

    def flush(self) -> None: ...


@dataclass
class SessionSettings:
    """Everything a session needs to know, resolved by the front end from config and flags."""

    model: str
    model_provider: str
    cwd: Path
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    base_instructions: str
    user_instructions: str | None = None
    reasoning_effort: str | None = None
    reasoning_summary: str | None = None
    context_window: int | None = None
    auto_compact_limit: int | None = None
    output_schema: dict[str, Any] | None = None
    parallel_tool_calls: bool = False
    shell: str | None = None
    child_env: Mapping[str, str] = field(default_factory=dict)
    writable_roots: list[Path] = field(default_factory=list)


class Session:
    """One conversation. Create it, :meth:`start` it, then submit operations and read events."""

    def __init__(
        self,
        settings: SessionSettings,
        *,
        session_id: str,
        client: ModelStreamer,
        tools: ToolRouter,
        recorder: RolloutSink | None = None,
        history: list[ResponseItem] | None = None,
        prompt_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.settings = settings
        self.session_id = session_id
        self.client = client
        self.tools = tools
        self.recorder = recorder
        self.account = ContextAccount(
            context_window=settings.context_window,
            auto_compact_limit=settings.auto_compact_limit,
        )
        self.history = ConversationHistory(history or ())
        self._resumed = history is not None
        self._prompt_factory = prompt_factory
        self._ops: asyncio.Queue[Submission] = asyncio.Queue()
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._sub_ids = itertools.count()
        self._loop_task: asyncio.Task[None] | None = None
        self._turn_task: asyncio.Task[None] | None = None
        self._turn_cancel: CancellationToken | None = None
        self._pending_input: list[Message] = []
        self._approvals: dict[str, asyncio.Future[ReviewDecision]] = {}
        #: Shared with tool handlers through ToolContext.session_state.
        self.session_state: dict[str, Any] = {}
        self._closed = False

    # --- front-end API ------------------------------------------------------------------------

    @property
    def parallel_tool_calls(self) -> bool:
        return self.settings.parallel_tool_calls

    async def start(self) -> None:
        """Write the initial context (new sessions), announce the session, start reading ops."""
        if not self._resumed:
            initial: list[ResponseItem] = []
            if self.settings.user_instructions:
                initial.append(user_instructions_message(self.settings.user_instructions))
            initial.append(self._environment_message())
            self.add_items(initial)
        s = self.settings
        self.emit(
            "",
            SessionConfigured(
                session_id=self.session_id,
                model=s.model,
                model_provider=s.model_provider,
                cwd=str(s.cwd),
                approval_policy=s.approval_policy,
                sandbox_policy=s.sandbox_policy,
                rollout_path=str(self.recorder.path) if self.recorder else None,
                reasoning_effort=s.reasoning_effort,
                history_entry_count=len(self.history),
            ),
        )
        self._loop_task = asyncio.create_task(self._op_loop(), name="codeloop-session-ops")

    async def submit(self, op: Op) -> str:
        """Queue an operation; returns its submission id (events answering it carry that id)."""
        sub_id = str(next(self._sub_ids))
        await self._ops.put(Submission(id=sub_id, op=op))
        return sub_id

    async def next_event(self) -> Event:
        return await self._events.get()

    async def events(self) -> AsyncIterator[Event]:
        """Events until the session shuts down (``shutdown_complete`` is the last one)."""
        while True:
            ev = await self._events.get()
            yield ev
            if isinstance(ev.msg, ShutdownComplete):
                return

    # --- used by Turn and tool handlers -------------------------------------------------------

    def emit(self, sub_id: str, msg: EventMsg) -> None:
        """Record (when the rollout keeps this kind) and then show an event."""
        if self.recorder is not None:
            self.recorder.record_event(msg)
        self._events.put_nowait(Event(id=sub_id, msg=msg))

    def add_items(self, items: list[ResponseItem]) -> None:
        """Append to history and the rollout."""
        if not items:
            return
        self.history.extend(items)
        if self.recorder is not None:
            self.recorder.record_items(items)

    def add_user_message(self, sub_id: str, message: Message) -> None:
        self.add_items([message])
        images = [c.image_url for c in message.content if isinstance(c, InputImage)]
        self.emit(sub_id, UserMessage(message=message_text(message), images=images or None))

    def drain_pending_input(self, sub_id: str) -> None:
        """Input sent while the turn was running joins the conversation before the next request."""
        pending, self._pending_input = self._pending_input, []
        for message in pending:
            self.add_user_message(sub_id, message)

    def record_turn_context(self) -> None:
        if self.recorder is None:
            return
        s = self.settings
        self.recorder.record_turn_context(
            TurnContext(
                cwd=str(s.cwd),
                approval_policy=s.approval_policy,
                sandbox_policy=s.sandbox_policy,
                model=s.model,
                effort=s.reasoning_effort,
                summary=s.reasoning_summary,
            )
        )

    def build_prompt(self, extra: list[ResponseItem] | None = None, *, tools: bool = True) -> Any:
        from codeloop.model.prompt import Prompt

        items = self.history.for_prompt()
        if extra:
            items.extend(extra)
        return Prompt(
            instructions=self.settings.base_instructions,
            input=items,
            tools=self.tools.specs(self.settings.model) if tools else [],
            parallel_tool_calls=self.settings.parallel_tool_calls if tools else False,
            output_schema=self.settings.output_schema if tools else None,
        )

    async def compact(self, sub_id: str, cancel: CancellationToken) -> None:
        """Summarise the history with the model and replace it with the summary."""
        request = Message(role="user", content=[InputText(text=SUMMARY_REQUEST)])
        prompt = self.build_prompt([request], tools=False)
        summary_parts: list[str] = []
        from codeloop.protocol.response_events import Created, OutputItemDone

        seen_created = False
        async for event in self.client.stream(prompt):
            if cancel.is_cancelled:
                raise asyncio.CancelledError
            if isinstance(event, Created):
                if seen_created:
                    summary_parts.clear()  # a retried attempt starts over
                seen_created = True
            elif (
                isinstance(event, OutputItemDone)
                and isinstance(event.item, Message)
                and event.item.role == "assistant"
            ):
                summary_parts.append(message_text(event.item))
        summary = "\n".join(summary_parts).strip() or "(the model gave no summary)"
        new_history = build_compacted_history(self.history.items(), summary)
        self.history.replace(new_history)
        if self.recorder is not None:
            self.recorder.record_compacted(summary, new_history)
        self.account.reset_last()
        self.emit(sub_id, ContextCompacted())

    async def _ask(self, call_id: str, request: EventMsg, sub_id: str) -> ReviewDecision:
        future: asyncio.Future[ReviewDecision] = asyncio.get_running_loop().create_future()
        self._approvals[call_id] = future
        self.emit(sub_id, request)
        try:
            return await future
        finally:
            self._approvals.pop(call_id, None)

    # --- internals ----------------------------------------------------------------------------

    def _environment_message(self) -> Message:
        s = self.settings
        return environment_context_message(
            cwd=s.cwd,
            approval_policy=s.approval_policy,
            sandbox_policy=s.sandbox_policy,
            writable_roots=s.writable_roots,
            shell=s.shell,
        )

    def _tool_context(self, sub_id: str, cancel: CancellationToken) -> ToolContext:
        s = self.settings

        async def exec_approval(
            call_id: str, argv: list[str], cwd: Path, reason: str | None
        ) -> ReviewDecision:
            req = ExecApprovalRequest(call_id=call_id, command=argv, cwd=str(cwd), reason=reason)
            return await self._ask(call_id, req, sub_id)

        async def patch_approval(
            call_id: str,
            changes: dict[str, FileChange],
            reason: str | None,
            grant_root: Path | None,
        ) -> ReviewDecision:
            req = ApplyPatchApprovalRequest(
                call_id=call_id,
                changes=changes,
                reason=reason,
                grant_root=str(grant_root) if grant_root else None,
            )
            return await self._ask(call_id, req, sub_id)

        return ToolContext(
            sub_id=sub_id,
            cwd=s.cwd,
            approval_policy=s.approval_policy,
            sandbox_policy=s.sandbox_policy,
            cancel=cancel,
            emit=lambda msg: self.emit(sub_id, msg),
            request_exec_approval=exec_approval,
            request_patch_approval=patch_approval,
            child_env=s.child_env,
            writable_roots=s.writable_roots,
            session_state=self.session_state,
        )

    async def _op_loop(self) -> None:
        while True:
            sub = await self._ops.get()
            op = sub.op
            if isinstance(op, UserInput):
                self._on_user_input(sub.id, op)
            elif isinstance(op, Interrupt):
                await self._interrupt()
            elif isinstance(op, ExecApproval | PatchApproval):
                future = self._approvals.get(op.id)
                if future is not None and not future.done():
                    future.set_result(op.decision)
            elif isinstance(op, OverrideTurnContext):
                self._override(op)
            elif isinstance(op, Compact):
                self._on_compact(sub.id)
            elif isinstance(op, Shutdown):
                await self._interrupt()
                if self.recorder is not None:
                    self.recorder.flush()
                self._closed = True
                self.emit(sub.id, ShutdownComplete())
                return

    def _on_user_input(self, sub_id: str, op: UserInput) -> None:
        try:
            message = user_message_from_input(op.items)
        except OSError as err:
            name = err.filename or "the attached file"
            self.emit(
                sub_id,
                Error(message=f"cannot attach {name}: {err.strerror or err}", kind="InputError"),
            )
            return
        if self._turn_task is not None and not self._turn_task.done():
            self._pending_input.append(message)
            return
        cancel = CancellationToken()
        self._turn_cancel = cancel
        turn = Turn(self, sub_id, self._tool_context(sub_id, cancel))
        self._turn_task = asyncio.create_task(
            self._run_turn(turn, sub_id, message), name=f"codeloop-turn-{sub_id}"
        )

    def _on_compact(self, sub_id: str) -> None:
        if self._turn_task is not None and not self._turn_task.done():
            self.emit(sub_id, Error(message="cannot compact while a turn is running"))
            return
        cancel = CancellationToken()
        self._turn_cancel = cancel
        self._turn_task = asyncio.create_task(self._run_compact(sub_id, cancel))

    async def _run_compact(self, sub_id: str, cancel: CancellationToken) -> None:
        """A ``compact`` op runs like a turn: started, then complete, aborted or an error."""
        self.emit(sub_id, TurnStarted(model_context_window=self.account.context_window))
        try:
            await self.compact(sub_id, cancel)
        except asyncio.CancelledError:
            self.emit(sub_id, TurnAborted(reason="interrupted"))
            return
        except CodeloopError as err:
            self.emit(sub_id, _error_event(err))
        except Exception as err:  # a bug: report it, keep the session alive
            self.emit(sub_id, _internal_error(err))
        self.emit(sub_id, TurnComplete(last_agent_message=None))

    async def _run_turn(self, turn: Turn, sub_id: str, message: Message) -> None:
        try:
            await turn.run(message)
        except (asyncio.CancelledError, TurnAbortRequested):
            turn.ctx.cancel.cancel()  # whatever still runs for this turn stops now
            self.emit(sub_id, TurnAborted(reason="interrupted"))
        except CodeloopError as err:
            self.emit(sub_id, _error_event(err))
            self.emit(sub_id, _turn_complete(self))
        except Exception as err:  # a bug: report it, keep the session alive
            self.emit(sub_id, _internal_error(err))
            self.emit(sub_id, _turn_complete(self))
        finally:
            if self.recorder is not None:
                self.recorder.flush()

    async def _interrupt(self) -> None:
        task = self._turn_task
        if task is None or task.done():
            return
        if self._turn_cancel is not None:
            self._turn_cancel.cancel()
        for future in self._approvals.values():
            if not future.done():
                future.set_result("abort")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _override(self, op: OverrideTurnContext) -> None:
        s = self.settings
        if op.cwd is not None:
            s.cwd = Path(op.cwd)
        if op.approval_policy is not None:
            s.approval_policy = op.approval_policy
        if op.sandbox_policy is not None:
            s.sandbox_policy = op.sandbox_policy
        if op.model is not None:
            s.model = op.model
        if op.effort is not None:
            s.reasoning_effort = op.effort
        if any(v is not None for v in (op.cwd, op.approval_policy, op.sandbox_policy)):
            self.add_items([self._environment_message()])


def _error_event(err: CodeloopError) -> Error:
    return Error(message=err.message, hint=err.hint or None, kind=type(err).__name__)


def _internal_error(err: Exception) -> Error:
    return Error(message=f"internal error: {type(err).__name__}: {err}", kind="InternalError")


def _turn_complete(session: Session) -> EventMsg:
    return TurnComplete(last_agent_message=session.history.last_agent_message())


def user_message_from_input(items: list[UserInputItem]) -> Message:
    """A user message from op items; local images are attached as data URLs."""
    content: list[InputText | InputImage] = []
    for item in items:
        if isinstance(item, TextInput):
            content.append(InputText(text=item.text))
        elif isinstance(item, LocalImage):
            content.append(InputImage(image_url=image_data_url(Path(item.path))))
    return Message(role="user", content=list(content))


def image_data_url(path: Path) -> str:
    """``data:`` URL of a local image (the API takes images inline)."""
    import base64
    import mimetypes

    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime};base64,{data}"
