"""The public names of ``codeloop.config``, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import codeloop.config


def test_public_names() -> None:
    assert codeloop.config.__all__ == [
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
    for name in codeloop.config.__all__:
        assert getattr(codeloop.config, name) is not None
        assert name in dir(codeloop.config)


def test_imports_stay_light() -> None:
    """``import codeloop.config`` loads nothing; the loader never pulls tomlkit, httpx or rich."""
    code = (
        "import sys, codeloop, codeloop.config;"
        "print(sorted(m for m in ('tomllib', 'msgspec', 'codeloop.config.loader')"
        " if m in sys.modules));"
        "from codeloop.config import load_config;"
        "print(sorted(m for m in ('tomlkit', 'httpx', 'rich', 'click') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == ["[]", "[]"]
