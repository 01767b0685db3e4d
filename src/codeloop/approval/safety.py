"""The verdict of an approval check: run it, ask a person, or refuse.

A small closed family (like Codex's ``SafetyCheck``) so callers can ``match`` on it and the type
checker sees every case.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AskUser", "AutoApprove", "Reject", "SafetyCheck"]


@dataclass(frozen=True, slots=True)
class AutoApprove:
    """Run without asking.

    ``sandboxed`` says whether the action must be confined by the sandbox policy (for a command:
    spawned inside the platform sandbox; for a patch: applied under the sandbox, or with every write
    re-checked against the writable roots). ``user_approved`` is true when a person already said yes
    (an "always allow" for this session), so a sandbox denial may be retried unsandboxed without
    asking again.
    """

    sandboxed: bool
    user_approved: bool = False


@dataclass(frozen=True, slots=True)
class AskUser:
    """Ask a person first.

    ``reason`` is shown in the approval request (the model's justification, or why we ask).
    ``sandboxed_if_approved`` says how to run it once approved: an escalation request, a patch
    outside the writable roots or a retry after a sandbox denial runs unsandboxed.
    """

    reason: str | None = None
    sandboxed_if_approved: bool = True


@dataclass(frozen=True, slots=True)
class Reject:
    """Do not run and do not ask; ``reason`` is what the model is told."""

    reason: str


SafetyCheck = AutoApprove | AskUser | Reject
