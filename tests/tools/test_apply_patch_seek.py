"""Finding a chunk's old lines: the four tiers, eof anchoring, and the fast paths' equivalence
with a plain reading of codex-rs ``seek_sequence.rs``."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from codeloop.tools.apply_patch import seek_sequence
from codeloop.tools.apply_patch.seek import LineMatcher, normalise


def reference_seek(lines: list[str], pattern: list[str], start: int, eof: bool) -> int | None:
    """Codex's algorithm, literally (plus the guard that an eof match cannot precede start)."""
    if not pattern:
        return start
    if len(pattern) > len(lines):
        return None
    search_start = len(lines) - len(pattern) if eof else start
    if eof and search_start < start:
        return None
    for key in (lambda s: s, str.rstrip, str.strip, normalise):
        for i in range(search_start, len(lines) - len(pattern) + 1):
            if all(key(lines[i + k]) == key(p) for k, p in enumerate(pattern)):
                return i
    return None


def test_exact_match() -> None:
    assert seek_sequence(["foo", "bar", "baz"], ["bar", "baz"], 0) == 1


def test_ignoring_trailing_whitespace() -> None:
    assert seek_sequence(["foo   ", "bar\t\t"], ["foo", "bar"], 0) == 0


def test_ignoring_surrounding_whitespace() -> None:
    assert seek_sequence(["    foo   ", "   bar\t"], ["foo", "bar"], 0) == 0


def test_pattern_longer_than_input() -> None:
    assert seek_sequence(["just one line"], ["too", "many", "lines"], 0) is None


def test_empty_pattern_matches_at_start() -> None:
    assert seek_sequence(["a", "b"], [], 1) == 1


def test_search_starts_at_the_cursor() -> None:
    assert seek_sequence(["x", "y", "x", "y"], ["x"], 1) == 2
    assert seek_sequence(["x", "y"], ["x"], 1) is None


def test_stricter_tier_anywhere_wins_over_looser_tier_earlier() -> None:
    # Codex tries each tier over the whole remaining file before the next tier.
    assert seek_sequence(["  foo", "foo"], ["foo"], 0) == 1


def test_unicode_dashes_quotes_and_spaces_match_ascii() -> None:
    lines = [
        "import asyncio  # local import \u2013 avoids top\u2011level dep",
        "print(\u201chello\u201d, \u2018x\u2019)",
        "a\u00a0=\u2009b \u2212 c\u2014d",
    ]
    assert seek_sequence(lines, ["import asyncio  # local import - avoids top-level dep"], 0) == 0
    assert seek_sequence(lines, ["print(\"hello\", 'x')"], 0) == 1
    assert seek_sequence(lines, ["a = b - c-d"], 0) == 2


def test_normalise() -> None:
    assert normalise("\u00a0 \u201cq\u201d \u2010\u2011\u2012\u2013\u2014\u2015\u2212 ") == (
        '"q" -------'
    )
    assert normalise("  plain  ") == "plain"


def test_eof_anchors_at_the_end() -> None:
    lines = ["a", "b", "a", "b"]
    assert seek_sequence(lines, ["a", "b"], 0, eof=True) == 2
    assert seek_sequence(["a", "b", "c"], ["a", "b"], 0, eof=True) is None


def test_eof_match_never_precedes_the_cursor() -> None:
    assert seek_sequence(["a", "b", "c"], ["b", "c"], 2, eof=True) is None


def test_eof_with_fuzzy_tiers() -> None:
    assert seek_sequence(["x", "  last \u2013 line  "], ["last - line"], 0, eof=True) == 1


def test_big_file_uses_the_fast_paths_and_agrees_with_the_reference() -> None:
    rng = random.Random(5)
    vocabulary = ["", "    return x", "}", "pass", *(f"line {i}" for i in range(50))]
    lines = [rng.choice(vocabulary) for _ in range(5_000)]
    lines += [f"  tail {i} \u2013 end  " for i in range(10)]
    matcher = LineMatcher(lines)
    cursor = 0
    for _ in range(300):
        start = rng.randrange(len(lines) - 5)
        length = rng.randrange(1, 4)
        pattern = lines[start : start + length]
        if rng.random() < 0.3:
            pattern = [p.strip() + "   " for p in pattern]  # needs a looser tier
        if rng.random() < 0.1:
            pattern = [*pattern, "never in the file"]
        cursor = rng.choice([0, cursor, start, max(0, start - 3)])
        eof = rng.random() < 0.05
        expected = reference_seek(lines, pattern, cursor, eof)
        assert matcher.seek(pattern, cursor, eof) == expected, (pattern, cursor, eof)
    assert matcher.seek(["tail 3 - end"], 0) == len(lines) - 7


def test_many_false_starts_switch_to_an_index_with_the_same_answers() -> None:
    lines = ["x"] * 3_000 + ["x", "y"]
    matcher = LineMatcher(lines)
    assert matcher.seek(["x", "y"], 0) == 3_000
    assert matcher.seek(["x", "y"], 10) == 3_000
    assert matcher.seek(["x", "x", "y"], 0) == 2_999
    assert matcher.seek(["y", "x"], 0) is None


_lines = st.lists(st.sampled_from(["a", "b", " a", "a ", "\u2013", "-", ""]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    lines=_lines,
    searches=st.lists(
        st.tuples(_lines.map(lambda xs: xs[:4]), st.integers(0, 32), st.booleans()), max_size=8
    ),
)
def test_matcher_agrees_with_the_reference(
    lines: list[str], searches: list[tuple[list[str], int, bool]]
) -> None:
    matcher = LineMatcher(lines)  # one matcher across searches: cached keys must not leak
    for pattern, start, eof in searches:
        assert matcher.seek(pattern, start, eof) == reference_seek(lines, pattern, start, eof)
