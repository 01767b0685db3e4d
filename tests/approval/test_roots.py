"""Writable roots of a sandbox policy and path resolution through ``..`` and symlinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeloop.approval import (
    WritableRoot,
    is_path_writable,
    resolve_path,
    writable_root_specs,
    writable_roots,
)
from codeloop.protocol.policy import DangerFullAccess, ReadOnly, WorkspaceWrite


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return workspace.resolve()


def test_workspace_write_roots_in_order(ws: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    policy = WorkspaceWrite(writable_roots=[str(extra), "sub"])
    roots = writable_roots(policy, ws, env={"TMPDIR": str(tmpdir)})
    assert roots == [
        ws,
        extra.resolve(),
        ws / "sub",
        Path("/tmp").resolve(),
        tmpdir.resolve(),
    ]


def test_exclusions_and_empty_tmpdir(ws: Path, tmp_path: Path) -> None:
    policy = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    assert writable_roots(policy, ws, env={"TMPDIR": str(tmp_path)}) == [ws]
    assert writable_roots(WorkspaceWrite(exclude_slash_tmp=True), ws, env={"TMPDIR": ""}) == [ws]
    assert writable_roots(WorkspaceWrite(exclude_slash_tmp=True), ws, env={}) == [ws]


def test_duplicates_collapse(ws: Path) -> None:
    policy = WorkspaceWrite(writable_roots=[str(ws), "."], exclude_slash_tmp=True)
    assert writable_roots(policy, ws, env={"TMPDIR": str(ws)}) == [ws]


def test_default_env_is_the_process_environment(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    roots = writable_roots(WorkspaceWrite(exclude_slash_tmp=True), ws)
    assert roots == [ws, tmp_path.resolve()]


@pytest.mark.parametrize("policy", [ReadOnly(), DangerFullAccess()])
def test_no_root_list_for_read_only_and_full_access(policy: ReadOnly | DangerFullAccess) -> None:
    assert writable_roots(policy, "/") == []
    assert writable_root_specs(policy, "/") == []


def test_symlinked_cwd_is_resolved(ws: Path, tmp_path: Path) -> None:
    link = tmp_path / "ws-link"
    link.symlink_to(ws)
    policy = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    assert writable_roots(policy, link) == [ws]


def test_git_dir_stays_read_only(ws: Path) -> None:
    (ws / ".git").mkdir()
    policy = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)
    specs = writable_root_specs(policy, ws)
    assert specs == [WritableRoot(ws, (ws / ".git",))]
    assert is_path_writable("src/a.py", specs, ws)
    assert not is_path_writable(".git/config", specs, ws)
    assert not is_path_writable(".git/hooks/pre-commit", specs, ws)
    assert is_path_writable(".gitignore", specs, ws)


def test_git_file_of_a_worktree_is_read_only(ws: Path) -> None:
    (ws / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    root = WritableRoot.for_path(ws, ws)
    assert root.read_only_subpaths == (ws / ".git",)
    assert not root.is_path_writable(ws / ".git")


def test_resolve_path(ws: Path, tmp_path: Path) -> None:
    assert resolve_path("a/../b", ws) == ws / "b"
    assert resolve_path("../x", ws) == tmp_path.resolve() / "x"
    assert resolve_path("/etc/../etc/passwd", ws) == Path("/etc/passwd").resolve()
    assert resolve_path("bad\0name", ws) is None
    loop = ws / "loop"
    loop.symlink_to(loop)
    assert resolve_path("loop", ws) is None
    assert resolve_path("loop/x", ws) is None
