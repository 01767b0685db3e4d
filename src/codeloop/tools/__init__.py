"""The tools the model can call: the registry, their JSON specs and their handlers.

:class:`ToolRegistry` is imported lazily so ``import codeloop.tools.apply_patch`` (used by the
``apply-patch`` command) does not pull in the execution and approval packages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeloop.tools.registry import ToolRegistry

__all__ = ["ToolRegistry"]


def __getattr__(name: str) -> Any:
    if name == "ToolRegistry":
        from codeloop.tools.registry import ToolRegistry

        return ToolRegistry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
