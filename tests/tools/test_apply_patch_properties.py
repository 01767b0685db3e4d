"""Properties: any text fails only with PatchError, plans agree with applies, render inverts
parse, and a patch made from a real diff turns the old file into the new one."""

from __future__ import annotations

import difflib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codeloop.errors import PatchError
from codeloop.tools.apply_patch import (
    AddFile,
    DeleteFile,
    Hunk,
    Patch,
    UpdateChunk,
    UpdateFile,
    apply_patch,
    apply_planned,
    parse_patch,
    plan_patch,
    render_patch,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- building blocks ------------------------------------------------------------------------------

NAMES = ["a.txt", "b/c.txt", "dir", "bin", "new.txt", "x/", ".", "", " ", "a.txt/z", "\x00"]
WORDS = ["", " ", "x", "line", "  indented", "tab\tbed", "naïve – ‘q’", "\u00a0nbsp", "@@", "*"]
PREFIXES = [
    "*** Begin Patch",
    "*** End Patch",
    "*** Add File: ",
    "*** Delete File: ",
    "*** Update File: ",
    "*** Move to: ",
    "*** End of File",
    "@@",
    "@@ ",
    " ",
    "+",
    "-",
    "",
    "<<'EOF'",
    "EOF",
]

line_text = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
patch_line = st.one_of(
    st.builds(lambda p, w: p + w, st.sampled_from(PREFIXES), st.sampled_from(NAMES + WORDS)),
    st.builds(lambda p, w: p + w, st.sampled_from(PREFIXES), line_text),
)
structured_text = st.builds(
    lambda begin, body, end, sep: sep.join([*begin, *body, *end]),
    st.sampled_from([["*** Begin Patch"], [" *** Begin Patch "], ["<<EOF", "*** Begin Patch"], []]),
    st.lists(patch_line, max_size=14),
    st.sampled_from([["*** End Patch"], ["*** End Patch", "EOF"], []]),
    st.sampled_from(["\n", "\r\n"]),
)
any_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(exclude_categories=())),  # with lone surrogates
    structured_text,
)

VALID = (
    "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** Delete File: bin\n"
    "*** Update File: a.txt\n*** Move to: b/c.txt\n@@ line\n-  indented\n+changed\n"
    " tab\tbed\n@@\n+appended\n*** End of File\n*** End Patch\n"
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The valid patch with a few characters or lines inserted, deleted or replaced."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        insert = draw(st.one_of(st.text(max_size=6), patch_line.map(lambda s: s + "\n")))
        text = text[:at] + insert + text[at + cut :]
    return text


def populate(root: Path) -> None:
    """A small tree the patches can hit: text files, a folder, a file that is not UTF-8."""
    (root / "a.txt").write_text("line\n  indented\ntab\tbed\nnaïve – ‘q’\n", encoding="utf-8")
    (root / "b").mkdir()
    (root / "b" / "c.txt").write_bytes(b"x\r\nline\r\n")
    (root / "dir").mkdir()
    (root / "bin").write_bytes(b"\xff\x00\xfe")


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "work"
        root.mkdir()
        populate(root)
        yield root


def stays_inside(patch: Patch) -> bool:
    """Whether every path is relative and without ``..``: safe to apply in a scratch folder."""
    for hunk in patch.hunks:
        paths = [hunk.path] + (
            [hunk.move_path] if isinstance(hunk, UpdateFile) and hunk.move_path else []
        )
        for path in paths:
            if os.path.isabs(path) or ".." in Path(path).parts or path.startswith("~"):
                return False
    return True


def check_never_raises_other_errors(text: str) -> None:
    try:
        patch = parse_patch(text)
    except PatchError:
        return
    if not stays_inside(patch):
        return
    with scratch() as root:
        try:
            planned = plan_patch(patch, root)
        except PatchError:
            planned = None
        assert snapshot(root) == snapshot_of_populated(), "planning must not write"
        try:
            apply_patch(patch, root)
        except PatchError:
            assert planned is None, "a plan that succeeds must apply"
            return
        applied = snapshot(root)
    if planned is not None:
        with scratch() as root:
            replanned = plan_patch(patch, root)
            apply_planned(replanned)
            assert snapshot(root) == applied, "plan + apply_planned == apply_patch"


_POPULATED: dict[str, bytes | None] = {}


def snapshot_of_populated() -> dict[str, bytes | None]:
    if not _POPULATED:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            populate(root)
            _POPULATED.update(snapshot(root))
    return _POPULATED


# -- only PatchError ------------------------------------------------------------------------------


@SETTINGS
@given(any_text)
def test_random_text_raises_only_patch_errors(text: str) -> None:
    check_never_raises_other_errors(text)


@SETTINGS
@given(mutated())
def test_mutated_patches_raise_only_patch_errors(text: str) -> None:
    check_never_raises_other_errors(text)


def test_the_unmutated_patch_applies() -> None:
    with scratch() as root:
        result = apply_patch(VALID, root)
        assert result.summary == (
            "Success. Updated the following files:\nA new.txt\nM b/c.txt\nD bin\n"
        )
        assert (root / "b" / "c.txt").read_text(encoding="utf-8") == (
            "line\nchanged\ntab\tbed\nnaïve – ‘q’\nappended\n"
        )


# -- render inverts parse -------------------------------------------------------------------------

_no_breaks = st.characters(exclude_characters="\n\r", exclude_categories=["Cs"])
content = st.text(alphabet=_no_breaks, max_size=10)
path_text = st.text(alphabet=_no_breaks, min_size=1, max_size=12).filter(
    lambda s: s == s.strip() and bool(s)
)
context_text = st.text(alphabet=_no_breaks, min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())
)


