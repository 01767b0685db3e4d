"""Fixtures for the config tests: a config file writer and a predictable environment."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No OPENAI_BASE_URL from the developer's shell; a HOME that holds no test file, so
    messages show full paths (the ``~`` form has its own test)."""
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))


@pytest.fixture
def write_config(codeloop_home: Path) -> Callable[[str], Path]:
    """Write ``config.toml`` (dedented) into the test's ``$CODELOOP_HOME``; return its path."""

    def write(text: str) -> Path:
        path = codeloop_home / "config.toml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
