"""The boundary between the core and the tools: what a tool call gets and gives back.

The core owns approvals, events and cancellation; the tools package owns what each tool does. A
``ToolRouter`` (implemented in :mod:`codeloop.tools`) lists the tool specs for a model and runs one
call with a :class:`ToolContext` the core provides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from pathlib import Path

    from codeloop.aio import CancellationToken
    from codeloop.protocol.events import EventMsg, FileChange
    from codeloop.protocol.items import CustomToolCall, FunctionCall
    from codeloop.protocol.policy import AskForApproval, ReviewDecision, SandboxPolicy

__all__ = ["ToolContext", "ToolOutput", "ToolRouter", "TurnAbortRequested"]


class TurnAbortRequested(Exception):
    """The user answered an approval request with "abort": the turn ends now."""


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """What the model is told about a call, and whether it succeeded. ``images`` (data URLs)
    are shown to the model in a user message after the call's output (``view_image``)."""

    output: str
    success: bool = True
    images: tuple[str, ...] = ()


@dataclass
class ToolContext:
    """Everything a tool handler may use; handlers never reach into the session."""

    sub_id: str
    cwd: Path
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    cancel: CancellationToken
    #: Emit an event (recorded first if the rollout keeps it).
    emit: Callable[[EventMsg], None]
    #: Ask the person: (call_id, argv, cwd, reason) -> decision.
    request_exec_approval: Callable[[str, list[str], Path, str | None], Awaitable[ReviewDecision]]
    #: Ask the person: (call_id, changes, reason, grant_root) -> decision.
    request_patch_approval: Callable[
        [str, dict[str, FileChange], str | None, Path | None], Awaitable[ReviewDecision]
    ]
    #: Environment for child processes (secrets already removed).
    child_env: Mapping[str, str] = field(default_factory=dict)
    #: Writable roots of the sandbox policy, resolved.
    writable_roots: list[Path] = field(default_factory=list)
    #: Session-scoped approvals ("approve for this session"), owned by the session.
    session_state: dict[str, Any] = field(default_factory=dict)


class ToolRouter(Protocol):
    def specs(self, model: str) -> list[dict[str, Any]]:
        """Tool specs in Responses form for ``model``."""
        ...

    def supports_parallel(self, name: str) -> bool:
        """Whether calls of ``name`` may run concurrently with other such calls."""
        ...

    async def dispatch(self, call: FunctionCall | CustomToolCall, ctx: ToolContext) -> ToolOutput:
        """Run one call. Unknown tools and bad arguments return an error output, never raise
        (except :class:`TurnAbortRequested` and cancellation)."""
        ...
