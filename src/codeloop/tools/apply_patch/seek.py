"""Finding a chunk's lines in a file (codex-rs ``seek_sequence.rs``), fast on large files.

A pattern matches at the first position at or after the cursor, trying four ever looser tiers
in turn over the whole remaining file: exact; ignoring trailing whitespace; ignoring surrounding
whitespace; and then also with typographic dashes, quotes and odd spaces read as ASCII (so a
patch written in ASCII still finds ``don’t`` or ``a – b``). With ``eof`` the pattern must end
the file. Semantics are Codex's, with one guard: an ``eof`` match may not start before the
cursor (Codex would let it overlap the previous chunk's replacement).

Speed: a :class:`LineMatcher` is built once per file and serves every chunk, so work is shared:

- each tier's keys (stripped or normalised lines) are computed at most once, on first need, and
  the normalising tier works on the whole file at once (``str.translate`` per line is slow);
- a search first scans a few hundred lines from the cursor with ``list.index`` (C speed; the
  next chunk is usually close), then rejects in O(pattern) a pattern with a line that occurs
  nowhere in the file (the usual case for the stricter tiers when a looser one is needed), and
  only then scans on; a tier that keeps scanning far or meeting false starts builds a line ->
  positions index and looks up the pattern's rarest line instead.

So 2,000 chunks on a 200,000-line file stay linear instead of quadratic, fuzzy or not.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["LineMatcher", "normalise", "seek_sequence"]

#: Characters the loosest tier reads as ASCII (Codex's list).
_ASCII_FOR: dict[str, str] = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
    **dict.fromkeys(
        "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "
    ),
}
_PUNCTUATION = str.maketrans(_ASCII_FOR)


def normalise(line: str) -> str:
    """The loosest key: whitespace trimmed, Unicode dashes, quotes and spaces made ASCII."""
    line = line.strip()
    return line if line.isascii() else line.translate(_PUNCTUATION)


def _normalise_all(lines: list[str]) -> list[str]:
    """``[normalise(line) for line in lines]``, an order of magnitude faster on big files."""
    text = "\n".join(lines)  # lines never contain "\n"
    if not text.isascii():
        for char, ascii_char in _ASCII_FOR.items():
            if char in text:
                text = text.replace(char, ascii_char)
    # Stripping after the replacement is the same as before: the spaces replaced are whitespace.
    return list(map(str.strip, text.split("\n"))) if lines else []


#: Per tier: how to key one pattern line, and all the file's lines. ``None``: the lines as-is.
_TIERS: tuple[tuple[Callable[[str], str], Callable[[list[str]], list[str]]] | None, ...] = (
    None,
    (str.rstrip, lambda lines: list(map(str.rstrip, lines))),
    (str.strip, lambda lines: list(map(str.strip, lines))),
    (normalise, _normalise_all),
)
_NEAR = 256  # lines scanned from the cursor before anything cleverer
_SMALL_WINDOW = 8  # candidate starts below which a plain loop over fresh keys is cheapest
_MAX_FALSE_STARTS = 64  # per scan, before switching the tier to an index
_SCAN_BUDGET = 32  # file lengths of cumulative far scanning per tier before indexing it


class LineMatcher:
    """Searches one file's lines for patterns, reusing per-tier work across searches."""

    __slots__ = ("_index", "_keys", "_keysets", "_lines", "_scanned")

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._keys: list[list[str] | None] = [lines, None, None, None]
        self._keysets: list[set[str] | None] = [None] * len(_TIERS)
        self._index: list[dict[str, list[int]] | None] = [None] * len(_TIERS)
        self._scanned = [0] * len(_TIERS)

    @property
    def lines(self) -> list[str]:
        return self._lines

    def seek(self, pattern: Sequence[str], start: int, eof: bool = False) -> int | None:
        """First index ``>= start`` where ``pattern`` matches (see the module doc), or ``None``.

        An empty pattern matches at ``start``; with ``eof`` the only candidate is the position
        that puts the pattern's last line on the file's last line.
        """
        if not pattern:
            return start
        n, m = len(self._lines), len(pattern)
        if m > n:
            return None
        hi = n - m
        lo = hi if eof else max(start, 0)
        if (eof and lo < start) or lo > hi:
            return None
        for tier, funcs in enumerate(_TIERS):
            pat = list(pattern) if funcs is None else [funcs[0](line) for line in pattern]
            found = self._find(tier, pat, lo, hi)
            if found is not None:
                return found
        return None

    # -- one tier -------------------------------------------------------------------------------

    def _tier_keys(self, tier: int) -> list[str]:
        keys = self._keys[tier]
        if keys is None:
            funcs = _TIERS[tier]
            assert funcs is not None  # the exact tier's keys are the lines, set in __init__
            keys = self._keys[tier] = funcs[1](self._lines)
        return keys

    def _find(self, tier: int, pat: list[str], lo: int, hi: int) -> int | None:
        if hi - lo < _SMALL_WINDOW and self._keys[tier] is None:
            return self._find_fresh(tier, pat, lo, hi)
        keys = self._tier_keys(tier)
        keyset = self._keysets[tier]
        if keyset is not None and not keyset.issuperset(pat):
            return None  # a pattern line occurs nowhere (known from an earlier search)
        index = self._index[tier]
        if index is not None:
            return _find_indexed(keys, index, pat, lo, hi)
        # 1. Near the cursor, where the next chunk usually is.
        near = min(hi, lo + _NEAR)
        found, reached, gave_up = _scan(keys, pat, lo, near)
        if found is not None or (near == hi and not gave_up):
            return found
        # 2. A pattern line that occurs nowhere rules the tier out at once.
        if keyset is None:
            keyset = self._keysets[tier] = set(keys)
            if not keyset.issuperset(pat):
                return None
        # 3. Scan on; a tier that scans far too often, or meets many false starts, is indexed.
        if not gave_up:
            found, reached, gave_up = _scan(keys, pat, near + 1, hi)
            self._scanned[tier] += reached - lo
            if not gave_up:
                if self._scanned[tier] > _SCAN_BUDGET * len(keys):
                    self._index[tier] = _build_index(keys)
                return found
        index = self._index[tier] = _build_index(keys)
        return _find_indexed(keys, index, pat, lo, hi)

    def _find_fresh(self, tier: int, pat: list[str], lo: int, hi: int) -> int | None:
        """A few candidates (the eof case): key just those lines, not the whole file."""
        funcs = _TIERS[tier]
        assert funcs is not None
        key, lines, m = funcs[0], self._lines, len(pat)
        for i in range(lo, hi + 1):
            if all(key(lines[i + k]) == pat[k] for k in range(m)):
                return i
        return None


