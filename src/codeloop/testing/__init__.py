"""Test support: the scripted model server and its script format (DESIGN.md §5).

For tests, benchmarks and ``codeloop demo`` only; production code never imports this package.
The script types are imported eagerly (they are light); the server and the fault helpers load on
first use, so that importing the script format stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codeloop.testing.script import (
    CustomToolCallStep,
    CutStream,
    Fault,
    FunctionCallStep,
    HttpError,
    MalformedSSE,
    Match,
    MessageStep,
    NoCompleted,
    OutputStep,
    ReasoningStep,
    RecordedRequest,
    ResponseFailed,
    ScriptedResponse,
    ScriptedUsage,
    Stall,
    load_script,
)

if TYPE_CHECKING:
    from codeloop.testing import faults
    from codeloop.testing.model_server import ScriptedModelServer

__all__ = [
    "CustomToolCallStep",
    "CutStream",
    "Fault",
    "FunctionCallStep",
    "HttpError",
    "MalformedSSE",
    "Match",
    "MessageStep",
    "NoCompleted",
    "OutputStep",
    "ReasoningStep",
    "RecordedRequest",
    "ResponseFailed",
    "ScriptedModelServer",
    "ScriptedResponse",
    "ScriptedUsage",
    "Stall",
    "faults",
    "load_script",
]


def __getattr__(name: str) -> Any:
    if name == "ScriptedModelServer":
        from codeloop.testing.model_server import ScriptedModelServer

        return ScriptedModelServer
    if name == "faults":
        import importlib

        return importlib.import_module("codeloop.testing.faults")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
