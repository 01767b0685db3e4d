"""Split a ``bash -lc "<script>"`` into plain commands, or refuse to.

Codex parses the script with tree-sitter and accepts only plain words joined by ``&&``, ``||``,
``;`` and ``|``. This is a small hand-written lexer with the same contract, and stricter: it refuses
anything whose words the shell would change before running them (expansions, globs, tilde,
assignments) or that does more than run commands (redirections, subshells, groups, background jobs,
here-docs, comments, control flow). ``shlex`` alone cannot do this because it forgets which
characters were quoted: ``'*'`` and ``*`` come out the same.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "extract_shell_script",
    "is_trusted_executable_path",
    "parse_shell_lc_plain_commands",
    "parse_shell_script",
]

#: Shells whose ``-c``/``-lc`` scripts we read (Codex: bash, zsh, sh).
SHELLS = frozenset({"bash", "zsh", "sh"})

#: Directories where an absolute program path still names the system tool, not a workspace file.
TRUSTED_BIN_DIRS = frozenset(
    {
        "/bin",
        "/usr/bin",
        "/usr/local/bin",
        "/sbin",
        "/usr/sbin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
    }
)

#: Unquoted characters that make a word mean something other than itself.
_SPECIAL = frozenset("$`(){}<>*?[!")

#: Words the shell reads as syntax when they stand first in a command.
_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "function",
        "time",
        "coproc",
        "in",
    }
)

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


def is_trusted_executable_path(program: str) -> str | None:
    """The tool name of ``program`` if it is a bare name or lives in a system bin directory.

    ``./ls`` or ``/home/me/project/ls`` could be anything the workspace put there, so they do not
    count as ``ls`` (Codex matches on the file name alone; we are stricter).
    """
    if not program or "\0" in program:
        return None
    if "/" not in program:
        return program
    path = PurePosixPath(program)
    if str(path.parent) in TRUSTED_BIN_DIRS and path.name:
        return path.name
    return None


def extract_shell_script(argv: Sequence[str]) -> tuple[str, str] | None:
    """``(shell, script)`` when ``argv`` is exactly ``[bash|zsh|sh, -c|-lc, script]``."""
    if len(argv) != 3:
        return None
    shell, flag, script = argv
    if flag not in ("-c", "-lc"):
        return None
    if is_trusted_executable_path(shell) not in SHELLS:
        return None
    return shell, script


def parse_shell_lc_plain_commands(argv: Sequence[str]) -> list[list[str]] | None:
    """The plain commands of a ``bash -lc "..."`` argv, or ``None`` if it is not one."""
    extracted = extract_shell_script(argv)
    if extracted is None:
        return None
    return parse_shell_script(extracted[1])


class _Lexer:
    """One pass over the script; any construct it cannot vouch for aborts with ``None``."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.commands: list[list[str]] = []
        self.current: list[str] = []
        #: Characters of the word being read, or ``None`` between words.
        self.word: list[str] | None = None
        #: The unquoted, unescaped start of the current word (to spot ``NAME=value``).
        self.plain_prefix = ""
        self.prefix_open = True
        self.word_all_plain = True
        #: The previous character if it was unquoted and unescaped, else "".
        self.prev_plain = ""
        #: The last operator needs a command after it (``&&``, ``||``, ``|``).
        self.needs_command = False

    def start_word(self) -> list[str]:
        if self.word is None:
            self.word = []
            self.plain_prefix = ""
            self.prefix_open = True
            self.word_all_plain = True
        return self.word

    def add_plain(self, char: str) -> None:
        self.start_word().append(char)
        if self.prefix_open:
            self.plain_prefix += char
        self.prev_plain = char

    def add_quoted(self, text: str) -> None:
        self.start_word().append(text)
        self.prefix_open = False
        self.word_all_plain = False
        self.prev_plain = ""

    def end_word(self) -> bool:
        """Close the current word; False if it turns out to be shell syntax."""
        self.prev_plain = ""
        if self.word is None:
            return True
        text = "".join(self.word)
        first = not self.current
        self.word = None
        if first:
            if _ASSIGNMENT.match(self.plain_prefix):
                return False
            if self.word_all_plain and text in _RESERVED:
                return False
        self.current.append(text)
        self.needs_command = False
        return True

    def separator(self, op: str) -> bool:
        """Finish the current command at ``op``; False on an empty command where one is needed."""
        if not self.end_word():
            return False
        if not self.current:
            # A newline may follow `&&`/`||`/`|` or stand alone; `;` and the others may not.
            return op == "\n"
        self.commands.append(self.current)
        self.current = []
        self.needs_command = op in ("&&", "||", "|")
        return True

    def run(self) -> list[list[str]] | None:
        script = self.script
        n = len(script)
        i = 0
        while i < n:
            c = script[i]
            if c == "\0":
                return None
            if c in " \t":
                if not self.end_word():
                    return None
                i += 1
            elif c == "\n":
                if not self.separator("\n"):
                    return None
                i += 1
            elif c == "\\":
                if i + 1 >= n:
                    return None
                nxt = script[i + 1]
                if nxt != "\n":  # backslash-newline is a line continuation: nothing
                    self.add_quoted(nxt)
                i += 2
            elif c == "'":
                end = script.find("'", i + 1)
                if end < 0:
                    return None
                self.add_quoted(script[i + 1 : end])
                i = end + 1
            elif c == '"':
                closed = self.double_quoted(i + 1)
                if closed is None:
                    return None
                i = closed
            elif c in "&|;":
                op = c
                if c in "&|" and i + 1 < n and script[i + 1] == c:
                    op = c * 2
                if op == "&" or (op == ";" and i + 1 < n and script[i + 1] in ";&"):
                    return None  # background job, `;;`, `;&`
                if op == "|" and i + 1 < n and script[i + 1] == "&":
                    return None  # `|&` also pipes stderr: fine, but not plain
                if not self.separator(op):
                    return None
                i += len(op)
            elif c in _SPECIAL:
                return None
            elif c == "#" and self.word is None:
                return None  # a comment: could hide anything from a reader
            elif c == "~" and (self.word is None or self.prev_plain in ("=", ":")):
                return None  # tilde expansion
            else:
                self.add_plain(c)
                i += 1
        if not self.end_word():
            return None
        if self.current:
            self.commands.append(self.current)
        elif self.needs_command:
            return None  # trailing `&&`, `||` or `|`
        return self.commands

    def double_quoted(self, i: int) -> int | None:
        """Read a double-quoted string starting after its quote; the index after the closing one."""
        script = self.script
        n = len(script)
        chars: list[str] = []
        while i < n:
            d = script[i]
            if d == '"':
                self.add_quoted("".join(chars))
                return i + 1
            if d in "$`\0":
                return None  # expansion inside double quotes
            if d == "\\" and i + 1 < n:
                e = script[i + 1]
                if e in '$`"\\':
                    chars.append(e)
                    i += 2
                    continue
                if e == "\n":
                    i += 2
                    continue
            chars.append(d)
            i += 1
        return None  # unterminated


def parse_shell_script(script: str) -> list[list[str]] | None:
    """The argv of every command in ``script``, or ``None`` unless it is plain words and operators.

    ``"ls -l && grep -n 'a b' f | wc -l"`` gives ``[["ls", "-l"], ["grep", "-n", "a b", "f"],
    ["wc", "-l"]]``. An empty script gives ``[]`` (callers treat that as "nothing to trust").
    """
    return _Lexer(script).run()
