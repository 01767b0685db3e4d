"""Running ``git`` for facts about a folder: short timeouts, no prompts, no locks, never raising.

Every call gets ``GIT_OPTIONAL_LOCKS=0`` (never take the index lock behind the user's back),
``GIT_TERMINAL_PROMPT=0`` (never wait for a password) and ``--no-pager``. A missing ``git``, a
timeout or any OS error gives ``None``: callers treat it like "not a repository".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT",
    "GitResult",
    "finish_git",
    "git_env",
    "run_git",
    "run_git_async",
    "start_git",
]

#: Seconds each git call may take before it is killed.
DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class GitResult:
    returncode: int
    stdout: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        """stdout without the trailing newline."""
        return self.stdout.strip()


def git_env() -> dict[str, str]:
    """The environment for git calls: the user's, minus anything that could block or lock."""
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_PAGER", None)
    return env


def _argv(cwd: str | Path, args: Sequence[str]) -> list[str]:
    return ["git", "--no-pager", "-C", os.fspath(cwd), *args]


def start_git(
    cwd: str | Path, args: Sequence[str], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes] | None:
    """Start a git call without waiting (to run several at once); None if git cannot start."""
    try:
        return subprocess.Popen(
            _argv(cwd, args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env() if env is None else env,
        )
    except OSError:
        return None


def finish_git(proc: subprocess.Popen[bytes] | None, timeout: float) -> GitResult | None:
    """Wait for a call from :func:`start_git`; kill it after ``timeout`` seconds (then None)."""
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=max(timeout, 0.0))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    except OSError:
        return None
    return GitResult(proc.returncode, out.decode("utf-8", errors="replace"))


def run_git(
    cwd: str | Path, args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT
) -> GitResult | None:
    """Run one git call and wait for it."""
    return finish_git(start_git(cwd, args), timeout)


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


async def run_git_async(
    cwd: str | Path,
    args: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: dict[str, str] | None = None,
) -> GitResult | None:
    """:func:`run_git` on asyncio subprocesses, for callers already in an event loop."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *_argv(cwd, args),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=git_env() if env is None else env,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        return None
    except asyncio.CancelledError:
        _kill(proc)
        raise
    assert proc.returncode is not None
    return GitResult(proc.returncode, out.decode("utf-8", errors="replace"))
