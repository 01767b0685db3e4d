"""What codeloop knows about a model by its name: context window, reasoning, patch tool kind.

The table is a data file (``data/model_info.json``) so adding a model is a one-line change. Config
``model_context_window`` overrides the window; unknown models get ``None`` (no "% left" figure,
no auto-compaction) rather than a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = ["ModelInfo", "model_info"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    context_window: int | None = None
    reasoning: bool = False
    apply_patch_tool: Literal["freeform", "function"] = "function"


@cache
def _table() -> list[tuple[str, ModelInfo]]:
    raw = json.loads(
        resources.files("codeloop.core")
        .joinpath("data/model_info.json")
        .read_text(encoding="utf-8")
    )
    rows = [
        (
            str(entry["prefix"]),
            ModelInfo(
                context_window=int(entry["context_window"]),
                reasoning=bool(entry["reasoning"]),
                apply_patch_tool="freeform"
                if entry.get("apply_patch_tool") == "freeform"
                else "function",
            ),
        )
        for entry in raw["models"]
    ]
    rows.sort(key=lambda row: len(row[0]), reverse=True)
    return rows


def model_info(model: str) -> ModelInfo:
    """Facts for ``model`` by its longest matching name prefix (case-insensitive)."""
    name = model.lower().rsplit("/", 1)[-1]
    for prefix, info in _table():
        if name.startswith(prefix):
            return info
    return ModelInfo()
