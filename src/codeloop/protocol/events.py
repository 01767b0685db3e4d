"""Events: what a session tells its front ends.

``Event(id, msg)``: ``id`` is the submission the event answers. The ``msg`` kinds follow Codex's
``EventMsg`` names where one exists, so rollouts and logs read alike.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from codeloop.protocol.policy import AskForApproval, SandboxPolicy
from codeloop.protocol.response_events import RateLimitSnapshot
from codeloop.protocol.usage import TokenUsageInfo

__all__ = [
    "AgentMessage",
    "AgentMessageDelta",
    "AgentReasoning",
    "AgentReasoningDelta",
    "ApplyPatchApprovalRequest",
    "ContextCompacted",
    "Error",
    "Event",
    "EventMsg",
    "ExecApprovalRequest",
    "ExecCommandBegin",
    "ExecCommandEnd",
    "ExecCommandOutputDelta",
    "FileChange",
    "PatchApplyBegin",
    "PatchApplyEnd",
    "PlanItem",
    "PlanUpdate",
    "RetryNotice",
    "SessionConfigured",
    "ShutdownComplete",
    "TokenCount",
    "TurnAborted",
    "TurnComplete",
    "TurnStarted",
    "UserMessage",
    "Warning",
]


class SessionConfigured(msgspec.Struct, tag="session_configured", tag_field="type", frozen=True):
    session_id: str
    model: str
    model_provider: str
    cwd: str
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    rollout_path: str | None = None
    reasoning_effort: str | None = None
    history_entry_count: int = 0


class TurnStarted(msgspec.Struct, tag="task_started", tag_field="type", frozen=True):
    model_context_window: int | None = None


class UserMessage(msgspec.Struct, tag="user_message", tag_field="type", frozen=True):
    message: str
    images: list[str] | None = None


class AgentMessageDelta(msgspec.Struct, tag="agent_message_delta", tag_field="type", frozen=True):
    delta: str


class AgentMessage(msgspec.Struct, tag="agent_message", tag_field="type", frozen=True):
    message: str


class AgentReasoningDelta(
    msgspec.Struct, tag="agent_reasoning_delta", tag_field="type", frozen=True
):
    delta: str


class AgentReasoning(msgspec.Struct, tag="agent_reasoning", tag_field="type", frozen=True):
    text: str


class ExecCommandBegin(msgspec.Struct, tag="exec_command_begin", tag_field="type", frozen=True):
    call_id: str
    command: list[str]
    cwd: str


class ExecCommandOutputDelta(
    msgspec.Struct, tag="exec_command_output_delta", tag_field="type", frozen=True
):
    call_id: str
    stream: Literal["stdout", "stderr"]
    chunk: str


class ExecCommandEnd(msgspec.Struct, tag="exec_command_end", tag_field="type", frozen=True):
    call_id: str
    exit_code: int
    duration_ms: int
    stdout: str = ""
    stderr: str = ""
    aggregated_output: str = ""
    #: What the model was shown (cut to its budget).
    formatted_output: str = ""
    timed_out: bool = False
    #: The person declined to run it (exit_code is then -1 and nothing ran).
    declined: bool = False


class FileChange(msgspec.Struct, frozen=True):
    kind: Literal["add", "delete", "update"]
    #: Unified diff for updates, content for adds.
    diff: str = ""
    move_path: str | None = None


class PatchApplyBegin(msgspec.Struct, tag="patch_apply_begin", tag_field="type", frozen=True):
    call_id: str
    auto_approved: bool
    changes: dict[str, FileChange]


class PatchApplyEnd(msgspec.Struct, tag="patch_apply_end", tag_field="type", frozen=True):
    call_id: str
    success: bool
    stdout: str = ""
    stderr: str = ""


class PlanItem(msgspec.Struct, frozen=True):
    step: str
    status: Literal["pending", "in_progress", "completed"]


class PlanUpdate(msgspec.Struct, tag="plan_update", tag_field="type", frozen=True):
    plan: list[PlanItem]
    explanation: str | None = None


class ExecApprovalRequest(
    msgspec.Struct, tag="exec_approval_request", tag_field="type", frozen=True
):
    call_id: str
    command: list[str]
    cwd: str
    reason: str | None = None


class ApplyPatchApprovalRequest(
    msgspec.Struct, tag="apply_patch_approval_request", tag_field="type", frozen=True
):
    call_id: str
    changes: dict[str, FileChange]
    reason: str | None = None
    grant_root: str | None = None


class TokenCount(msgspec.Struct, tag="token_count", tag_field="type", frozen=True):
    info: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None


class RetryNotice(msgspec.Struct, tag="stream_error", tag_field="type", frozen=True):
    """A request or stream failed and will be retried: "retrying in Ns (attempt k/n)"."""

    message: str
    attempt: int
    max_attempts: int
    delay_ms: int


class Warning(msgspec.Struct, tag="warning", tag_field="type", frozen=True):
    message: str


class Error(msgspec.Struct, tag="error", tag_field="type", frozen=True):
    message: str
    hint: str | None = None
    #: The codeloop error class name, for programs that want to branch on it.
    kind: str | None = None


class ContextCompacted(msgspec.Struct, tag="context_compacted", tag_field="type", frozen=True):
    pass


class TurnComplete(msgspec.Struct, tag="task_complete", tag_field="type", frozen=True):
    last_agent_message: str | None = None


class TurnAborted(msgspec.Struct, tag="turn_aborted", tag_field="type", frozen=True):
    reason: Literal["interrupted", "replaced"] = "interrupted"


class ShutdownComplete(msgspec.Struct, tag="shutdown_complete", tag_field="type", frozen=True):
    pass


EventMsg = (
    SessionConfigured
    | TurnStarted
    | UserMessage
    | AgentMessageDelta
    | AgentMessage
    | AgentReasoningDelta
    | AgentReasoning
    | ExecCommandBegin
    | ExecCommandOutputDelta
    | ExecCommandEnd
    | PatchApplyBegin
    | PatchApplyEnd
    | PlanUpdate
    | ExecApprovalRequest
    | ApplyPatchApprovalRequest
    | TokenCount
    | RetryNotice
    | Warning
    | Error
    | ContextCompacted
    | TurnComplete
    | TurnAborted
    | ShutdownComplete
)


class Event(msgspec.Struct, frozen=True):
    id: str
    msg: EventMsg
