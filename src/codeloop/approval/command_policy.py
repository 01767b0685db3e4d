"""Whether a shell command runs, asks first, or is refused, under an approval and sandbox policy.

Follows Codex: the shell handler's escalation guard, ``render_decision_for_unmatched_command``
(exec_policy.rs, the version that still had ``on-failure``) and the tool orchestrator's retry after
a sandbox denial (``wants_no_sandbox_approval``, ``should_bypass_approval``).

First attempt, in order:

1. An empty argv is refused.
2. ``with_escalated_permissions`` under any policy but ``on-request`` is refused, and the model is
   told why (Codex's exact wording).
3. Approved earlier "for this session" (same argv; an escalated run needs an escalated approval):
   run without asking.
4. Known-safe (read-only) commands run without asking under every policy; an escalation request for
   one still asks under ``on-request`` (the sandbox is what makes "read-only" believable).
5. Commands that look destructive (``rm -rf``, ``git reset``) ask under ``untrusted``,
   ``on-failure`` and ``on-request``; under ``never`` they are refused unless the sandbox is
   ``danger-full-access``.
6. With no sandbox available (and not ``danger-full-access``): ask, or refuse under ``never``.
7. ``untrusted`` asks; ``on-request`` asks for an escalation (and runs it unsandboxed once
   approved); everything else runs in the sandbox without asking.

``danger-full-access`` never sandboxes: under ``on-request``, ``on-failure`` and ``never`` commands
run unasked (except destructive ones under ``on-request``/``on-failure``); ``untrusted`` still asks.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, TypeAlias

from codeloop.approval.cache import ApprovalCache
from codeloop.approval.dangerous import command_might_be_dangerous
from codeloop.approval.display import shlex_join
from codeloop.approval.known_safe import is_known_safe_command
from codeloop.approval.safety import AskUser, AutoApprove, Reject, SafetyCheck
from codeloop.protocol.policy import DangerFullAccess

if TYPE_CHECKING:
    from collections.abc import Sequence

    from codeloop.protocol.policy import AskForApproval, SandboxPolicy

__all__ = [
    "RETRY_WITHOUT_SANDBOX_REASON",
    "SessionApprovals",
    "assess_command",
    "assess_retry_without_sandbox",
    "escalation_rejected_message",
    "is_command_approved_for_session",
]

#: What the approval request says when a sandboxed run failed (Codex's wording).
RETRY_WITHOUT_SANDBOX_REASON = "command failed; retry without sandbox?"

#: Codex's ``{:?}`` spelling of each policy, kept in messages the model reads.
_POLICY_DEBUG_NAME: dict[str, str] = {
    "untrusted": "UnlessTrusted",
    "on-failure": "OnFailure",
    "on-request": "OnRequest",
    "never": "Never",
}

#: Either the session's cache, or a plain set of approved argv tuples (Codex's ``HashSet``).
SessionApprovals: TypeAlias = ApprovalCache | AbstractSet[tuple[str, ...]]


def escalation_rejected_message(policy: AskForApproval) -> str:
    """What the model hears when it asks to leave the sandbox under a policy that forbids it."""
    name = _POLICY_DEBUG_NAME.get(policy, policy)
    return (
        f"approval policy is {name}; reject command — you should not ask for escalated "
        f"permissions if the approval policy is {name}"
    )


def is_command_approved_for_session(
    argv: Sequence[str], approvals: SessionApprovals | None, *, escalated: bool = False
) -> bool:
    """Whether ``argv`` was approved for the session (escalated runs need escalated approval)."""
    if approvals is None:
        return False
    if isinstance(approvals, ApprovalCache):
        return approvals.is_command_approved(argv, escalated=escalated)
    return tuple(argv) in approvals


def assess_command(
    argv: Sequence[str],
    *,
    policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    with_escalated_permissions: bool = False,
    approved_for_session: SessionApprovals | None = None,
    sandbox_available: bool = True,
    justification: str | None = None,
) -> SafetyCheck:
    """Decide the first attempt of ``argv`` (see the module docstring for the table).

    ``sandbox_available`` is whether a platform sandbox can enforce ``sandbox_policy`` here;
    ``justification`` is the model's reason for an escalation, shown when asking.
    """
    if not argv:
        return Reject("empty command")
    escalated = with_escalated_permissions
    if escalated and policy != "on-request":
        return Reject(escalation_rejected_message(policy))

    full_access = isinstance(sandbox_policy, DangerFullAccess)
    sandbox_usable = not full_access and sandbox_available
    # An approved escalation leaves the sandbox; otherwise the sandbox applies when it can.
    sandboxed = sandbox_usable and not escalated

    if is_command_approved_for_session(argv, approved_for_session, escalated=escalated):
        return AutoApprove(sandboxed=sandboxed, user_approved=True)

    if is_known_safe_command(argv):
        if escalated and sandbox_usable:
            return AskUser(reason=justification, sandboxed_if_approved=False)
        return AutoApprove(sandboxed=sandboxed)

    if command_might_be_dangerous(argv):
        if policy == "never":
            if full_access:
                return AutoApprove(sandboxed=False)
            return Reject(f"`{shlex_join(argv)}` rejected: blocked by policy")
        return AskUser(reason=justification, sandboxed_if_approved=sandboxed)

    if not full_access and not sandbox_available:
        if policy == "never":
            return Reject("auto-rejected because command is not on trusted list")
        return AskUser(reason=justification, sandboxed_if_approved=False)

    if policy == "untrusted":
        return AskUser(reason=justification, sandboxed_if_approved=sandboxed)
    if policy == "on-request" and escalated and not full_access:
        return AskUser(reason=justification, sandboxed_if_approved=False)
    return AutoApprove(sandboxed=sandboxed)


def assess_retry_without_sandbox(
    argv: Sequence[str],
    *,
    policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    user_approved: bool = False,
    approved_for_session: SessionApprovals | None = None,
    reason: str | None = None,
) -> SafetyCheck:
    """After a sandboxed run of ``argv`` was denied by the sandbox: may it run again unsandboxed?

    Only ``untrusted`` and ``on-failure`` offer that (Codex's ``wants_no_sandbox_approval``); under
    ``on-request`` the model must ask for escalation itself, and under ``never`` the failure goes
    back to the model: both give :class:`Reject`, and the caller returns the original output. If a
    person already approved this command (``user_approved``, or "for this session"), it is retried
    without asking again; otherwise we ask with ``reason`` (default: Codex's "command failed; retry
    without sandbox?").
    """
    if isinstance(sandbox_policy, DangerFullAccess):
        return Reject("the command did not run in a sandbox; nothing to retry")
    if policy not in ("untrusted", "on-failure"):
        return Reject(
            f"approval policy {policy} does not retry a sandbox denial without the sandbox"
        )
    if user_approved or is_command_approved_for_session(argv, approved_for_session):
        return AutoApprove(sandboxed=False, user_approved=True)
    return AskUser(reason=reason or RETRY_WITHOUT_SANDBOX_REASON, sandboxed_if_approved=False)