def _scan(keys: list[str], pat: list[str], lo: int, hi: int) -> tuple[int | None, int, bool]:
    """Linear search with ``list.index`` for a start in ``[lo, hi]``.

    Returns (match or None, position reached, gave up after too many false starts).
    """
    first, rest, m = pat[0], pat[1:], len(pat)
    limit = hi + 1
    i = lo
    false_starts = 0
    while True:
        try:
            i = keys.index(first, i, limit)
        except ValueError:
            return None, hi, False
        if m == 1 or keys[i + 1 : i + m] == rest:
            return i, i, False
        false_starts += 1
        if false_starts >= _MAX_FALSE_STARTS:
            return None, i, True
        i += 1


def _build_index(keys: list[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        bucket = index.get(key)
        if bucket is None:
            index[key] = [position]
        else:
            bucket.append(position)
    return index


def _find_indexed(
    keys: list[str], index: dict[str, list[int]], pat: list[str], lo: int, hi: int
) -> int | None:
    """Search through the positions of the pattern's rarest line (same result as a scan)."""
    anchor = 0
    positions: list[int] | None = None
    for offset, key in enumerate(pat):
        found = index.get(key)
        if found is None:
            return None  # this line occurs nowhere in the file
        if positions is None or len(found) < len(positions):
            anchor, positions = offset, found
            if len(found) == 1:
                break
    assert positions is not None
    m = len(pat)
    for p in range(bisect_left(positions, lo + anchor), len(positions)):
        s = positions[p] - anchor
        if s > hi:
            return None
        if keys[s : s + m] == pat:
            return s
    return None


def seek_sequence(
    lines: list[str], pattern: Sequence[str], start: int, eof: bool = False
) -> int | None:
    """One-off :meth:`LineMatcher.seek` (build a :class:`LineMatcher` to search a file often)."""
    return LineMatcher(lines).seek(pattern, start, eof)
