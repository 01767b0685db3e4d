"""The ``update_plan`` tool: the model's task plan, shown to the person and kept for resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from codeloop.core.tooling import ToolOutput
from codeloop.protocol.events import PlanItem, PlanUpdate

if TYPE_CHECKING:
    from codeloop.core.tooling import ToolContext

__all__ = ["PlanArgs", "run_update_plan"]


class _Step(msgspec.Struct, frozen=True):
    step: str
    status: Literal["pending", "in_progress", "completed"]


class PlanArgs(msgspec.Struct, frozen=True):
    plan: list[_Step]
    explanation: str | None = None


def run_update_plan(args: PlanArgs, ctx: ToolContext) -> ToolOutput:
    in_progress = sum(1 for s in args.plan if s.status == "in_progress")
    if in_progress > 1:
        return ToolOutput("at most one step can be in_progress at a time", False)
    update = PlanUpdate(
        plan=[PlanItem(step=s.step, status=s.status) for s in args.plan],
        explanation=args.explanation,
    )
    ctx.session_state["plan"] = update
    ctx.emit(update)
    return ToolOutput("Plan updated", True)
