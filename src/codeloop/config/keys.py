"""Dotted TOML keys: parse ``a.b."c.d"`` into parts and write parts back as one key.

Shared by ``-c key=value`` parsing, the line locator and error messages, so that a key is spelled
the same way wherever a person sees it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["KeyPath", "join_key", "read_key", "split_key"]

#: A location in a document: table keys, and list indices where msgspec reports them.
KeyPath = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_LITERAL = re.compile(r"'([^'\n]*)'")
_SPACE = " \t"


def _unescape(raw: str) -> str:
    """Decode a TOML basic string body; JSON escapes cover the common cases."""
    if "\\" not in raw:
        return raw
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw


def read_key(text: str, pos: int = 0) -> tuple[tuple[str, ...], int] | None:
    """Read a dotted key starting at ``pos``; return its parts and the position after it.

    Whitespace around the dots is allowed, as TOML allows it. Returns ``None`` when no key starts
    at ``pos``.
    """
    parts: list[str] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in _SPACE:
            pos += 1
        if pos >= n:
            return None
        ch = text[pos]
        if ch == '"':
            m = _BASIC.match(text, pos)
            if m is None:
                return None
            parts.append(_unescape(m.group(1)))
        elif ch == "'":
            m = _LITERAL.match(text, pos)
            if m is None:
                return None
            parts.append(m.group(1))
        else:
            m = _BARE.match(text, pos)
            if m is None:
                return None
            parts.append(m.group(0))
        pos = m.end()
        dot = pos
        while dot < n and text[dot] in _SPACE:
            dot += 1
        if dot < n and text[dot] == ".":
            pos = dot + 1
            continue
        return tuple(parts), pos


def split_key(text: str) -> tuple[str, ...]:
    """Parse a whole string as a dotted key; raise :class:`ValueError` if it is not one."""
    got = read_key(text)
    if got is None or text[got[1] :].strip():
        raise ValueError(f"not a valid key: {text!r}")
    return got[0]


def join_key(path: Sequence[str | int]) -> str:
    """Write a key path the way a person would type it: ``model_providers.x.wire_api``.

    Parts that are not bare keys are quoted (``projects."/home/me"``); list indices are written
    ``notify[0]``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        text = part if _BARE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out.append(f".{text}" if out else text)
    return "".join(out)
