"""Operations: what a front end asks a session to do.

A front end sends ``Submission(id, op)``; every event the session emits in answer carries that id.
"""

from __future__ import annotations

import msgspec

from codeloop.protocol.policy import AskForApproval, ReviewDecision, SandboxPolicy

__all__ = [
    "Compact",
    "ExecApproval",
    "Interrupt",
    "LocalImage",
    "Op",
    "OverrideTurnContext",
    "PatchApproval",
    "Shutdown",
    "Submission",
    "TextInput",
    "UserInput",
    "UserInputItem",
]


class TextInput(msgspec.Struct, tag="text", tag_field="type", frozen=True):
    text: str


class LocalImage(msgspec.Struct, tag="local_image", tag_field="type", frozen=True):
    path: str


UserInputItem = TextInput | LocalImage


class UserInput(msgspec.Struct, tag="user_input", tag_field="type", frozen=True):
    """Start a turn (or, while one runs, add input to it)."""

    items: list[UserInputItem]


class OverrideTurnContext(
    msgspec.Struct, tag="override_turn_context", tag_field="type", frozen=True
):
    """Change settings for the following turns; ``None`` leaves a setting as it is."""

    cwd: str | None = None
    approval_policy: AskForApproval | None = None
    sandbox_policy: SandboxPolicy | None = None
    model: str | None = None
    effort: str | None = None


class Interrupt(msgspec.Struct, tag="interrupt", tag_field="type", frozen=True):
    """Abort the running turn: stop the stream, kill running commands."""


class ExecApproval(msgspec.Struct, tag="exec_approval", tag_field="type", frozen=True):
    #: The ``call_id`` of the approval request being answered.
    id: str
    decision: ReviewDecision


class PatchApproval(msgspec.Struct, tag="patch_approval", tag_field="type", frozen=True):
    id: str
    decision: ReviewDecision


class Compact(msgspec.Struct, tag="compact", tag_field="type", frozen=True):
    """Summarise the history now, to free context."""


class Shutdown(msgspec.Struct, tag="shutdown", tag_field="type", frozen=True):
    pass


Op = UserInput | OverrideTurnContext | Interrupt | ExecApproval | PatchApproval | Compact | Shutdown


class Submission(msgspec.Struct, frozen=True):
    id: str
    op: Op
