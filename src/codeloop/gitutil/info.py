"""Git facts about a working folder, for the session record and the ``exec`` repository check.

:func:`git_info` needs two ``git`` processes, run concurrently (each costs a millisecond or
two, mostly process start-up, so fewer calls matter more than anything else):

- ``rev-parse HEAD --abbrev-ref HEAD``: the commit and the branch in one call (the branch reads
  ``HEAD`` when detached, which becomes None).
- ``config --get remote.origin.url``: the remote, with credentials stripped.

Only when ``rev-parse`` fails is a third call made, ``symbolic-ref -q --short HEAD``: it tells a
repository without commits (exit 0, the unborn branch's name) from no repository at all (exit 128,
the answer is None).

Nothing here raises for a missing or broken git: the caller decides what "no information" means.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from codeloop.gitutil.run import (
    DEFAULT_TIMEOUT,
    GitResult,
    finish_git,
    git_env,
    run_git,
    run_git_async,
    start_git,
)
from codeloop.gitutil.urls import strip_url_credentials
from codeloop.protocol.rollout import GitInfo

__all__ = ["git_info", "git_info_async", "is_inside_git_repo", "repo_root"]

_HEAD = ("rev-parse", "HEAD", "--abbrev-ref", "HEAD")
_REMOTE = ("config", "--get", "remote.origin.url")
_UNBORN_BRANCH = ("symbolic-ref", "-q", "--short", "HEAD")


def _text(result: GitResult | None) -> str | None:
    """The output of a call that succeeded and printed something, else None."""
    if result is None or not result.ok:
        return None
    return result.text or None


def _url(remote: GitResult | None) -> str | None:
    url = _text(remote)
    return strip_url_credentials(url) if url is not None else None


def _from_head(head: GitResult, remote: GitResult | None) -> GitInfo:
    commit, _, branch = head.text.partition("\n")
    branch = branch.strip()
    return GitInfo(
        commit_hash=commit.strip() or None,
        branch=None if branch in ("", "HEAD") else branch,
        repository_url=_url(remote),
    )


def _unborn(branch: GitResult | None, remote: GitResult | None) -> GitInfo | None:
    """Info for a repository without commits, or None if ``branch`` says it is no repository."""
    if branch is None or branch.returncode not in (0, 1):
        return None  # not a repository, git missing, or it timed out
    return GitInfo(commit_hash=None, branch=_text(branch), repository_url=_url(remote))


def git_info(cwd: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> GitInfo | None:
    """Commit, branch and origin URL of the repository containing ``cwd``; None outside one.

    A detached HEAD has ``branch=None``; a repository without commits has ``commit_hash=None``.
    ``timeout`` bounds each call.
    """
    env = git_env()
    head_proc = start_git(cwd, _HEAD, env)
    remote_proc = start_git(cwd, _REMOTE, env)
    deadline = time.monotonic() + timeout
    head = finish_git(head_proc, timeout)
    remote = finish_git(remote_proc, deadline - time.monotonic())
    if head is None:
        return None  # git missing or too slow: do not wait again
    if head.ok:
        return _from_head(head, remote)
    return _unborn(run_git(cwd, _UNBORN_BRANCH, timeout=timeout), remote)


async def git_info_async(cwd: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> GitInfo | None:
    """:func:`git_info` for code running in an event loop (asyncio subprocesses)."""
    env = git_env()
    head, remote = await asyncio.gather(
        run_git_async(cwd, _HEAD, timeout=timeout, env=env),
        run_git_async(cwd, _REMOTE, timeout=timeout, env=env),
    )
    if head is None:
        return None
    if head.ok:
        return _from_head(head, remote)
    return _unborn(await run_git_async(cwd, _UNBORN_BRANCH, timeout=timeout, env=env), remote)


def repo_root(cwd: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path | None:
    """The top folder of the working tree containing ``cwd`` (per git); None outside one."""
    result = run_git(cwd, ("rev-parse", "--show-toplevel"), timeout=timeout)
    if result is None or not result.ok or not result.text:
        return None
    return Path(result.text)


def is_inside_git_repo(cwd: str | Path) -> bool:
    """Whether ``cwd`` or a parent holds a ``.git`` entry (folder, or file for worktrees).

    Codex's check for ``exec`` (``--skip-git-repo-check`` turns it off): a walk up the folders,
    with no git process, so it also works where git is not installed.
    """
    path = Path(os.path.abspath(cwd))
    return any(os.path.lexists(folder / ".git") for folder in (path, *path.parents))
