"""Whether an ``apply_patch`` edit is applied unasked, asks first, or is refused.

Follows Codex's ``assess_patch_safety``:

- an empty patch is refused;
- ``untrusted`` asks for every patch;
- a patch whose every path (adds, updates, deletes and move destinations) resolves inside the
  writable roots, and any patch under ``on-failure``, is applied without asking: unsandboxed under
  ``danger-full-access``, else under the sandbox (or asks when no sandbox is available, refuses
  under ``never``);
- otherwise ``never`` refuses and ``on-request`` asks.

Paths are resolved through ``..`` and symlinks before the check (Codex compares them lexically), so
``cwd/../etc/passwd`` and a workspace symlink to ``/etc`` are outside. Hard links cannot be seen
that way, which is why an auto-approved patch still goes through the sandbox. A patch a person
approves is applied unsandboxed; its files are remembered when approved "for this session".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.approval.roots import WritableRoot, resolve_path, writable_root_specs
from codeloop.approval.safety import AskUser, AutoApprove, Reject, SafetyCheck
from codeloop.protocol.policy import DangerFullAccess

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping, Sequence

    from codeloop.approval.cache import ApprovalCache
    from codeloop.protocol.events import FileChange
    from codeloop.protocol.policy import AskForApproval, SandboxPolicy

__all__ = [
    "OUTSIDE_PROJECT_REJECTED",
    "assess_patch",
    "assess_patch_retry_without_sandbox",
    "paths_from_changes",
    "resolve_patch_paths",
]

#: Codex's message when ``never`` meets a patch outside the writable roots.
OUTSIDE_PROJECT_REJECTED = "writing outside of the project; rejected by user approval settings"


def paths_from_changes(changes: Mapping[str, FileChange]) -> list[Path]:
    """Every path a patch touches: each changed file and each move destination."""
    paths: list[Path] = []
    for path, change in changes.items():
        paths.append(Path(path))
        if change.move_path:
            paths.append(Path(change.move_path))
    return paths


def resolve_patch_paths(
    changed_paths: Iterable[str | os.PathLike[str]], cwd: str | os.PathLike[str]
) -> list[Path | None]:
    """Each path resolved against ``cwd`` (``None`` where it cannot be resolved)."""
    return [resolve_path(path, cwd) for path in changed_paths]


def _as_roots(
    roots: Sequence[WritableRoot | str | os.PathLike[str]], cwd: str | os.PathLike[str]
) -> list[WritableRoot]:
    return [r if isinstance(r, WritableRoot) else WritableRoot.for_path(r, cwd) for r in roots]


def assess_patch(
    changed_paths: Sequence[str | os.PathLike[str]],
    *,
    policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    cwd: str | os.PathLike[str],
    writable_roots: Sequence[WritableRoot | str | os.PathLike[str]] | None = None,
    approved_for_session: ApprovalCache | None = None,
    sandbox_available: bool = True,
    env: Mapping[str, str] | None = None,
) -> SafetyCheck:
    """Decide a patch touching ``changed_paths`` (relative ones are against ``cwd``).

    ``writable_roots`` overrides the roots computed from ``sandbox_policy`` (plain paths get their
    ``.git`` protected); ``env`` supplies ``$TMPDIR`` for that computation.
    """
    if not changed_paths:
        return Reject("empty patch")
    resolved = resolve_patch_paths(changed_paths, cwd)
    check = _assess(
        resolved,
        policy=policy,
        sandbox_policy=sandbox_policy,
        cwd=cwd,
        writable_roots=writable_roots,
        sandbox_available=sandbox_available,
        env=env,
    )
    if (
        isinstance(check, AskUser)
        and approved_for_session is not None
        and all(path is not None for path in resolved)
        and approved_for_session.are_paths_approved(p for p in resolved if p is not None)
    ):
        return AutoApprove(sandboxed=check.sandboxed_if_approved, user_approved=True)
    return check


def _assess(
    resolved: Sequence[Path | None],
    *,
    policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    cwd: str | os.PathLike[str],
    writable_roots: Sequence[WritableRoot | str | os.PathLike[str]] | None,
    sandbox_available: bool,
    env: Mapping[str, str] | None,
) -> SafetyCheck:
    if policy == "untrusted":
        return AskUser(sandboxed_if_approved=False)

    full_access = isinstance(sandbox_policy, DangerFullAccess)
    outside: Path | None = None
    constrained = True
    if not full_access:
        roots = (
            writable_root_specs(sandbox_policy, cwd, env)
            if writable_roots is None
            else _as_roots(writable_roots, cwd)
        )
        for path in resolved:
            if path is None or not any(root.is_path_writable(path) for root in roots):
                constrained = False
                outside = path
                break

    if constrained or policy == "on-failure":
        if full_access:
            return AutoApprove(sandboxed=False)
        if sandbox_available:
            return AutoApprove(sandboxed=True)
        if policy == "never":
            return Reject(
                "no sandbox available to confine the patch; rejected by approval settings"
            )
        return AskUser(sandboxed_if_approved=False)
    if policy == "never":
        return Reject(OUTSIDE_PROJECT_REJECTED)
    where = f": {outside}" if outside is not None else ""
    return AskUser(reason=f"writes outside the writable roots{where}", sandboxed_if_approved=False)


def assess_patch_retry_without_sandbox(
    *,
    policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    user_approved: bool = False,
    reason: str | None = None,
) -> SafetyCheck:
    """After the sandbox denied a patch: may it be applied unsandboxed?

    Codex's apply_patch offers this under every policy but ``never`` (its failure goes back to the
    model); a patch a person already approved is retried without asking again.
    """
    if isinstance(sandbox_policy, DangerFullAccess):
        return Reject("the patch was not applied in a sandbox; nothing to retry")
    if policy == "never":
        return Reject("approval policy never does not retry a sandbox denial without the sandbox")
    if user_approved:
        return AutoApprove(sandboxed=False, user_approved=True)
    return AskUser(
        reason=reason or "patch failed in the sandbox; apply without sandbox?",
        sandboxed_if_approved=False,
    )
