"""What ``codeloop --version`` and ``codeloop --help`` import (never how long they take: timing
is the start-up benchmark's job, see benchmarks/bench_startup.py)."""

from __future__ import annotations

import pytest

from benchmarks import bench_startup

VERSION_FORBIDDEN = ("httpx", "msgspec", "textual", "mcp", "click", "rich")
HELP_FORBIDDEN = ("httpx", "textual", "mcp", "openai")


@pytest.mark.parametrize(
    ("args", "forbidden"),
    [(["--version"], VERSION_FORBIDDEN), (["--help"], HELP_FORBIDDEN)],
    ids=["version", "help"],
)
def test_command_imports_no_heavy_module(args: list[str], forbidden: tuple[str, ...]) -> None:
    modules = bench_startup.imported_modules(args)
    assert any(m == "codeloop" or m.startswith("codeloop.") for m in modules), (
        "the -X importtime output was not parsed"
    )
    assert bench_startup.heavy_imports(modules, forbidden) == {}
