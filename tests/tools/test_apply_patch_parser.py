"""Parsing and rendering the patch format (cases mirror codex-rs ``parser.rs`` tests)."""

from __future__ import annotations

import pytest

from codeloop.errors import PatchError
from codeloop.tools.apply_patch import (
    AddFile,
    DeleteFile,
    Patch,
    PatchParseError,
    UpdateChunk,
    UpdateFile,
    parse,
    parse_patch,
    render,
    render_patch,
)

VALID_HEADERS = (
    "Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', "
    "'*** Update File: {path}'"
)


def wrap(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


def chunk(
    context: str | None,
    old: list[str],
    new: list[str],
    *,
    eof: bool = False,
    pairs: list[tuple[int, int]] | None = None,
) -> UpdateChunk:
    return UpdateChunk(context, old, new, eof, pairs or [])


# -- the happy paths ------------------------------------------------------------------------------


def test_all_three_operations_and_a_move() -> None:
    text = wrap(
        "*** Add File: path/add.py\n+abc\n+def\n"
        "*** Delete File: path/delete.py\n"
        "*** Update File: path/update.py\n*** Move to: path/update2.py\n"
        "@@ def f():\n-    pass\n+    return 123"
    )
    assert parse_patch(text).hunks == [
        AddFile("path/add.py", "abc\ndef\n"),
        DeleteFile("path/delete.py"),
        UpdateFile(
            "path/update.py",
            "path/update2.py",
            [chunk("def f():", ["    pass"], ["    return 123"])],
        ),
    ]


def test_context_lines_are_on_both_sides_and_remembered_as_pairs() -> None:
    text = wrap(
        "*** Update File: f\n@@ change_context\n\n context\n-remove\n+add\n context2\n"
        "*** End of File"
    )
    (hunk,) = parse_patch(text).hunks
    assert hunk == UpdateFile(
        "f",
        None,
        [
            chunk(
                "change_context",
                ["", "context", "remove", "context2"],
                ["", "context", "add", "context2"],
                eof=True,
                pairs=[(0, 0), (1, 1), (3, 3)],
            )
        ],
    )


def test_update_followed_by_another_hunk() -> None:
    text = wrap("*** Update File: file.py\n@@\n+line\n*** Add File: other.py\n+content")
    assert parse_patch(text).hunks == [
        UpdateFile("file.py", None, [chunk(None, [], ["line"])]),
        AddFile("other.py", "content\n"),
    ]


def test_first_chunk_may_omit_its_at_at_line() -> None:
    text = wrap("*** Update File: file2.py\n import foo\n+bar")
    (hunk,) = parse_patch(text).hunks
    assert hunk == UpdateFile(
        "file2.py", None, [chunk(None, ["import foo"], ["import foo", "bar"], pairs=[(0, 0)])]
    )


def test_multiple_chunks_and_blank_lines_between_them() -> None:
    text = wrap("*** Update File: f\n@@\n-a\n+b\n\n   \n@@ ctx\n-c\n+d")
    (hunk,) = parse_patch(text).hunks
    assert isinstance(hunk, UpdateFile)
    assert [c.change_context for c in hunk.chunks] == [None, "ctx"]
    assert hunk.chunks[1].old_lines == ["c"]


def test_empty_patch_parses_to_no_hunks() -> None:
    assert parse_patch("*** Begin Patch\n*** End Patch") == Patch([])


def test_add_file_without_lines_is_an_empty_file() -> None:
    assert parse_patch(wrap("*** Add File: empty.txt")).hunks == [AddFile("empty.txt", "")]


def test_add_file_lines_keep_their_text_verbatim() -> None:
    hunks = parse_patch(wrap("*** Add File: a\n+  indented  \n+\n++plus")).hunks
    assert hunks == [AddFile("a", "  indented  \n\n+plus\n")]


def test_absolute_paths_are_kept() -> None:
    hunks = parse_patch(wrap("*** Delete File: /tmp/x/abs.py")).hunks
    assert hunks == [DeleteFile("/tmp/x/abs.py")]


# -- leniency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        " *** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch ",
        "*** Begin Patch \n*** Add File: foo\n+hi\n *** End Patch",
        "\n\n  *** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch\n\n",
        "*** Begin Patch\r\n*** Add File: foo\r\n+hi\r\n*** End Patch\r\n",
        "*** Begin Patch\n  *** Add File: foo  \n+hi\n*** End Patch",
        "\ufeff*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch",
    ],
    ids=[
        "padded-markers",
        "padded-markers-2",
        "surrounding-blank-lines",
        "crlf",
        "padded-header",
        "byte-order-mark",
    ],
)
def test_whitespace_around_markers_and_crlf(text: str) -> None:
    assert parse_patch(text).hunks == [AddFile("foo", "hi\n")]


