"""The ``shell`` and ``shell_command`` tools: approval, then the command, with live output.

Order of business for one call: a command that is really ``apply_patch`` is handed to the patch
tool (as Codex does); the approval policy decides run / ask / reject; the command runs through
:func:`codeloop.execution.run_command` (its own process group, killed on interrupt), its output is
streamed as ``exec_command_output_delta`` events and the model gets Codex's formatted summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.approval import (
    AskUser,
    Reject,
    apply_exec_decision,
    assess_command,
)
from codeloop.core.tooling import ToolOutput, TurnAbortRequested
from codeloop.execution import format_exec_output, format_exec_output_str, run_command
from codeloop.protocol.events import (
    ExecCommandBegin,
    ExecCommandEnd,
    ExecCommandOutputDelta,
    Warning,
)
from codeloop.protocol.policy import DangerFullAccess
from codeloop.tools.apply_patch import (
    IMPLICIT_INVOCATION_MESSAGE,
    is_implicit_invocation,
    parse_apply_patch_invocation,
)
from codeloop.tools.patch_tool import approval_cache, run_patch

if TYPE_CHECKING:
    from codeloop.core.tooling import ToolContext
    from codeloop.execution import OutputDelta

__all__ = ["DEFAULT_TIMEOUT_MS", "approval_cache", "resolve_workdir", "run_shell"]

DEFAULT_TIMEOUT_MS = 10_000
_NO_SANDBOX_WARNING = (
    "sandbox enforcement is not available in this build: commands run without a sandbox, "
    "guarded by the approval policy only"
)


def resolve_workdir(ctx: ToolContext, workdir: str | None) -> Path:
    if not workdir:
        return ctx.cwd
    path = Path(os.path.expanduser(workdir))
    return path if path.is_absolute() else ctx.cwd / path


async def run_shell(
    call_id: str,
    argv: list[str],
    ctx: ToolContext,
    *,
    workdir: str | None = None,
    timeout_ms: int | None = None,
    with_escalated_permissions: bool = False,
    justification: str | None = None,
) -> ToolOutput:
    """Run one shell call to its end and say what the model should hear."""
    if not argv or not argv[0]:
        return ToolOutput('the command is empty: give an argv array such as ["ls"]', False)
    cwd = resolve_workdir(ctx, workdir)
    invocation = parse_apply_patch_invocation(argv)
    if invocation is not None:
        patch_cwd = resolve_workdir(ctx, invocation.workdir) if invocation.workdir else cwd
        return await run_patch(call_id, invocation.patch, patch_cwd, ctx)
    if is_implicit_invocation(argv):
        # A bare patch sent as the command: never run it as a program (Codex's answer).
        return ToolOutput(IMPLICIT_INVOCATION_MESSAGE, False)
    if not cwd.is_dir():
        return ToolOutput(f"workdir {cwd} does not exist or is not a directory", False)

    cache = approval_cache(ctx)
    check = assess_command(
        argv,
        policy=ctx.approval_policy,
        sandbox_policy=ctx.sandbox_policy,
        with_escalated_permissions=with_escalated_permissions,
        approved_for_session=cache,
        justification=justification,
    )
    if isinstance(check, Reject):
        return ToolOutput(check.reason, False)
    if isinstance(check, AskUser):
        decision = await ctx.request_exec_approval(call_id, argv, cwd, check.reason)
        outcome = apply_exec_decision(
            decision, argv, check, cache, with_escalated_permissions=with_escalated_permissions
        )
        if outcome.ends_turn:
            raise TurnAbortRequested
        if not outcome.runs:
            message = outcome.message or "exec command rejected by user"
            ctx.emit(ExecCommandBegin(call_id=call_id, command=argv, cwd=str(cwd)))
            ctx.emit(
                ExecCommandEnd(
                    call_id=call_id, exit_code=-1, duration_ms=0, stderr=message, declined=True
                )
            )
            return ToolOutput(message, False)

    if not isinstance(ctx.sandbox_policy, DangerFullAccess) and not ctx.session_state.get(
        "sandbox_warned"
    ):
        ctx.session_state["sandbox_warned"] = True
        ctx.emit(Warning(message=_NO_SANDBOX_WARNING))

    ctx.emit(ExecCommandBegin(call_id=call_id, command=argv, cwd=str(cwd)))

    def on_delta(delta: OutputDelta) -> None:
        if delta.text:
            ctx.emit(ExecCommandOutputDelta(call_id=call_id, stream=delta.stream, chunk=delta.text))

    result = await run_command(
        argv,
        cwd=cwd,
        env=ctx.child_env or None,
        timeout_ms=timeout_ms if timeout_ms is not None else DEFAULT_TIMEOUT_MS,
        cancel=ctx.cancel,
        on_delta=on_delta,
    )
    ctx.emit(
        ExecCommandEnd(
            call_id=call_id,
            exit_code=result.exit_code,
            duration_ms=result.duration_ms,
            stdout=result.stdout,
            stderr=result.stderr,
            aggregated_output=result.aggregated_output,
            formatted_output=format_exec_output_str(result),
            timed_out=result.timed_out,
        )
    )
    return ToolOutput(format_exec_output(result), result.ok)
