"""Commands that destroy work and deserve a person's yes even where the sandbox would allow them.

Mirrors Codex's ``command_might_be_dangerous`` (``command_safety/is_dangerous_command.rs``):
``rm -f``/``rm -rf``, ``git reset``, ``git rm``, ``git --force``, the same behind ``sudo``, and any
of them inside a plain ``bash -lc`` script. We also catch the forms Codex misses because it looks at
one position only: ``rm -r -f``, ``rm -vf``, ``git -C dir reset``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.approval.known_safe import find_git_subcommand
from codeloop.approval.shell_parse import parse_shell_lc_plain_commands

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["command_might_be_dangerous"]

_DANGEROUS_GIT_SUBCOMMANDS = ("reset", "rm")


def _rm_forces(args: Sequence[str]) -> bool:
    for arg in args:
        if arg == "--":
            return False
        if arg == "--force" or (arg.startswith("-") and not arg.startswith("--") and "f" in arg):
            return True
    return False


def _is_dangerous_to_call_with_exec(argv: Sequence[str]) -> bool:
    if not argv or not argv[0]:
        return False
    # Judge by the file name wherever the program lives: over-asking is the safe mistake here.
    name = argv[0].rsplit("/", 1)[-1]
    if name == "git":
        git_argv = ["git", *argv[1:]]
        if len(argv) > 1 and argv[1] == "--force":
            return True
        return find_git_subcommand(git_argv, _DANGEROUS_GIT_SUBCOMMANDS) is not None
    if name == "rm":
        return _rm_forces(argv[1:])
    if name == "sudo":
        return _is_dangerous_to_call_with_exec(argv[1:])
    return False


def command_might_be_dangerous(argv: Sequence[str]) -> bool:
    """Whether ``argv`` (or any command of its plain ``bash -lc`` script) looks destructive."""
    if _is_dangerous_to_call_with_exec(argv):
        return True
    commands = parse_shell_lc_plain_commands(argv)
    return commands is not None and any(_is_dangerous_to_call_with_exec(cmd) for cmd in commands)
