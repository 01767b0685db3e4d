"""The ``apply_patch`` tool: plan, approve, apply, report.

The patch is planned first (nothing written) so the person can be shown exactly what will change
when approval is needed; then it is written in a worker thread so a large patch does not stall
the session's event loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from codeloop.approval import (
    ApprovalCache,
    AskUser,
    Reject,
    apply_patch_decision,
    assess_patch,
    paths_from_changes,
)
from codeloop.core.tooling import ToolOutput, TurnAbortRequested
from codeloop.errors import PatchError
from codeloop.protocol.events import PatchApplyBegin, PatchApplyEnd
from codeloop.tools.apply_patch import apply_planned, changes_to_protocol, plan_patch

if TYPE_CHECKING:
    from pathlib import Path

    from codeloop.core.tooling import ToolContext

__all__ = ["approval_cache", "run_patch"]


def approval_cache(ctx: ToolContext) -> ApprovalCache:
    """The session's "approved for this session" memory (shared by the shell and patch tools)."""
    cache = ctx.session_state.get("approvals")
    if not isinstance(cache, ApprovalCache):
        cache = ApprovalCache()
        ctx.session_state["approvals"] = cache
    return cache


async def run_patch(call_id: str, patch: str, cwd: Path, ctx: ToolContext) -> ToolOutput:
    """Apply ``patch`` under ``cwd`` if the policy (or the person) allows it."""
    try:
        changes = plan_patch(patch, cwd)
    except PatchError as err:
        return ToolOutput(f"apply_patch verification failed: {err.one_line()}", False)
    proto = changes_to_protocol(changes)
    paths = paths_from_changes(proto)
    cache = approval_cache(ctx)
    check = assess_patch(
        paths,
        policy=ctx.approval_policy,
        sandbox_policy=ctx.sandbox_policy,
        cwd=cwd,
        approved_for_session=cache,
    )
    auto_approved = True
    if isinstance(check, Reject):
        return ToolOutput(check.reason, False)
    if isinstance(check, AskUser):
        auto_approved = False
        decision = await ctx.request_patch_approval(call_id, proto, check.reason, None)
        outcome = apply_patch_decision(decision, paths, check, cache, cwd=cwd)
        if outcome.ends_turn:
            raise TurnAbortRequested
        if not outcome.runs:
            return ToolOutput(outcome.message or "patch rejected by user", False)

    ctx.emit(PatchApplyBegin(call_id=call_id, auto_approved=auto_approved, changes=proto))
    try:
        result = await asyncio.to_thread(apply_planned, changes)
    except PatchError as err:
        ctx.emit(PatchApplyEnd(call_id=call_id, success=False, stderr=err.one_line()))
        return ToolOutput(f"apply_patch failed: {err.one_line()}", False)
    ctx.emit(PatchApplyEnd(call_id=call_id, success=True, stdout=result.summary))
    return ToolOutput(result.summary, True)
