"""How a command is shown: exactly (for ``exec --json``) and readably (for people).

Codex prints the shell-quoted argv in ``exec --json`` and, in human output and approval dialogs,
just the script of a ``bash -lc "<script>"`` wrapper (``strip_bash_lc_and_escape``).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from codeloop.approval.shell_parse import extract_shell_script

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["command_for_display", "shlex_join"]


def shlex_join(argv: Sequence[str]) -> str:
    """The argv as one POSIX-shell-quoted line: ``["bash", "-lc", "ls -a"]`` → ``bash -lc 'ls -a'``.

    This is the ``command`` field of an ``exec --json`` ``command_execution`` item; pasting it into
    a shell runs the same argv.
    """
    return shlex.join(argv)


def command_for_display(argv: Sequence[str]) -> str:
    """A friendlier form for people: the script itself for ``bash -lc "<script>"``, else quoted."""
    extracted = extract_shell_script(argv)
    if extracted is not None:
        return extracted[1]
    return shlex_join(argv)
