"""Read-only commands that may run without asking, even under ``untrusted``.

Mirrors Codex's ``is_known_safe_command`` (``command_safety/is_safe_command.rs``): a fixed list of
programs that only read, a few more whose dangerous flags are refused (``find -exec``, ``rg --pre``,
``git -c``, ``base64 -o``), ``sed -n Np``, and ``bash -lc`` scripts made only of such commands.
Where Codex's matching leaves a gap we are stricter, never looser: programs named by a path outside
the system bin directories, GNU long-option abbreviations (``--out`` for ``--output``), short-option
clusters (``rg -nz``) and ``uniq IN OUT`` (which writes OUT) are not trusted. ``du``, ``df``,
``sort``, ``tree`` and ``file`` are codeloop additions, each with its writing flags refused.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from codeloop.approval.shell_parse import is_trusted_executable_path, parse_shell_lc_plain_commands

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = ["find_git_subcommand", "is_known_safe_command", "is_safe_to_call_with_exec"]

#: Programs that only read, whatever their arguments (Codex's list, plus du and df).
_ALWAYS_SAFE = frozenset(
    {
        "cat",
        "cd",
        "cut",
        "echo",
        "expr",
        "false",
        "grep",
        "head",
        "id",
        "ls",
        "nl",
        "paste",
        "pwd",
        "rev",
        "seq",
        "stat",
        "tail",
        "tr",
        "true",
        "uname",
        "wc",
        "which",
        "whoami",
        "du",
        "df",
    }
)

#: GNU coreutils that Codex trusts on Linux only.
_LINUX_SAFE = frozenset({"numfmt", "tac"})

_FIND_UNSAFE = frozenset(
    {
        # run arbitrary commands
        "-exec",
        "-execdir",
        "-ok",
        "-okdir",
        # delete matches
        "-delete",
        # write path names to a file
        "-fls",
        "-fprint",
        "-fprint0",
        "-fprintf",
    }
)

_GIT_READ_ONLY_SUBCOMMANDS = ("status", "log", "diff", "show", "branch")

#: Subcommand flags that write files or run external programs.
_GIT_UNSAFE_LONG = ("output", "ext-diff", "textconv", "exec", "paginate")

#: Exact git options that merely share a prefix with an unsafe one.
_GIT_EXACT_SAFE_LONG = frozenset({"text"})

_GIT_BRANCH_READ_ONLY_FLAGS = frozenset(
    {"--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"}
)

_SED_PRINT_RANGE = re.compile(r"^(\d+,)?\d+p$")


def _long_option_name(arg: str) -> str | None:
    """``"output"`` for ``--output=x``; ``None`` for anything that is not a long option."""
    if not arg.startswith("--") or arg == "--":
        return None
    return arg[2:].split("=", 1)[0]


def _abbreviates(arg: str, names: Iterable[str], exact_safe: frozenset[str] = frozenset()) -> bool:
    """Whether ``arg`` is ``--name`` or an unambiguous-prefix abbreviation of one of ``names``.

    GNU getopt_long and git's parse-options accept abbreviations, so ``--out=f`` is ``--output=f``.
    """
    name = _long_option_name(arg)
    if not name or name in exact_safe:
        return False
    return any(full.startswith(name) for full in names)


def _short_cluster_has(arg: str, letters: str) -> bool:
    """Whether a ``-abc`` style argument contains one of ``letters`` (values attached included)."""
    if not arg.startswith("-") or arg.startswith("--") or len(arg) < 2:
        return False
    return any(letter in arg[1:] for letter in letters)


def _base64_is_safe(args: Sequence[str]) -> bool:
    return not any(
        arg == "-o" or _short_cluster_has(arg, "o") or _abbreviates(arg, ("output",))
        for arg in args
    )


def _find_is_safe(args: Sequence[str]) -> bool:
    return not any(arg in _FIND_UNSAFE for arg in args)


def _rg_is_safe(args: Sequence[str]) -> bool:
    for arg in args:
        # --pre runs a command per file; --hostname-bin runs a command; -z/--search-zip runs
        # decompressors.
        if _abbreviates(arg, ("pre", "hostname-bin", "search-zip")):
            return False
        if _short_cluster_has(arg, "z"):
            return False
    return True


def _sed_is_safe(args: Sequence[str]) -> bool:
    # Only `sed -n {N|M,N}p [FILE]`.
    return 2 <= len(args) <= 3 and args[0] == "-n" and _SED_PRINT_RANGE.match(args[1]) is not None


def _sort_is_safe(args: Sequence[str]) -> bool:
    # -o/--output writes a file; --compress-program runs one.
    return not any(
        _short_cluster_has(arg, "o") or _abbreviates(arg, ("output", "compress-program"))
        for arg in args
    )


def _tree_is_safe(args: Sequence[str]) -> bool:
    # -o writes the listing to a file; -R re-runs tree writing 00Tree.html everywhere.
    return not any(_short_cluster_has(arg, "oR") or _abbreviates(arg, ("output",)) for arg in args)


def _file_is_safe(args: Sequence[str]) -> bool:
    # -C/--compile writes a compiled magic file.
    return not any(_short_cluster_has(arg, "C") or _abbreviates(arg, ("compile",)) for arg in args)


_UNIQ_OPTIONS_WITH_VALUE = frozenset(
    {"-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"}
)


def _uniq_is_safe(args: Sequence[str]) -> bool:
    # `uniq INPUT OUTPUT` writes OUTPUT: allow at most one file operand.
    operands = 0
    options_done = False
    i = 0
    while i < len(args):
        arg = args[i]
        if options_done or arg == "-" or not arg.startswith("-"):
            operands += 1
        elif arg == "--":
            options_done = True
        elif arg in _UNIQ_OPTIONS_WITH_VALUE:
            i += 1
        i += 1
    return operands <= 1


def _git_has_config_override(argv: Sequence[str]) -> bool:
    # `-c core.pager=...` and friends can make git run arbitrary programs.
    return any(
        arg in ("-c", "--config-env")
        or (arg.startswith("-c") and len(arg) > 2)
        or arg.startswith("--config-env=")
        for arg in argv
    )


def _git_global_option_with_value(arg: str) -> bool:
    return arg in (
        "-C",
        "-c",
        "--config-env",
        "--exec-path",
        "--git-dir",
        "--namespace",
        "--super-prefix",
        "--work-tree",
    )


def _git_global_option_with_inline_value(arg: str) -> bool:
    return arg.startswith(
        (
            "--config-env=",
            "--exec-path=",
            "--git-dir=",
            "--namespace=",
            "--super-prefix=",
            "--work-tree=",
        )
    ) or (arg.startswith(("-C", "-c")) and len(arg) > 2)


def find_git_subcommand(argv: Sequence[str], subcommands: Sequence[str]) -> tuple[int, str] | None:
    """Index and name of git's subcommand if it is one of ``subcommands``.

    Skips the global options that may precede it (``-C dir``, ``--git-dir=...``). The first word
    that is not an option is the subcommand; later words (branch names, paths) never are.
    """
    if not argv or is_trusted_executable_path(argv[0]) != "git":
        return None
    skip_next = False
    for idx in range(1, len(argv)):
        arg = argv[idx]
        if skip_next:
            skip_next = False
            continue
        if _git_global_option_with_inline_value(arg):
            continue
        if _git_global_option_with_value(arg):
            skip_next = True
            continue
        if arg == "--" or arg.startswith("-"):
            continue
        if arg in subcommands:
            return idx, arg
        return None
    return None


def _git_subcommand_args_are_read_only(args: Sequence[str]) -> bool:
    return not any(_abbreviates(arg, _GIT_UNSAFE_LONG, _GIT_EXACT_SAFE_LONG) for arg in args)


def _git_branch_is_read_only(args: Sequence[str]) -> bool:
    # Listing only: any other flag or a positional may create, rename or delete a branch.
    if not args:
        return True
    saw_read_only_flag = False
    for arg in args:
        if arg in _GIT_BRANCH_READ_ONLY_FLAGS or arg.startswith("--format="):
            saw_read_only_flag = True
        else:
            return False
    return saw_read_only_flag


def _git_is_safe(argv: Sequence[str]) -> bool:
    if _git_has_config_override(argv):
        return False
    found = find_git_subcommand(argv, _GIT_READ_ONLY_SUBCOMMANDS)
    if found is None:
        return False
    idx, subcommand = found
    for arg in argv[1:idx]:
        # `git -p` pages through a configurable pager; `--exec-path=DIR` runs helpers from DIR.
        if arg in ("-p", "--paginate") or arg.startswith("--exec-path="):
            return False
    args = argv[idx + 1 :]
    if not _git_subcommand_args_are_read_only(args):
        return False
    if subcommand == "branch":
        return _git_branch_is_read_only(args)
    return True


_GUARDED: dict[str, Callable[[Sequence[str]], bool]] = {
    "base64": _base64_is_safe,
    "find": _find_is_safe,
    "rg": _rg_is_safe,
    "sed": _sed_is_safe,
    "sort": _sort_is_safe,
    "tree": _tree_is_safe,
    "file": _file_is_safe,
    "uniq": _uniq_is_safe,
}


def is_safe_to_call_with_exec(argv: Sequence[str]) -> bool:
    """Whether one plain argv (no shell involved) only reads."""
    if not argv:
        return False
    name = is_trusted_executable_path(argv[0])
    if name is None:
        return False
    if name in _ALWAYS_SAFE:
        return True
    if name in _LINUX_SAFE:
        return sys.platform.startswith("linux")
    if name == "git":
        return _git_is_safe(argv)
    guard = _GUARDED.get(name)
    return guard is not None and guard(argv[1:])


def is_known_safe_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` only reads: a known-safe program, or a shell script of nothing else."""
    argv = list(argv)
    if is_safe_to_call_with_exec(argv):
        return True
    commands = parse_shell_lc_plain_commands(argv)
    if not commands:
        return False  # not a plain script, or an empty one: nothing to vouch for
    return all(is_safe_to_call_with_exec(cmd) for cmd in commands)
