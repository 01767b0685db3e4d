"""The session's "always allow" memory: what a person approved for the rest of the session.

Codex keeps approvals answered with ``approved_for_session`` in a per-session store and skips the
prompt when the same request comes again. Commands are remembered exactly (argv equality); an
approval to run unsandboxed (an escalation) also covers the sandboxed run, never the reverse.
Patches are remembered per file (Codex's apply_patch keys), so a later patch touching only approved
files is not asked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = ["ApprovalCache"]


class ApprovalCache:
    """Approvals remembered for one session; never persisted."""

    def __init__(self) -> None:
        #: argv → whether the approval covers running it unsandboxed (escalated).
        self._commands: dict[tuple[str, ...], bool] = {}
        self._paths: set[Path] = set()

    def approve_command(self, argv: Sequence[str], *, escalated: bool = False) -> None:
        """Remember ``argv``; ``escalated`` if the person allowed it outside the sandbox."""
        key = tuple(argv)
        self._commands[key] = self._commands.get(key, False) or escalated

    def is_command_approved(self, argv: Sequence[str], *, escalated: bool = False) -> bool:
        """Whether exactly ``argv`` was approved, for an escalated run if ``escalated``."""
        key = tuple(argv)
        if key not in self._commands:
            return False
        return self._commands[key] or not escalated

    def approve_paths(self, paths: Iterable[Path]) -> None:
        """Remember patch targets; pass resolved absolute paths (see ``roots.resolve_path``)."""
        self._paths.update(paths)

    def are_paths_approved(self, paths: Iterable[Path]) -> bool:
        """Whether every one of ``paths`` (resolved, absolute) was approved; False for none."""
        wanted = set(paths)
        return bool(wanted) and wanted <= self._paths

    def clear(self) -> None:
        """Forget everything (a new session)."""
        self._commands.clear()
        self._paths.clear()

    def __contains__(self, argv: object) -> bool:
        if not isinstance(argv, list | tuple) or not all(isinstance(a, str) for a in argv):
            return False
        return tuple(argv) in self._commands

    def __len__(self) -> int:
        return len(self._commands) + len(self._paths)
