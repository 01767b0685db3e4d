"""What to do with a person's answer to an approval request.

Codex: ``approved`` runs once; ``approved_for_session`` runs and is remembered for the session;
``denied`` tells the model "exec command rejected by user" (or "patch rejected by user") and the
turn goes on; ``abort`` tells the model the same and ends the turn (the session interrupts it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from codeloop.approval.roots import resolve_path

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence

    from codeloop.approval.cache import ApprovalCache
    from codeloop.approval.safety import AskUser
    from codeloop.protocol.policy import ReviewDecision

__all__ = [
    "EXEC_REJECTED_BY_USER",
    "PATCH_REJECTED_BY_USER",
    "ReviewAction",
    "ReviewOutcome",
    "apply_exec_decision",
    "apply_patch_decision",
    "review_outcome",
]

EXEC_REJECTED_BY_USER = "exec command rejected by user"
PATCH_REJECTED_BY_USER = "patch rejected by user"


class ReviewAction(StrEnum):
    """What the session does next with the approved or refused action."""

    RUN = "run"
    RUN_AND_REMEMBER = "run_and_remember"
    DENY = "deny"
    ABORT = "abort"


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """The action, whether a run is sandboxed, and (for deny/abort) what the model is told."""

    action: ReviewAction
    sandboxed: bool = False
    message: str | None = None

    @property
    def runs(self) -> bool:
        return self.action in (ReviewAction.RUN, ReviewAction.RUN_AND_REMEMBER)

    @property
    def ends_turn(self) -> bool:
        return self.action is ReviewAction.ABORT


def review_outcome(
    decision: ReviewDecision,
    *,
    sandboxed: bool,
    subject: Literal["exec", "patch"] = "exec",
) -> ReviewOutcome:
    """Map ``decision`` to an outcome; anything unknown counts as ``denied`` (Codex's default)."""
    if decision == "approved":
        return ReviewOutcome(ReviewAction.RUN, sandboxed=sandboxed)
    if decision == "approved_for_session":
        return ReviewOutcome(ReviewAction.RUN_AND_REMEMBER, sandboxed=sandboxed)
    message = EXEC_REJECTED_BY_USER if subject == "exec" else PATCH_REJECTED_BY_USER
    if decision == "abort":
        return ReviewOutcome(ReviewAction.ABORT, message=message)
    return ReviewOutcome(ReviewAction.DENY, message=message)


def apply_exec_decision(
    decision: ReviewDecision,
    argv: Sequence[str],
    ask: AskUser,
    cache: ApprovalCache,
    *,
    with_escalated_permissions: bool = False,
) -> ReviewOutcome:
    """The outcome of answering ``ask`` about ``argv``, remembering it in ``cache`` if asked to."""
    outcome = review_outcome(decision, sandboxed=ask.sandboxed_if_approved)
    if outcome.action is ReviewAction.RUN_AND_REMEMBER:
        cache.approve_command(argv, escalated=with_escalated_permissions)
    return outcome


def apply_patch_decision(
    decision: ReviewDecision,
    changed_paths: Iterable[str | os.PathLike[str]],
    ask: AskUser,
    cache: ApprovalCache,
    *,
    cwd: str | os.PathLike[str],
) -> ReviewOutcome:
    """Like :func:`apply_exec_decision` for a patch; remembers each resolvable file it touches."""
    outcome = review_outcome(decision, sandboxed=ask.sandboxed_if_approved, subject="patch")
    if outcome.action is ReviewAction.RUN_AND_REMEMBER:
        resolved = (resolve_path(path, cwd) for path in changed_paths)
        cache.approve_paths(path for path in resolved if path is not None)
    return outcome
