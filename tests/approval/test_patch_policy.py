"""Patch decisions: inside/outside the writable roots, ``..`` and symlink escapes, caching."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from codeloop.approval import (
    OUTSIDE_PROJECT_REJECTED,
    ApprovalCache,
    AskUser,
    AutoApprove,
    Reject,
    SafetyCheck,
    WritableRoot,
    apply_patch_decision,
    assess_patch,
    assess_patch_retry_without_sandbox,
    paths_from_changes,
)
from codeloop.protocol.events import FileChange
from codeloop.protocol.policy import (
    AskForApproval,
    DangerFullAccess,
    ReadOnly,
    SandboxPolicy,
    WorkspaceWrite,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

# tmp_path lives under /tmp, which workspace-write makes writable by default: leave it out so
# "outside the workspace" means outside.
WS_ONLY = WorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "a.py").write_text("a\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s\n", encoding="utf-8")
    # Symlinks inside the workspace: one escaping to a directory, one to a file, one dangling
    # outside, one staying inside.
    (workspace / "out_dir").symlink_to(outside)
    (workspace / "out_file").symlink_to(outside / "secret.txt")
    (workspace / "dangling").symlink_to(outside / "not-yet")
    (workspace / "in_link").symlink_to(workspace / "src")
    (workspace / "loop").symlink_to(workspace / "loop")
    return workspace


def decide(
    paths: Sequence[str | os.PathLike[str]],
    cwd: Path,
    policy: AskForApproval = "on-request",
    sandbox_policy: SandboxPolicy = WS_ONLY,
    *,
    writable_roots: Sequence[WritableRoot | str | os.PathLike[str]] | None = None,
    sandbox_available: bool = True,
    env: dict[str, str] | None = None,
) -> SafetyCheck:
    return assess_patch(
        paths,
        policy=policy,
        sandbox_policy=sandbox_policy,
        cwd=cwd,
        writable_roots=writable_roots,
        sandbox_available=sandbox_available,
        env=env,
    )


INSIDE = [
    "src/a.py",
    "src/new.py",
    "new_dir/deep/file.txt",
    "src/../b.py",
    "./src/a.py",
    "in_link/a.py",
    "in_link/../src/a.py",
]

OUTSIDE = [
    "../outside/x.txt",
    "src/../../outside/x.txt",
    "/etc/passwd",
    "out_dir/secret.txt",
    "out_dir/new.txt",
    "out_file",
    "dangling",
    "loop",
    "loop/x",
    "bad\0name",
    "in_link/../../outside/x.txt",
]


@pytest.mark.parametrize("path", INSIDE)
def test_inside_auto_approves_sandboxed(ws: Path, path: str) -> None:
    for policy in ("on-request", "on-failure", "never"):
        assert decide([path], ws, policy) == AutoApprove(sandboxed=True), policy


@pytest.mark.parametrize("path", OUTSIDE)
def test_outside_asks_or_is_rejected(ws: Path, path: str) -> None:
    check = decide([path], ws, "on-request")
    assert isinstance(check, AskUser)
    assert not check.sandboxed_if_approved
    assert check.reason is not None
    assert check.reason.startswith("writes outside the writable roots")
    assert decide([path], ws, "never") == Reject(OUTSIDE_PROJECT_REJECTED)
    # on-failure tries in the sandbox first, and asks when the sandbox refuses.
    assert decide([path], ws, "on-failure") == AutoApprove(sandboxed=True)


def test_absolute_path_inside_counts(ws: Path) -> None:
    assert decide([ws / "src" / "a.py"], ws) == AutoApprove(sandboxed=True)


def test_one_outside_path_taints_the_patch(ws: Path) -> None:
    check = decide(["src/a.py", "../outside/x.txt", "src/b.py"], ws)
    assert isinstance(check, AskUser)


@pytest.mark.parametrize("path", ["src/a.py", "../outside/x.txt"])
def test_untrusted_asks_for_every_patch(ws: Path, path: str) -> None:
    assert decide([path], ws, "untrusted") == AskUser(sandboxed_if_approved=False)


@pytest.mark.parametrize("policy", ["on-request", "on-failure", "never"])
def test_full_access_writes_anywhere_unsandboxed(ws: Path, policy: AskForApproval) -> None:
    check = decide(["../outside/x.txt", "/etc/x"], ws, policy, DangerFullAccess())
    assert check == AutoApprove(sandboxed=False)


def test_full_access_still_asks_under_untrusted(ws: Path) -> None:
    assert isinstance(decide(["src/a.py"], ws, "untrusted", DangerFullAccess()), AskUser)


def test_read_only_has_no_writable_root(ws: Path) -> None:
    assert isinstance(decide(["src/a.py"], ws, "on-request", ReadOnly()), AskUser)
    assert decide(["src/a.py"], ws, "never", ReadOnly()) == Reject(OUTSIDE_PROJECT_REJECTED)
    assert decide(["src/a.py"], ws, "on-failure", ReadOnly()) == AutoApprove(sandboxed=True)


def test_git_metadata_is_outside(ws: Path) -> None:
    (ws / ".git").mkdir()
    assert isinstance(decide([".git/hooks/pre-commit"], ws), AskUser)
    assert decide([".gitignore"], ws) == AutoApprove(sandboxed=True)


def test_configured_and_tmp_roots(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    with_outside = WorkspaceWrite(
        writable_roots=[str(outside)], exclude_slash_tmp=True, exclude_tmpdir_env_var=True
    )
    assert decide(["../outside/x.txt"], ws, sandbox_policy=with_outside) == AutoApprove(
        sandboxed=True
    )
    # The escaping symlink now lands in a writable root too.
    assert decide(["out_dir/x.txt"], ws, sandbox_policy=with_outside) == AutoApprove(sandboxed=True)
    # By default /tmp (where tmp_path lives) is writable.
    default = WorkspaceWrite()
    assert decide(["../outside/x.txt"], ws, sandbox_policy=default) == AutoApprove(sandboxed=True)
    tmpdir_only = WorkspaceWrite(exclude_slash_tmp=True)
    check = decide(
        ["../outside/x.txt"], ws, sandbox_policy=tmpdir_only, env={"TMPDIR": str(outside)}
    )
    assert check == AutoApprove(sandboxed=True)


def test_writable_roots_override(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    assert decide(["src/a.py"], ws, writable_roots=[outside]) == AskUser(
        reason=f"writes outside the writable roots: {ws.resolve() / 'src' / 'a.py'}",
        sandboxed_if_approved=False,
    )
    check = decide(["../outside/x.txt"], ws, writable_roots=[WritableRoot(outside.resolve())])
    assert check == AutoApprove(sandboxed=True)
    # Plain paths get their .git protected.
    (outside / ".git").mkdir()
    assert isinstance(
        decide(["../outside/.git/config"], ws, writable_roots=[str(outside)]), AskUser
    )


def test_moves_and_deletes_count(ws: Path) -> None:
    move_out = {"src/a.py": FileChange(kind="update", diff="", move_path="../outside/a.py")}
    assert paths_from_changes(move_out) == [Path("src/a.py"), Path("../outside/a.py")]
    assert isinstance(decide(paths_from_changes(move_out), ws), AskUser)
    move_in = {"src/a.py": FileChange(kind="update", move_path="src/b.py")}
    assert decide(paths_from_changes(move_in), ws) == AutoApprove(sandboxed=True)
    delete_out = {"../outside/secret.txt": FileChange(kind="delete")}
    assert isinstance(decide(paths_from_changes(delete_out), ws), AskUser)


def test_symlinked_cwd(ws: Path, tmp_path: Path) -> None:
    link = tmp_path / "ws-link"
    link.symlink_to(ws)
    assert decide(["src/a.py"], link) == AutoApprove(sandboxed=True)
    assert isinstance(decide(["../outside/x.txt"], link), AskUser)


def test_empty_patch_is_rejected(ws: Path) -> None:
    assert decide([], ws, "never", DangerFullAccess()) == Reject("empty patch")


def test_without_a_platform_sandbox(ws: Path) -> None:
    assert decide(["src/a.py"], ws, sandbox_available=False) == AskUser(sandboxed_if_approved=False)
    assert isinstance(decide(["src/a.py"], ws, "never", sandbox_available=False), Reject)
    check = decide(["src/a.py"], ws, "never", DangerFullAccess(), sandbox_available=False)
    assert check == AutoApprove(sandboxed=False)


def test_approved_for_session_remembers_files(ws: Path) -> None:
    cache = ApprovalCache()
    paths: list[str | os.PathLike[str]] = ["../outside/x.txt", "src/a.py"]
    first = assess_patch(
        paths, policy="on-request", sandbox_policy=WS_ONLY, cwd=ws, approved_for_session=cache
    )
    assert isinstance(first, AskUser)
    outcome = apply_patch_decision("approved_for_session", paths, first, cache, cwd=ws)
    assert outcome.runs
    assert not outcome.sandboxed

    again = assess_patch(
        paths, policy="on-request", sandbox_policy=WS_ONLY, cwd=ws, approved_for_session=cache
    )
    assert again == AutoApprove(sandboxed=False, user_approved=True)
    # A subset is covered (same file reached another way too); a new file is not.
    subset = assess_patch(
        [ws / "src" / ".." / ".." / "outside" / "x.txt"],
        policy="on-request",
        sandbox_policy=WS_ONLY,
        cwd=ws,
        approved_for_session=cache,
    )
    assert subset == AutoApprove(sandboxed=False, user_approved=True)
    new = assess_patch(
        ["../outside/y.txt"],
        policy="on-request",
        sandbox_policy=WS_ONLY,
        cwd=ws,
        approved_for_session=cache,
    )
    assert isinstance(new, AskUser)
    # Never still refuses: a cache only skips asking.
    never = assess_patch(
        paths, policy="never", sandbox_policy=WS_ONLY, cwd=ws, approved_for_session=cache
    )
    assert never == Reject(OUTSIDE_PROJECT_REJECTED)


def test_plain_approval_is_not_remembered(ws: Path) -> None:
    cache = ApprovalCache()
    ask = AskUser(sandboxed_if_approved=False)
    outcome = apply_patch_decision("approved", ["../outside/x.txt"], ask, cache, cwd=ws)
    assert outcome.runs
    assert len(cache) == 0


def test_patch_retry_without_sandbox() -> None:
    assert assess_patch_retry_without_sandbox(
        policy="on-request", sandbox_policy=WS_ONLY
    ) == AskUser(
        reason="patch failed in the sandbox; apply without sandbox?", sandboxed_if_approved=False
    )
    assert isinstance(
        assess_patch_retry_without_sandbox(policy="never", sandbox_policy=WS_ONLY), Reject
    )
    assert isinstance(
        assess_patch_retry_without_sandbox(policy="on-failure", sandbox_policy=DangerFullAccess()),
        Reject,
    )
    assert assess_patch_retry_without_sandbox(
        policy="untrusted", sandbox_policy=ReadOnly(), user_approved=True
    ) == AutoApprove(sandboxed=False, user_approved=True)
