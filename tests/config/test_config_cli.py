"""``codeloop config show`` / ``config path``, in-process and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner

from codeloop.cli.app import cli

if TYPE_CHECKING:
    from collections.abc import Callable

CODELOOP = Path(sys.executable).parent / "codeloop"


def test_show_prints_values_and_sources(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
        model = "o3"
        [profiles.fast]
        approval_policy = "never"
        """
    )
    result = CliRunner().invoke(cli, ["config", "show", "-p", "fast", "-c", "model_verbosity=low"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"config file: {path}"
    assert lines[1] == "profile: fast"
    rows = {line.split()[0]: line.split(maxsplit=2)[1:] for line in lines[3:]}
    assert rows["model"] == ['"o3"', f"{path}:1"]
    assert rows["approval_policy"] == ['"never"', f"profile fast ({path}:3)"]
    assert rows["model_verbosity"] == ['"low"', "-c model_verbosity=low"]
    assert rows["sandbox_mode"] == ['"read-only"', "default"]


def test_show_json(write_config: Callable[[str], Path]) -> None:
    path = write_config('model = "o3"\nbogus = 1\n')
    result = CliRunner().invoke(cli, ["config", "show", "--json", "--config", "hardening=false"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"config", "sources", "warnings"}
    assert data["config"]["model"] == "o3"
    assert data["config"]["hardening"] is False
    assert data["sources"]["model"] == f"{path}:1"
    assert data["sources"]["hardening"] == "-c hardening=false"
    assert data["warnings"] == [f"{path}:2: unknown key 'bogus' ignored"]


def test_show_warns_on_stderr(write_config: Callable[[str], Path]) -> None:
    path = write_config("[tui]\nsparkles = true\n")
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: {path}:2: unknown key 'tui.sparkles' ignored\n"


def test_bad_config_exits_1_with_one_line(write_config: Callable[[str], Path]) -> None:
    path = write_config('approval_policy = "sometimes"\n')
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}:1: approval_policy: expected one of "
        "untrusted, on-failure, on-request, never",
        "hint: fix the value or remove it to use the default",
    ]


def test_config_path(codeloop_home: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "path"])
    assert result.stdout == f"{codeloop_home / 'config.toml'}\n"


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
    env["CODELOOP_HOME"] = str(home)
    return subprocess.run(
        [str(CODELOOP), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_real_process_show_json_and_error(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
        model_provider = "local"
        [model_providers.local]
        name = "Local"
        base_url = "http://127.0.0.1:8000/v1"
        """
    )
    ok = _run("config", "show", "--json", "-c", "model=qwen", home=path.parent)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["config"]["model"] == "qwen"
    assert data["config"]["model_providers"]["local"]["base_url"] == "http://127.0.0.1:8000/v1"
    assert data["sources"]["model_provider"] == f"{path}:1"

    path.write_text("[model_providers.local]\nname = 'L'\nwire_api = 'rest'\n", encoding="utf-8")
    bad = _run("config", "show", home=path.parent)
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0] == (
        f"error: {path}:3: model_providers.local.wire_api: expected one of responses, chat"
    )
