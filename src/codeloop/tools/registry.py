"""The tool registry: which tools a model gets, and dispatching a call to its handler.

Handlers are imported on their first call (execution, approval and apply_patch cost ~30 ms to
import, paid before the first model request otherwise).

Arguments are decoded with msgspec; a call the model got wrong (unknown tool, invalid JSON,
missing fields) returns an error text to the model instead of raising, so it can correct itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from codeloop.core.model_info import model_info
from codeloop.core.tooling import ToolOutput
from codeloop.protocol.items import CustomToolCall, FunctionCall
from codeloop.tools import specs

if TYPE_CHECKING:
    from codeloop.core.tooling import ToolContext

__all__ = ["ToolRegistry"]


class _ShellArgs(msgspec.Struct, frozen=True):
    command: list[str]
    workdir: str | None = None
    timeout_ms: int | float | None = None
    with_escalated_permissions: bool | None = None
    justification: str | None = None


class _ShellCommandArgs(msgspec.Struct, frozen=True):
    command: str
    workdir: str | None = None
    timeout_ms: int | float | None = None
    with_escalated_permissions: bool | None = None
    justification: str | None = None


class _PatchArgs(msgspec.Struct, frozen=True):
    input: str


class _ViewImageArgs(msgspec.Struct, frozen=True):
    path: str


_PARALLEL_SAFE = frozenset({"shell", "shell_command", "view_image"})


def _timeout(value: float | None) -> int | None:
    return None if value is None else max(int(value), 0)


class ToolRegistry:
    """codeloop's built-in tools (the ``ToolRouter`` the core uses)."""

    def __init__(self, *, shell_command: bool = False, view_image: bool = True) -> None:
        self._shell_command = shell_command
        self._view_image = view_image

    def specs(self, model: str) -> list[dict[str, Any]]:
        freeform = model_info(model).apply_patch_tool == "freeform"
        tools = [specs.SHELL]
        if self._shell_command:
            tools.append(specs.SHELL_COMMAND)
        tools.append(specs.APPLY_PATCH_FREEFORM if freeform else specs.APPLY_PATCH_FUNCTION)
        tools.append(specs.UPDATE_PLAN)
        if self._view_image:
            tools.append(specs.VIEW_IMAGE)
        return tools

    def supports_parallel(self, name: str) -> bool:
        return name in _PARALLEL_SAFE

    async def dispatch(self, call: FunctionCall | CustomToolCall, ctx: ToolContext) -> ToolOutput:
        if isinstance(call, CustomToolCall):
            if call.name == "apply_patch":
                from codeloop.tools.patch_tool import run_patch

                return await run_patch(call.call_id, call.input, ctx.cwd, ctx)
            return ToolOutput(f"unsupported custom tool call: {call.name}", False)
        try:
            return await self._dispatch_function(call, ctx)
        except msgspec.DecodeError as err:
            return ToolOutput(f"failed to parse function arguments for {call.name}: {err}", False)

    async def _dispatch_function(self, call: FunctionCall, ctx: ToolContext) -> ToolOutput:
        raw = call.arguments.encode("utf-8") or b"{}"
        name = call.name
        if name in ("shell", "container.exec"):
            from codeloop.tools.shell import run_shell

            a = msgspec.json.decode(raw, type=_ShellArgs)
            return await run_shell(
                call.call_id,
                a.command,
                ctx,
                workdir=a.workdir,
                timeout_ms=_timeout(a.timeout_ms),
                with_escalated_permissions=bool(a.with_escalated_permissions),
                justification=a.justification,
            )
        if name == "shell_command":
            from codeloop.tools.shell import run_shell

            b = msgspec.json.decode(raw, type=_ShellCommandArgs)
            return await run_shell(
                call.call_id,
                ["bash", "-lc", b.command],
                ctx,
                workdir=b.workdir,
                timeout_ms=_timeout(b.timeout_ms),
                with_escalated_permissions=bool(b.with_escalated_permissions),
                justification=b.justification,
            )
        if name == "apply_patch":
            from codeloop.tools.patch_tool import run_patch

            p = msgspec.json.decode(raw, type=_PatchArgs)
            return await run_patch(call.call_id, p.input, ctx.cwd, ctx)
        if name == "update_plan":
            from codeloop.tools.plan import PlanArgs, run_update_plan

            return run_update_plan(msgspec.json.decode(raw, type=PlanArgs), ctx)
        if name == "view_image" and self._view_image:
            from codeloop.tools.view_image import run_view_image

            v = msgspec.json.decode(raw, type=_ViewImageArgs)
            return run_view_image(v.path, ctx)
        return ToolOutput(f"unsupported call: {name}", False)
