"""Where a sandbox policy lets the agent write, and whether a path is inside it.

Shared by patch approval (here) and by ``codeloop.sandbox``, which binds the same roots writable, so
"the patch is inside the workspace" and "the sandbox lets it write there" cannot disagree. Follows
Codex's ``SandboxPolicy::get_writable_roots_with_cwd``: for ``workspace-write``, the cwd, the
configured ``writable_roots``, ``/tmp`` (unless ``exclude_slash_tmp``) and ``$TMPDIR`` (unless
``exclude_tmpdir_env_var``), each keeping its top-level ``.git`` read-only. ``read-only`` has no
writable roots; ``danger-full-access`` writes everywhere (also no list: check the policy).

Unlike Codex, which compares paths lexically, every path is resolved through symlinks first: a
symlink inside the workspace that points at ``/etc`` is outside.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.protocol.policy import SandboxPolicy, WorkspaceWrite

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "WritableRoot",
    "is_path_writable",
    "resolve_path",
    "writable_root_specs",
    "writable_roots",
]


def resolve_path(path: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> Path | None:
    """``path`` made absolute against ``cwd`` with ``..`` and every symlink resolved.

    Parts that do not exist yet are kept as written. ``None`` when the path cannot be resolved
    (a symlink loop, a NUL byte): callers treat that as outside every root.
    """
    try:
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = Path(cwd) / candidate
        resolved = Path(os.path.realpath(candidate))
    except (OSError, ValueError):
        return None
    # On a symlink loop realpath gives up and hands the link back somewhere in the path.
    for part in (resolved, *resolved.parents):
        if part.is_symlink():
            return None
    return resolved


@dataclass(frozen=True, slots=True)
class WritableRoot:
    """A directory the agent may write under, minus subpaths kept read-only (like ``.git``)."""

    root: Path
    read_only_subpaths: tuple[Path, ...] = ()

    @classmethod
    def for_path(cls, root: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> WritableRoot:
        """The root at ``root`` (resolved against ``cwd``), protecting its top-level ``.git``."""
        resolved = resolve_path(root, cwd) or Path(os.path.abspath(Path(cwd) / root))
        protected: list[Path] = []
        git = resolved / ".git"
        if os.path.lexists(git):
            protected.append(git)
            target = resolve_path(git, resolved)
            if target is not None and target != git:
                protected.append(target)
        return cls(resolved, tuple(protected))

    def is_path_writable(self, path: Path) -> bool:
        """Whether ``path`` (already resolved, see :func:`resolve_path`) is writable here."""
        if not path.is_relative_to(self.root):
            return False
        return not any(path.is_relative_to(sub) for sub in self.read_only_subpaths)


def _dedup(paths: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def writable_roots(
    sandbox_policy: SandboxPolicy,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
) -> list[Path]:
    """The writable roots of ``sandbox_policy`` for ``cwd``, resolved and de-duplicated.

    Order: cwd, configured roots (relative ones against cwd), ``/tmp``, ``$TMPDIR``. Empty for
    ``read-only`` and for ``danger-full-access`` (where everything is writable).
    """
    if not isinstance(sandbox_policy, WorkspaceWrite):
        return []
    environ = os.environ if env is None else env
    base = Path(os.path.abspath(cwd))
    candidates: list[Path] = [base]
    candidates.extend(Path(root).expanduser() for root in sandbox_policy.writable_roots)
    if not sandbox_policy.exclude_slash_tmp and sys.platform != "win32":
        slash_tmp = Path("/tmp")
        if slash_tmp.is_dir():
            candidates.append(slash_tmp)
    if not sandbox_policy.exclude_tmpdir_env_var:
        tmpdir = environ.get("TMPDIR", "")
        if tmpdir:
            candidates.append(Path(tmpdir))
    resolved: list[Path] = []
    for candidate in candidates:
        path = resolve_path(candidate, base)
        resolved.append(path if path is not None else Path(os.path.abspath(base / candidate)))
    return _dedup(resolved)


def writable_root_specs(
    sandbox_policy: SandboxPolicy,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
) -> list[WritableRoot]:
    """:func:`writable_roots` with each root's read-only subpaths (what a sandbox must enforce)."""
    return [WritableRoot.for_path(root, cwd) for root in writable_roots(sandbox_policy, cwd, env)]


def is_path_writable(
    path: str | os.PathLike[str],
    roots: Iterable[WritableRoot],
    cwd: str | os.PathLike[str],
) -> bool:
    """Whether ``path`` (relative to ``cwd``) resolves inside one of ``roots`` and not read-only."""
    resolved = resolve_path(path, cwd)
    if resolved is None:
        return False
    return any(root.is_path_writable(resolved) for root in roots)
