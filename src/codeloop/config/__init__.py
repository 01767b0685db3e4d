"""codeloop's configuration: ``config.toml``, profiles, ``-c`` overrides, env vars and flags.

Start with :func:`load_config`; it returns a :class:`LoadedConfig` holding the typed
:class:`Config`, warnings and where each value came from. Environment variables it reads are
listed in :mod:`codeloop.config.loader`.

Names are imported on first use (module ``__getattr__``): ``codeloop.config.providers`` is needed
by model clients that never read a file, and should not pull in ``tomllib`` or the loader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeloop.config.home import codeloop_home, config_path
    from codeloop.config.loader import LoadedConfig, load_config
    from codeloop.config.locate import find_key_line
    from codeloop.config.overrides import Override, parse_override
    from codeloop.config.providers import BUILTIN_PROVIDERS, ModelProviderInfo
    from codeloop.config.schema import (
        Config,
        ConfigProfile,
        HistoryConfig,
        McpServerConfig,
        OtelConfig,
        SandboxWorkspaceWrite,
        ShellEnvironmentPolicy,
        TuiConfig,
    )

__all__ = [
    "BUILTIN_PROVIDERS",
    "Config",
    "ConfigProfile",
    "HistoryConfig",
    "LoadedConfig",
    "McpServerConfig",
    "ModelProviderInfo",
    "OtelConfig",
    "Override",
    "SandboxWorkspaceWrite",
    "ShellEnvironmentPolicy",
    "TuiConfig",
    "codeloop_home",
    "config_path",
    "find_key_line",
    "load_config",
    "parse_override",
]

_WHERE = {
    "codeloop_home": "home",
    "config_path": "home",
    "LoadedConfig": "loader",
    "load_config": "loader",
    "find_key_line": "locate",
    "Override": "overrides",
    "parse_override": "overrides",
    "BUILTIN_PROVIDERS": "providers",
    "ModelProviderInfo": "providers",
    "Config": "schema",
    "ConfigProfile": "schema",
    "HistoryConfig": "schema",
    "McpServerConfig": "schema",
    "OtelConfig": "schema",
    "SandboxWorkspaceWrite": "schema",
    "ShellEnvironmentPolicy": "schema",
    "TuiConfig": "schema",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
