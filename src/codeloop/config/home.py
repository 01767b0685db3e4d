"""Where codeloop keeps its files: ``$CODELOOP_HOME``, default ``~/.codeloop``.

The variable is read on every call, so tests and embedders can change it at run time. Nothing is
created here: a missing home simply has no ``config.toml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CONFIG_FILENAME", "ENV_HOME", "codeloop_home", "config_path", "display_path"]

ENV_HOME = "CODELOOP_HOME"
CONFIG_FILENAME = "config.toml"


def codeloop_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CODELOOP_HOME`` (``~`` expanded) when set and non-empty, else ``~/.codeloop``."""
    value = (os.environ if env is None else env).get(ENV_HOME, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".codeloop"


def config_path(home: Path | None = None) -> Path:
    """The ``config.toml`` inside ``home`` (default :func:`codeloop_home`)."""
    return (codeloop_home() if home is None else home) / CONFIG_FILENAME


def display_path(path: Path) -> str:
    """``path`` as messages show it: under the user's home directory it starts with ``~``."""
    try:
        rel = path.relative_to(Path.home())
    except (ValueError, RuntimeError):
        return str(path)
    return str(Path("~") / rel)
