"""Fixtures for the end-to-end tests: real processes, real HTTP, real git, no mocks of our parts.

- ``model_server``: a :class:`ScriptedModelServer` on 127.0.0.1, started empty for each test;
  scripts are added with ``run_exec(..., script=[...])`` or ``model_server.add(...)``.
- ``exec_home``: an isolated ``CODELOOP_HOME`` whose ``config.toml`` points at that server.
- ``work_repo``: a git repository (one commit) in ``tmp_path``; commands run there.
- ``exec_env``: the environment of the child process: no API keys or base URL of the person
  running the tests, ``HOME`` in ``tmp_path`` (a real ``~/.codeloop`` is never read).
- ``run_exec``: runs ``python -m codeloop exec ...`` as a subprocess and parses ``--json`` output.

The process environment of the test run itself (``os.environ``) is never modified.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from contract import assert_exec_json_contract

from codeloop.testing import ScriptedModelServer

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

    from codeloop.testing import ScriptedResponse

#: Variables of the person's environment that would change what the child does.
_SCRUBBED_PREFIXES = ("OPENAI_", "CODEX_", "CODELOOP_", "AZURE_OPENAI", "GIT_")
_SCRUBBED = frozenset({"COLUMNS", "LINES", "FORCE_COLOR", "TERM", "PYTHONSTARTUP"})

MODEL = "gpt-5-codex"


def config_toml(base_url: str, *, model: str = MODEL, extra: str = "") -> str:
    """``config.toml`` pointing the ``scripted`` provider at ``base_url``."""
    return (
        f'model = "{model}"\n'
        'model_provider = "scripted"\n'
        f"{extra}"
        "\n[model_providers.scripted]\n"
        'name = "Scripted"\n'
        f'base_url = "{base_url}"\n'
        'wire_api = "responses"\n'
    )


def child_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """A clean environment for a codeloop child process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SCRUBBED_PREFIXES) and k not in _SCRUBBED
    }
    user_home = tmp_path / "user-home"
    user_home.mkdir(exist_ok=True)
    env.update(
        HOME=str(user_home),
        XDG_CONFIG_HOME=str(user_home / ".config"),
        CODELOOP_HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        # A folder in tmp_path outside the work repo is "outside any git repository".
        GIT_CEILING_DIRECTORIES=str(tmp_path),
        GIT_AUTHOR_NAME="E2E Test",
        GIT_AUTHOR_EMAIL="e2e@example.invalid",
        GIT_COMMITTER_NAME="E2E Test",
        GIT_COMMITTER_EMAIL="e2e@example.invalid",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    return env


def git(repo: Path, *args: str, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        ["git", *args],
        check=False,
        cwd=repo,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class ExecRun:
    """One finished ``codeloop exec`` process."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    #: The stdout lines decoded as JSON (``--json`` runs only).
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == type_]

    def items(self, item_type: str, event: str = "item.completed") -> list[dict[str, Any]]:
        """The ``item`` of every ``event`` whose item has ``item_type``."""
        return [e["item"] for e in self.of_type(event) if e["item"]["type"] == item_type]

    def checked(self, *, returncode: int = 0, turns: int = 1) -> ExecRun:
        """Assert the exit status and that stdout keeps the ``exec --json`` contract with
        ``turns`` turns; returns ``self`` for chaining."""
        assert self.returncode == returncode, self.describe()
        try:
            found = assert_exec_json_contract(self.stdout.splitlines())
        except AssertionError as err:
            raise AssertionError(f"{err}\n{self.describe()}") from None
        assert len(found) == turns, self.describe()
        return self

    def describe(self) -> str:
        return (
            f"codeloop exec {' '.join(self.args)} -> {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


@dataclass
class ExecRunner:
    """Runs ``codeloop exec`` in ``cwd`` with ``env``, scripts going to ``server``."""

    server: ScriptedModelServer
    home: Path
    cwd: Path
    env: dict[str, str]

    def command(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "codeloop", "exec", *args]

    def add_script(self, script: Iterable[ScriptedResponse] | None) -> None:
        if script:
            self.server.add(*script)

    def __call__(
        self,
        args: Sequence[str],
        *,
        script: Iterable[ScriptedResponse] | None = None,
        stdin: str | None = None,
        timeout: float = 60,
        cwd: Path | None = None,
    ) -> ExecRun:
        """Run to the end (bounded by ``timeout``); stdin is ``stdin`` or empty."""
        self.add_script(script)
        done = subprocess.run(
            self.command(args),
            check=False,
            cwd=cwd or self.cwd,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = ExecRun(list(args), done.returncode, done.stdout, done.stderr)
        if "--json" in args or "--experimental-json" in args:
            try:
                run.events = [json.loads(line) for line in done.stdout.splitlines()]
            except json.JSONDecodeError as err:
                pytest.fail(f"stdout is not JSON lines ({err})\n{run.describe()}")
        return run

    def spawn(
        self, args: Sequence[str], *, script: Iterable[ScriptedResponse] | None = None
    ) -> subprocess.Popen[str]:
        """Start without waiting (the caller must kill or wait, bounded)."""
        self.add_script(script)
        return subprocess.Popen(
            self.command(args),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def rollouts(self) -> list[Path]:
        return sorted((self.home / "sessions").rglob("rollout-*.jsonl"))


@pytest.fixture
def model_server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture
def exec_home(tmp_path: Path, model_server: ScriptedModelServer) -> Path:
    home = tmp_path / "codeloop-home"
    home.mkdir()
    (home / "config.toml").write_text(config_toml(model_server.base_url), encoding="utf-8")
    return home


@pytest.fixture
def exec_env(tmp_path: Path, exec_home: Path) -> dict[str, str]:
    return child_env(tmp_path, exec_home)


@pytest.fixture
def work_repo(tmp_path: Path, exec_env: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", env=exec_env)
    (repo / "README.md").write_text("# demo\n", encoding="utf-8")
    git(repo, "add", "README.md", env=exec_env)
    git(repo, "commit", "-q", "-m", "initial", env=exec_env)
    return repo


@pytest.fixture
def run_exec(
    model_server: ScriptedModelServer, exec_home: Path, work_repo: Path, exec_env: dict[str, str]
) -> ExecRunner:
    return ExecRunner(server=model_server, home=exec_home, cwd=work_repo, env=exec_env)