@pytest.mark.parametrize(
    "opener",
    ["<<EOF", "<<'EOF'", '<<"EOF"', "<<'PATCH'", "apply_patch <<'EOF'", "applypatch <<EOF"],
)
def test_heredoc_wrapper(opener: str) -> None:
    word = opener.rsplit("<<", 1)[1].strip("'\"")
    body = "*** Begin Patch\n*** Update File: f.py\n import foo\n+bar\n*** End Patch"
    text = f"{opener}\n{body}\n{word}\n"
    (hunk,) = parse_patch(text).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks[0].new_lines == ["import foo", "bar"]


def test_heredoc_with_mismatched_quotes_is_rejected() -> None:
    text = "<<\"EOF'\n*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch\nEOF\n"
    with pytest.raises(
        PatchParseError, match=r"first line of the patch must be '\*\*\* Begin Patch'"
    ):
        parse_patch(text)


def test_heredoc_without_end_patch_reports_the_last_line() -> None:
    text = "<<EOF\n*** Begin Patch\n*** Update File: file2.py\nEOF\n"
    with pytest.raises(PatchParseError, match=r"last line of the patch must be '\*\*\* End Patch'"):
        parse_patch(text)


def test_at_at_with_trailing_blanks_has_no_context() -> None:
    (hunk,) = parse_patch(wrap("*** Update File: f\n@@   \n-a\n+b\n@@ \n-c\n+d")).hunks
    assert isinstance(hunk, UpdateFile)
    assert [c.change_context for c in hunk.chunks] == [None, None]


def test_end_of_file_marker_with_trailing_blanks() -> None:
    (hunk,) = parse_patch(wrap("*** Update File: f\n@@\n-a\n+b\n*** End of File  ")).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks[0].is_end_of_file


def test_several_context_lines_in_a_row_narrow_the_position() -> None:
    text = wrap("*** Update File: f\n@@ class BaseClass\n@@     def method():\n-old\n+new")
    (hunk,) = parse_patch(text).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks == [
        chunk("class BaseClass", [], []),
        chunk("    def method():", ["old"], ["new"]),
    ]


def test_context_keeps_its_leading_whitespace() -> None:
    (hunk,) = parse_patch(wrap("*** Update File: f\n@@     def f():\n-a")).hunks
    assert isinstance(hunk, UpdateFile)
    assert hunk.chunks[0].change_context == "    def f():"


# -- errors --------------------------------------------------------------------------------------


def test_errors_are_patch_errors() -> None:
    with pytest.raises(PatchError):
        parse_patch("bad")


def test_first_line_must_be_begin_patch() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch("bad")
    assert str(info.value) == (
        "Invalid patch: The first line of the patch must be '*** Begin Patch', got: 'bad'"
    )
    assert info.value.line_number is None


def test_last_line_must_be_end_patch() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch("*** Begin Patch\nbad")
    assert str(info.value) == (
        "Invalid patch: The last line of the patch must be '*** End Patch', got: 'bad'"
    )


def test_a_lone_begin_marker_is_missing_its_end() -> None:
    with pytest.raises(PatchParseError, match="last line of the patch must be"):
        parse_patch("*** Begin Patch")


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_text(text: str) -> None:
    with pytest.raises(PatchParseError, match="the patch is empty"):
        parse_patch(text)


def test_invalid_hunk_header_names_the_line_and_its_number() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch("*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch\n")
    assert str(info.value) == (
        "Invalid patch hunk on line 2: '*** Frobnicate File: foo' is not a valid hunk header. "
        + VALID_HEADERS
    )
    assert info.value.line_number == 2


def test_line_numbers_count_lines_of_the_text_as_given() -> None:
    text = "\n\n*** Begin Patch\n*** Add File: a\n+x\nbogus\n*** End Patch"
    with pytest.raises(PatchParseError) as info:
        parse_patch(text)
    assert info.value.line_number == 6
    heredoc = "<<'EOF'\n*** Begin Patch\n*** Delete File: a\nbogus\n*** End Patch\nEOF"
    with pytest.raises(PatchParseError) as info:
        parse_patch(heredoc)
    assert info.value.line_number == 4


