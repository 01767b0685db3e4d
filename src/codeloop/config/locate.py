"""Find the line of a key in TOML text.

``tomllib`` gives values but no positions, and a configuration error must name its line. So the
text is scanned once, line by line, following ``[table]`` headers and dotted keys, skipping
multi-line strings and arrays. The loader does this only when it has an error or a warning to
report, or when someone asks where values came from: the common path never pays for it.

Inline tables are best effort: a key inside ``x = { a = 1 }`` is reported at the line of ``x``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.config.keys import read_key, split_key

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["KeyLines", "find_key_line"]


class _Scan:
    """Where a value's text is between lines: open brackets and an open multi-line string."""

    __slots__ = ("depth", "quote")

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.quote is not None

    def feed(self, line: str, pos: int = 0) -> None:
        """Advance over ``line[pos:]``: strings, brackets and a trailing comment."""
        n = len(line)
        while pos < n:
            if self.quote is not None:
                end = line.find(self.quote, pos)
                while end > 0 and self.quote == '"""' and _escaped(line, end):
                    end = line.find(self.quote, end + 1)
                if end < 0:
                    return
                pos = end + 3
                self.quote = None
                continue
            ch = line[pos]
            if ch == "#":
                return
            if ch in "\"'":
                triple = ch * 3
                if line.startswith(triple, pos):
                    self.quote = triple
                    pos += 3
                    continue
                pos = _end_of_string(line, pos)
                continue
            if ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth = max(0, self.depth - 1)
            pos += 1


def _escaped(line: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and line[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _end_of_string(line: str, pos: int) -> int:
    """Position after the one-line string starting at ``pos`` (or the end of the line)."""
    quote = line[pos]
    i = pos + 1
    while i < len(line):
        if line[i] == quote and (quote == "'" or not _escaped(line, i)):
            return i + 1
        i += 1
    return i


class KeyLines:
    """Every key of a TOML text mapped to the (1-based) line that defines it."""

    __slots__ = ("_lines",)

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        scan = _Scan()
        for lineno, line in enumerate(text.splitlines(), 1):
            if scan.open:
                scan.feed(line)
                continue
            stripped = line.lstrip()
            if not stripped or stripped[0] == "#":
                continue
            start = len(line) - len(stripped)
            if stripped[0] == "[":
                array = stripped.startswith("[[")
                got = read_key(line, start + (2 if array else 1))
                if got is not None:
                    table = got[0]
                    self._record(table, lineno)
                continue
            got = read_key(line, start)
            if got is None:
                continue
            parts, pos = got
            eq = line.find("=", pos)
            if eq < 0:
                continue
            self._record(table + parts, lineno)
            scan.feed(line, eq + 1)

    def _record(self, path: tuple[str, ...], lineno: int) -> None:
        lines = self._lines
        for i in range(1, len(path) + 1):
            lines.setdefault(path[:i], lineno)

    def line_of(self, path: Sequence[str | int] | str) -> int | None:
        """The line of ``path``, else of its nearest enclosing key found; ``None`` if none is.

        List indices in ``path`` are skipped: an element is reported at its array's line.
        """
        parts = (
            split_key(path)
            if isinstance(path, str)
            else tuple(p for p in path if isinstance(p, str))
        )
        while parts:
            line = self._lines.get(parts)
            if line is not None:
                return line
            parts = parts[:-1]
        return None


def find_key_line(text: str, key: Sequence[str | int] | str) -> int | None:
    """The line of ``key`` (dotted string or parts) in TOML ``text``; ``None`` if not found."""
    return KeyLines(text).line_of(key)
