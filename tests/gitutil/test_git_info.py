"""git_info, repo_root and is_inside_git_repo against real repositories made in tmp_path."""

from __future__ import annotations

import os
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

from codeloop.gitutil import git_info, git_info_async, is_inside_git_repo, repo_root
from codeloop.protocol.rollout import GitInfo

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config, a fixed identity, and no repository above tmp_path."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout
    return out.strip()


def make_repo(path: Path, *, commit: bool = True) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    if commit:
        (path / "a.txt").write_text("a\n", encoding="utf-8")
        git(path, "add", "a.txt")
        git(path, "commit", "-q", "-m", "first")
    return path


def test_repository_with_a_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    head = git(repo, "rev-parse", "HEAD")
    assert git_info(repo) == GitInfo(commit_hash=head, branch="main", repository_url=None)
    sub = repo / "deep" / "er"
    sub.mkdir(parents=True)
    assert git_info(sub) == GitInfo(commit_hash=head, branch="main")
    assert git_info(str(sub)) == git_info(sub)


def test_other_branch_and_remote(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "switch", "-q", "-c", "feature/x")
    git(repo, "remote", "add", "origin", "git@github.com:org/repo.git")
    info = git_info(repo)
    assert info is not None
    assert info.branch == "feature/x"
    assert info.repository_url == "git@github.com:org/repo.git"


def test_detached_head_has_no_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    assert git_info(repo) == GitInfo(commit_hash=head, branch=None)


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    assert git_info(repo) == GitInfo(commit_hash=None, branch="main")
    git(repo, "remote", "add", "origin", "https://example.com/o/r.git")
    assert git_info(repo) == GitInfo(branch="main", repository_url="https://example.com/o/r.git")


def test_remote_credentials_are_stripped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", "https://user:s3cr3t-token@example.com/org/repo.git")
    info = git_info(repo)
    assert info is not None
    assert info.repository_url == "https://example.com/org/repo.git"
    assert "s3cr3t" not in repr(info)


def test_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_info(plain) is None
    assert repo_root(plain) is None
    assert not is_inside_git_repo(plain)


def test_missing_folder(tmp_path: Path) -> None:
    assert git_info(tmp_path / "nope") is None
    assert repo_root(tmp_path / "nope") is None


def test_git_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert git_info(repo) is None
    assert repo_root(repo) is None
    assert is_inside_git_repo(repo)  # a folder walk: needs no git


def test_hung_git_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\nexec sleep 5\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    assert git_info(tmp_path, timeout=0.2) is None
    assert repo_root(tmp_path, timeout=0.2) is None
    assert time.monotonic() - start < 2.0


def test_repo_root(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    sub = repo / "src"
    sub.mkdir()
    assert repo_root(sub) == repo.resolve()
    assert repo_root(repo) == repo.resolve()


def test_is_inside_git_repo(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", commit=False)
    (repo / "x" / "y").mkdir(parents=True)
    assert is_inside_git_repo(repo)
    assert is_inside_git_repo(repo / "x" / "y")
    assert is_inside_git_repo(str(repo / "x"))


def test_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(wt))
    assert (wt / ".git").is_file()
    assert is_inside_git_repo(wt)
    assert repo_root(wt) == wt.resolve()
    info = git_info(wt)
    assert info is not None
    assert info.branch == "side"
    assert info.commit_hash == git(repo, "rev-parse", "HEAD")


async def test_async_variant_matches(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", "https://tok@example.com/o/r")
    assert await git_info_async(repo) == git_info(repo)
    unborn = make_repo(tmp_path / "unborn", commit=False)
    assert await git_info_async(unborn) == GitInfo(branch="main")
    plain = tmp_path / "plain"
    plain.mkdir()
    assert await git_info_async(plain) is None


async def test_async_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\nexec sleep 5\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    assert await git_info_async(tmp_path, timeout=0.2) is None
    assert time.monotonic() - start < 2.0
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert await git_info_async(tmp_path) is None