def test_update_hunk_without_chunks_is_empty() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch("*** Begin Patch\n*** Update File: test.py\n*** End Patch")
    assert str(info.value) == (
        "Invalid patch hunk on line 2: Update file hunk for path 'test.py' is empty"
    )


def test_second_chunk_must_start_with_at_at() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(wrap("*** Update File: f\n@@\n-a\n+b\nbad"))
    assert str(info.value) == (
        "Invalid patch hunk on line 6: Expected update hunk to start with a @@ context marker, "
        "got: 'bad'"
    )


def test_unexpected_line_in_an_update_hunk() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(wrap("*** Update File: f\n@@\nbad"))
    assert str(info.value) == (
        "Invalid patch hunk on line 4: Unexpected line found in update hunk: 'bad'. Every line "
        "should start with ' ' (context line), '+' (added line), or '-' (removed line)"
    )


def test_unexpected_first_line_without_at_at_gets_its_own_line_number() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(wrap("*** Update File: f\nbad"))
    assert info.value.line_number == 3


@pytest.mark.parametrize(
    ("body", "line"),
    [("@@", 4), ("@@\n*** End of File", 4), ("@@ ctx", 4)],
    ids=["bare-at-at", "at-at-then-eof", "context-only"],
)
def test_update_hunk_without_lines(body: str, line: int) -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(wrap(f"*** Update File: f\n{body}"))
    assert info.value.detail == "Update hunk does not contain any lines"
    assert info.value.line_number == line


def test_move_to_without_a_path() -> None:
    with pytest.raises(PatchParseError, match="'\\*\\*\\* Move to:' needs a destination path"):
        parse_patch(wrap("*** Update File: f\n*** Move to: \n@@\n-a\n+b"))


def test_blank_line_between_hunks_is_not_a_header() -> None:
    with pytest.raises(PatchParseError, match="'' is not a valid hunk header"):
        parse_patch(wrap("*** Add File: a\n+x\n\n*** Delete File: b"))


def test_lone_surrogates_are_rejected() -> None:
    with pytest.raises(PatchParseError, match="lone surrogate"):
        parse_patch(wrap("*** Add File: a\n+\udcff"))


def test_huge_bad_lines_are_cut_in_messages() -> None:
    with pytest.raises(PatchParseError) as info:
        parse_patch(wrap("*** Nonsense " + "x" * 10_000))
    assert len(str(info.value)) < 500


# -- rendering -----------------------------------------------------------------------------------


ROUND_TRIP_TEXTS = [
    wrap("*** Add File: a.txt\n+one\n+\n+three"),
    wrap("*** Add File: empty.txt"),
    wrap("*** Delete File: gone.txt"),
    wrap(
        "*** Update File: src/app.py\n*** Move to: src/main.py\n@@ def greet():\n"
        ' context\n-print("Hi")\n+print("Hello")\n \n tail\n@@\n+appended\n*** End of File'
    ),
    wrap("*** Update File: f\n@@ class A\n@@ def m():\n-x\n+y"),
]


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_render_is_the_inverse_of_parse(text: str) -> None:
    patch = parse(text)
    rendered = render(patch)
    assert parse(rendered) == patch
    assert rendered == text + "\n"


def test_render_writes_context_lines_as_context() -> None:
    patch = Patch([UpdateFile("f", None, [chunk(None, ["a", "b"], ["a", "c"], pairs=[(0, 0)])])])
    assert render_patch(patch) == wrap("*** Update File: f\n@@\n a\n-b\n+c") + "\n"


def test_render_of_a_hand_built_chunk_without_pairs() -> None:
    patch = Patch([UpdateFile("f", None, [chunk("ctx", ["a", "b"], ["a", "c"])])])
    text = render_patch(patch)
    assert text == wrap("*** Update File: f\n@@ ctx\n-a\n-b\n+a\n+c") + "\n"
    assert parse_patch(text) == patch


def test_render_ignores_inconsistent_pairs() -> None:
    bad = chunk(None, ["a"], ["b"], pairs=[(0, 0)])  # "a" != "b": not a context line
    text = render_patch(Patch([UpdateFile("f", None, [bad])]))
    assert text == wrap("*** Update File: f\n@@\n-a\n+b") + "\n"