@st.composite
def update_chunks(draw: st.DrawFn) -> UpdateChunk:
    ops = draw(st.lists(st.tuples(st.sampled_from(" -+"), content), min_size=1, max_size=6))
    old: list[str] = []
    new: list[str] = []
    pairs: list[tuple[int, int]] = []
    for tag, text in ops:
        if tag == " ":
            pairs.append((len(old), len(new)))
        if tag in " -":
            old.append(text)
        if tag in " +":
            new.append(text)
    return UpdateChunk(
        change_context=draw(st.none() | context_text),
        old_lines=old,
        new_lines=new,
        is_end_of_file=draw(st.booleans()),
        context_line_indices=pairs,
    )


hunks: st.SearchStrategy[Hunk] = st.one_of(
    st.builds(
        AddFile,
        path_text,
        st.lists(content, max_size=5).map(lambda ls: "".join(f"{x}\n" for x in ls)),
    ),
    st.builds(DeleteFile, path_text),
    st.builds(
        UpdateFile,
        path_text,
        st.none() | path_text,
        st.lists(update_chunks(), min_size=1, max_size=4),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.builds(Patch, st.lists(hunks, max_size=6)))
def test_parse_inverts_render(patch: Patch) -> None:
    assert parse_patch(render_patch(patch)) == patch


# -- a real diff applies --------------------------------------------------------------------------


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """An original file of distinct lines and an edited version of it."""
    n = draw(st.integers(0, 30))
    original = [f"line {i}{draw(st.sampled_from(['', ' ', ' – x', '  y']))}" for i in range(n)]
    edited: list[str] = []
    for index, line in enumerate(original):
        action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "change", "insert"]))
        if action == "keep":
            edited.append(line)
        elif action == "change":
            edited.append(f"changed {index}")
        elif action == "insert":
            edited += [line, f"inserted {index}"]
    if draw(st.booleans()):
        edited.append("appended")
    return original, edited


def patch_from_diff(original: list[str], edited: list[str], context: int) -> str:
    """Codex-format chunks from difflib's grouped opcodes (the way a model writes them)."""
    out = ["*** Begin Patch", "*** Update File: f.txt"]
    matcher = difflib.SequenceMatcher(None, original, edited, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        out.append("@@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in original[i1:i2]]
            if tag in ("replace", "delete"):
                out += ["-" + line for line in original[i1:i2]]
            if tag in ("replace", "insert"):
                out += ["+" + line for line in edited[j1:j2]]
        if group[-1][2] == len(original):
            out.append("*** End of File")
    out.append("*** End Patch")
    return "\n".join(out)


@settings(max_examples=300, deadline=None)
@given(edits(), st.integers(1, 3), st.sampled_from(["\n", "\r\n"]))
def test_a_patch_made_from_a_diff_applies(
    change: tuple[list[str], list[str]], context: int, newline: str
) -> None:
    original, edited = change
    assume(original != edited)
    assume(original or edited)
    text = patch_from_diff(original, edited, context)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "f.txt").write_bytes("".join(x + newline for x in original).encode("utf-8"))
        if not original:  # an empty file: the whole new text is a pure addition
            text = text.replace("*** End of File\n", "")
        apply_patch(text, root)
        expected_newline = newline if original else "\n"
        assert (root / "f.txt").read_bytes().decode("utf-8") == "".join(
            x + expected_newline for x in edited
        )
