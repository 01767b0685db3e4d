"""Planning and applying patches on a real directory (cases mirror codex-rs ``lib.rs`` tests)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

import pytest

from codeloop.errors import PatchError
from codeloop.tools.apply_patch import (
    ChangeKind,
    PatchApplyError,
    PatchParseError,
    apply_patch,
    apply_planned,
    changes_to_protocol,
    format_summary,
    parse_patch,
    plan_patch,
)

if TYPE_CHECKING:
    from pathlib import Path

SUMMARY = "Success. Updated the following files:\n"


def wrap(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


def update(path: str, body: str) -> str:
    return wrap(f"*** Update File: {path}\n{body}")


def tree(root: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


# -- add, delete, update, move --------------------------------------------------------------------


def test_add_file_creates_parents_and_reports(tmp_path: Path) -> None:
    result = apply_patch(wrap("*** Add File: a/b/add.txt\n+ab\n+cd"), tmp_path)
    assert (tmp_path / "a/b/add.txt").read_text(encoding="utf-8") == "ab\ncd\n"
    assert result.summary == SUMMARY + "A a/b/add.txt\n"
    (change,) = result.changes
    assert change.kind is ChangeKind.ADD
    assert change.abs_path == tmp_path / "a/b/add.txt"
    assert change.old_content is None
    assert change.new_content == "ab\ncd\n"
    assert change.unified_diff == "@@ -0,0 +1,2 @@\n+ab\n+cd\n"


def test_add_file_overwrites(tmp_path: Path) -> None:
    (tmp_path / "dup.txt").write_text("old content\n", encoding="utf-8")
    result = apply_patch(wrap("*** Add File: dup.txt\n+new content"), tmp_path)
    assert (tmp_path / "dup.txt").read_text(encoding="utf-8") == "new content\n"
    assert result.changes[0].old_content == "old content\n"
    assert result.changes[0].unified_diff == "@@ -1 +1 @@\n-old content\n+new content\n"


def test_add_empty_file(tmp_path: Path) -> None:
    apply_patch(wrap("*** Add File: empty"), tmp_path)
    assert (tmp_path / "empty").read_bytes() == b""


def test_delete_file(tmp_path: Path) -> None:
    (tmp_path / "del.txt").write_text("x\n", encoding="utf-8")
    result = apply_patch(wrap("*** Delete File: del.txt"), tmp_path)
    assert not (tmp_path / "del.txt").exists()
    assert result.summary == SUMMARY + "D del.txt\n"
    assert result.changes[0].old_content == "x\n"
    assert result.changes[0].unified_diff == "@@ -1 +0,0 @@\n-x\n"


def test_delete_a_symlink_removes_the_link_not_the_target(tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("keep\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "target.txt")
    apply_patch(wrap("*** Delete File: link.txt"), tmp_path)
    assert not (tmp_path / "link.txt").exists()
    assert (tmp_path / "target.txt").read_text(encoding="utf-8") == "keep\n"


def test_delete_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00binary")
    result = apply_patch(wrap("*** Delete File: blob.bin"), tmp_path)
    assert not (tmp_path / "blob.bin").exists()
    assert result.changes[0].old_content is None


def test_update_file(tmp_path: Path) -> None:
    (tmp_path / "update.txt").write_text("foo\nbar\n", encoding="utf-8")
    result = apply_patch(update("update.txt", "@@\n foo\n-bar\n+baz"), tmp_path)
    assert (tmp_path / "update.txt").read_text(encoding="utf-8") == "foo\nbaz\n"
    assert result.summary == SUMMARY + "M update.txt\n"


def test_move_file(tmp_path: Path) -> None:
    (tmp_path / "src.txt").write_text("line\n", encoding="utf-8")
    result = apply_patch(
        wrap("*** Update File: src.txt\n*** Move to: dst/dst.txt\n@@\n-line\n+line2"), tmp_path
    )
    assert not (tmp_path / "src.txt").exists()
    assert (tmp_path / "dst/dst.txt").read_text(encoding="utf-8") == "line2\n"
    assert result.summary == SUMMARY + "M dst/dst.txt\n"
    assert result.changes[0].abs_move_path == tmp_path / "dst/dst.txt"


def test_move_keeps_the_permissions(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("echo hi\n", encoding="utf-8")
    script.chmod(0o755)
    apply_patch(
        wrap("*** Update File: run.sh\n*** Move to: go.sh\n@@\n-echo hi\n+echo ho"), tmp_path
    )
    assert stat.S_IMODE((tmp_path / "go.sh").stat().st_mode) == 0o755


def test_move_onto_itself_keeps_the_file(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_text("a\n", encoding="utf-8")
    apply_patch(wrap("*** Update File: same.txt\n*** Move to: ./same.txt\n@@\n-a\n+b"), tmp_path)
    assert (tmp_path / "same.txt").read_text(encoding="utf-8") == "b\n"


def test_absolute_paths(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "abs.txt"
    result = apply_patch(wrap(f"*** Add File: {target}\n+hi"), tmp_path / "cwd")
    assert target.read_text(encoding="utf-8") == "hi\n"
    assert result.summary == SUMMARY + f"A {target}\n"


def test_summary_groups_added_modified_deleted(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("1\n", encoding="utf-8")
    (tmp_path / "d.txt").write_text("1\n", encoding="utf-8")
    patch = wrap(
        "*** Delete File: d.txt\n*** Update File: m.txt\n@@\n-1\n+2\n*** Add File: a.txt\n+x"
    )
    result = apply_patch(patch, tmp_path)
    assert result.summary == SUMMARY + "A a.txt\nM m.txt\nD d.txt\n"
    assert [c.kind for c in result.changes] == [
        ChangeKind.DELETE,
        ChangeKind.UPDATE,
        ChangeKind.ADD,
    ]
    assert format_summary(result.changes) == result.summary


def test_later_hunks_see_earlier_ones(tmp_path: Path) -> None:
    patch = wrap(
        "*** Add File: a.txt\n+one\n"
        "*** Update File: a.txt\n@@\n-one\n+two\n"
        "*** Update File: a.txt\n*** Move to: b.txt\n@@\n-two\n+three\n"
        "*** Add File: a.txt\n+again"
    )
    planned = plan_patch(patch, tmp_path)
    assert tree(tmp_path) == {}
    assert [c.new_content for c in planned] == ["one\n", "two\n", "three\n", "again\n"]
    apply_planned(planned)
    assert tree(tmp_path) == {"a.txt": b"again\n", "b.txt": b"three\n"}


def test_update_of_a_file_deleted_earlier_in_the_patch(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("a\n", encoding="utf-8")
    with pytest.raises(PatchApplyError, match="Failed to read file to update x: No such file"):
        plan_patch(wrap("*** Delete File: x\n*** Update File: x\n@@\n-a\n+b"), tmp_path)


# -- chunks ---------------------------------------------------------------------------------------


def test_multiple_chunks(tmp_path: Path) -> None:
    (tmp_path / "multi.txt").write_text("foo\nbar\nbaz\nqux\n", encoding="utf-8")
    result = apply_patch(
        update("multi.txt", "@@\n foo\n-bar\n+BAR\n@@\n baz\n-qux\n+QUX"), tmp_path
    )
    assert (tmp_path / "multi.txt").read_text(encoding="utf-8") == "foo\nBAR\nbaz\nQUX\n"
    assert result.changes[0].unified_diff == "@@ -1,4 +1,4 @@\n foo\n-bar\n+BAR\n baz\n-qux\n+QUX\n"


def test_interleaved_changes_and_end_of_file(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\nb\nc\nd\ne\nf\n", encoding="utf-8")
    body = "@@\n a\n-b\n+B\n@@\n c\n d\n-e\n+E\n@@\n f\n+g\n*** End of File"
    result = apply_patch(update("f.txt", body), tmp_path)
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "a\nB\nc\nd\nE\nf\ng\n"
    assert result.changes[0].unified_diff == (
        "@@ -1,6 +1,7 @@\n a\n-b\n+B\n c\n d\n-e\n+E\n f\n+g\n"
    )


def test_pure_addition_goes_to_the_end(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("foo\nbar\nbaz\n", encoding="utf-8")
    result = apply_patch(update("f.txt", "@@\n+quux\n*** End of File"), tmp_path)
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "foo\nbar\nbaz\nquux\n"
    assert result.changes[0].unified_diff == "@@ -3 +3,2 @@\n baz\n+quux\n"


def test_pure_addition_chunk_followed_by_removal(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("line1\nline2\nline3\n", encoding="utf-8")
    body = "@@\n+after-context\n+second-line\n@@\n line1\n-line2\n-line3\n+line2-replacement"
    apply_patch(update("p.txt", body), tmp_path)
    assert (tmp_path / "p.txt").read_text(encoding="utf-8") == (
        "line1\nline2-replacement\nafter-context\nsecond-line\n"
    )


def test_pure_addition_after_a_context_line_goes_right_after_it(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text("class A:\n    x = 1\n\nclass B:\n    y = 2\n", encoding="utf-8")
    apply_patch(update("c.py", "@@ class A:\n+    added = 0"), tmp_path)
    assert (tmp_path / "c.py").read_text(encoding="utf-8") == (
        "class A:\n    added = 0\n    x = 1\n\nclass B:\n    y = 2\n"
    )


def test_context_line_moves_the_cursor_past_repeated_blocks(tmp_path: Path) -> None:
    text = "def a():\n    return 1\n\ndef b():\n    return 1\n"
    (tmp_path / "r.py").write_text(text, encoding="utf-8")
    apply_patch(update("r.py", "@@ def b():\n-    return 1\n+    return 2"), tmp_path)
    assert (tmp_path / "r.py").read_text(encoding="utf-8") == (
        "def a():\n    return 1\n\ndef b():\n    return 2\n"
    )


def test_several_context_lines_narrow_down(tmp_path: Path) -> None:
    text = "class A:\n    def m(self):\n        pass\nclass B:\n    def m(self):\n        pass\n"
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    apply_patch(
        update("m.py", "@@ class B:\n@@     def m(self):\n-        pass\n+        return 1"),
        tmp_path,
    )
    assert (
        (tmp_path / "m.py")
        .read_text(encoding="utf-8")
        .endswith("class B:\n    def m(self):\n        return 1\n")
    )


def test_chunks_apply_in_order_from_the_previous_one(tmp_path: Path) -> None:
    (tmp_path / "o.txt").write_text("x\ny\nx\ny\n", encoding="utf-8")
    apply_patch(update("o.txt", "@@\n-x\n+1\n@@\n-x\n+2"), tmp_path)
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "1\ny\n2\ny\n"


def test_unicode_dash_in_the_file_matches_an_ascii_patch(tmp_path: Path) -> None:
    original = "import asyncio  # local import \u2013 avoids top\u2011level dep\n"
    (tmp_path / "u.py").write_text(original, encoding="utf-8")
    patch = update(
        "u.py",
        "@@\n-import asyncio  # local import - avoids top-level dep\n+import asyncio  # HELLO",
    )
    result = apply_patch(patch, tmp_path)
    assert (tmp_path / "u.py").read_text(encoding="utf-8") == "import asyncio  # HELLO\n"
    assert result.summary == SUMMARY + "M u.py\n"


def test_fuzzily_matched_context_lines_keep_their_original_text(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text("if x:   \n\tdo(\u201cit\u201d)\nend\n", encoding="utf-8")
    apply_patch(update("w.py", '@@\n if x:\n do("it")\n-end\n+done'), tmp_path)
    assert (tmp_path / "w.py").read_text(encoding="utf-8") == (
        "if x:   \n\tdo(\u201cit\u201d)\ndone\n"
    )


def test_trailing_empty_pattern_line_stands_for_the_final_newline(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("a\nb\n", encoding="utf-8")
    apply_patch(update("t.txt", "@@\n a\n-b\n+c\n "), tmp_path)
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "a\nc\n"


def test_missing_final_newline_is_added(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_bytes(b"one\ntwo")
    result = apply_patch(update("n.txt", "@@\n-one\n+ONE"), tmp_path)
    assert (tmp_path / "n.txt").read_bytes() == b"ONE\ntwo\n"
    assert result.changes[0].unified_diff == (
        "@@ -1,2 +1,2 @@\n-one\n-two\n\\ No newline at end of file\n+ONE\n+two\n"
    )


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    (tmp_path / "crlf.txt").write_bytes(b"a\r\nb\r\nc\r\n")
    apply_patch(update("crlf.txt", "@@\n a\n-b\n+B\n@@\n c\n+d\n*** End of File"), tmp_path)
    assert (tmp_path / "crlf.txt").read_bytes() == b"a\r\nB\r\nc\r\nd\r\n"


def test_embedded_carriage_returns_are_kept(tmp_path: Path) -> None:
    (tmp_path / "cr.txt").write_bytes(b"foo\r\r\nbar\r\n")
    apply_patch(update("cr.txt", "@@\n+BAZ\n*** End of File"), tmp_path)
    assert (tmp_path / "cr.txt").read_bytes() == b"foo\r\r\nbar\r\nBAZ\r\n"


def test_mixed_line_endings_keep_their_own_and_new_lines_take_the_first(tmp_path: Path) -> None:
    (tmp_path / "mix.txt").write_bytes(b"a\r\nb\nc\r\n")
    apply_patch(update("mix.txt", "@@\n a\n b\n+new\n c"), tmp_path)
    assert (tmp_path / "mix.txt").read_bytes() == b"a\r\nb\nnew\r\nc\r\n"


def test_unicode_content(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text("naïve café\n", encoding="utf-8")
    apply_patch(update("u.txt", "@@\n-naïve café\n+naïve café ✅"), tmp_path)
    assert (tmp_path / "u.txt").read_text(encoding="utf-8") == "naïve café ✅\n"


# -- diffs (Codex's expected output, one line of context) -----------------------------------------


@pytest.mark.parametrize(
    ("body", "expected_diff", "expected_content"),
    [
        ("@@\n-foo\n+FOO\n bar\n", "@@ -1,2 +1,2 @@\n-foo\n+FOO\n bar\n", "FOO\nbar\nbaz\n"),
        ("@@\n foo\n bar\n-baz\n+BAZ\n", "@@ -2,2 +2,2 @@\n bar\n-baz\n+BAZ\n", "foo\nbar\nBAZ\n"),
    ],
    ids=["first-line", "last-line"],
)
def test_unified_diff_like_codex(
    tmp_path: Path, body: str, expected_diff: str, expected_content: str
) -> None:
    (tmp_path / "f.txt").write_text("foo\nbar\nbaz\n", encoding="utf-8")
    (change,) = plan_patch(update("f.txt", body), tmp_path)
    assert change.unified_diff == expected_diff
    assert change.new_content == expected_content
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "foo\nbar\nbaz\n"  # plan only


def test_diff_of_a_line_removed_and_added_unchanged_shows_context(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (change,) = plan_patch(update("f.txt", "@@\n-a\n-b\n+a\n+B"), tmp_path)
    assert change.unified_diff == "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


def test_diff_context_can_be_widened(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("".join(f"{i}\n" for i in range(10)), encoding="utf-8")
    (change,) = plan_patch(update("f.txt", "@@\n-5\n+five"), tmp_path, diff_context=3)
    assert change.unified_diff == "@@ -3,7 +3,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"


def test_far_apart_changes_make_separate_hunks(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("".join(f"{i}\n" for i in range(10)), encoding="utf-8")
    (change,) = plan_patch(update("f.txt", "@@\n-1\n+one\n@@\n-8\n+eight"), tmp_path)
    assert change.unified_diff == (
        "@@ -1,3 +1,3 @@\n 0\n-1\n+one\n 2\n@@ -8,3 +8,3 @@\n 7\n-8\n+eight\n 9\n"
    )


def test_protocol_changes(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text("a\n", encoding="utf-8")
    (tmp_path / "d.txt").write_text("gone\n", encoding="utf-8")
    patch = wrap(
        "*** Add File: n.txt\n+new\n*** Delete File: d.txt\n"
        "*** Update File: u.txt\n*** Move to: v.txt\n@@\n-a\n+b"
    )
    changes = changes_to_protocol(plan_patch(patch, tmp_path))
    assert set(changes) == {str(tmp_path / n) for n in ("n.txt", "d.txt", "u.txt")}
    assert changes[str(tmp_path / "n.txt")].kind == "add"
    assert changes[str(tmp_path / "n.txt")].diff == "new\n"
    assert changes[str(tmp_path / "d.txt")].diff == "gone\n"
    moved = changes[str(tmp_path / "u.txt")]
    assert (moved.kind, moved.move_path, moved.diff) == (
        "update",
        str(tmp_path / "v.txt"),
        "@@ -1 +1 @@\n-a\n+b\n",
    )


# -- failures -------------------------------------------------------------------------------------


def test_empty_patch_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PatchApplyError, match=r"^No files were modified\.$"):
        apply_patch("*** Begin Patch\n*** End Patch", tmp_path)
    with pytest.raises(PatchApplyError):
        apply_planned([])


def test_parse_errors_come_through(tmp_path: Path) -> None:
    with pytest.raises(PatchParseError):
        apply_patch("not a patch", tmp_path)


def test_missing_context_names_the_file_and_lines(tmp_path: Path) -> None:
    (tmp_path / "modify.txt").write_text("line1\nline2\n", encoding="utf-8")
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("modify.txt", "@@\n-missing\n+changed"), tmp_path)
    assert str(info.value) == (
        'Failed to find expected lines in modify.txt (the only chunk): ["missing"]'
    )
    assert info.value.path == "modify.txt"
    assert "re-read the file" in info.value.hint


def test_missing_change_context_is_named(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_text("a\n", encoding="utf-8")
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("f.py", "@@\n a\n+b\n@@ def nope():\n-x\n+y"), tmp_path)
    assert str(info.value) == "Failed to find context 'def nope():' in f.py (chunk 2 of 2)"


def test_long_missing_context_is_cut(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\n", encoding="utf-8")
    body = "@@\n" + "\n".join(f'-"quoted" {i}' for i in range(20)) + "\n*** End of File"
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("f", body), tmp_path)
    message = str(info.value)
    assert message.startswith("Failed to find expected lines at the end of the file in f")
    assert '["\\"quoted\\" 0",' in message
    assert "... (12 more)]" in message
    assert "\n" not in message


def test_missing_file_for_update(tmp_path: Path) -> None:
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("missing.txt", "@@\n-old\n+new"), tmp_path)
    assert str(info.value) == "Failed to read file to update missing.txt: No such file or directory"
    assert tree(tmp_path) == {}


def test_missing_file_for_delete(tmp_path: Path) -> None:
    with pytest.raises(PatchApplyError, match=r"^Failed to delete file missing\.txt: No such file"):
        apply_patch(wrap("*** Delete File: missing.txt"), tmp_path)


def test_directories_are_not_files(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    for patch, message in [
        (wrap("*** Delete File: dir"), "Failed to delete file dir: Is a directory"),
        (update("dir", "@@\n-a\n+b"), "Failed to read file to update dir: Is a directory"),
        (wrap("*** Add File: dir\n+x"), "Failed to write file dir: Is a directory"),
    ]:
        with pytest.raises(PatchApplyError) as info:
            apply_patch(patch, tmp_path)
        assert str(info.value) == message
    assert tree(tmp_path) == {"dir": None}


def test_move_onto_a_directory(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\n", encoding="utf-8")
    (tmp_path / "d").mkdir()
    with pytest.raises(PatchApplyError, match=r"^Failed to write file d: Is a directory"):
        apply_patch(wrap("*** Update File: f\n*** Move to: d\n@@\n-a\n+b"), tmp_path)


def test_a_parent_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\n", encoding="utf-8")
    with pytest.raises(PatchApplyError, match=r"^Failed to create parent directories for f/x\.txt"):
        apply_patch(wrap("*** Add File: f/x.txt\n+x"), tmp_path)
    with pytest.raises(PatchApplyError, match=r"^Failed to create parent directories for g/x"):
        plan_patch(wrap("*** Add File: g\n+x\n*** Add File: g/x\n+y"), tmp_path)


def test_a_file_that_is_not_utf8_cannot_be_updated(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("latin1.txt", "@@\n-café\n+cafe"), tmp_path)
    assert str(info.value) == (
        "Failed to read file to update latin1.txt: not UTF-8 text (byte 0xe9 at offset 3); "
        "apply_patch only edits UTF-8 text files"
    )


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(
        PatchApplyError, match=r"^Failed to read file to update pipe: not a regular"
    ):
        apply_patch(update("pipe", "@@\n-a\n+b"), tmp_path)


@pytest.mark.parametrize(
    "path", ["with\x00nul", "x" * 5000, "a/" + "y" * 300 + "/z"], ids=["nul", "long", "long-part"]
)
def test_impossible_paths_are_patch_errors(tmp_path: Path, path: str) -> None:
    for patch in (
        wrap(f"*** Add File: {path}\n+x"),
        wrap(f"*** Delete File: {path}"),
        update(path, "@@\n-a\n+b"),
    ):
        with pytest.raises(PatchError):
            apply_patch(patch, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied_is_a_patch_error(tmp_path: Path) -> None:  # pragma: no cover - root
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "f.txt").write_text("a\n", encoding="utf-8")
    locked.chmod(0o500)
    try:
        with pytest.raises(PatchApplyError, match="Permission denied"):
            apply_patch(wrap("*** Add File: locked/new.txt\n+x"), tmp_path)
    finally:
        locked.chmod(0o700)


def test_os_errors_on_read_and_write_become_patch_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codeloop.tools.apply_patch import applier

    (tmp_path / "f.txt").write_text("a\n", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(applier, "open", denied, raising=False)
    with pytest.raises(PatchApplyError) as info:
        apply_patch(update("f.txt", "@@\n-a\n+b"), tmp_path)
    assert str(info.value) == "Failed to read file to update f.txt: Permission denied"
    with pytest.raises(PatchApplyError) as info:
        apply_patch(wrap("*** Add File: new.txt\n+x"), tmp_path)
    assert str(info.value) == "Failed to write file new.txt: Permission denied"


def test_a_write_error_is_a_patch_error(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n", encoding="utf-8")
    planned = plan_patch(update("f.txt", "@@\n-a\n+b"), tmp_path)
    (tmp_path / "f.txt").unlink()
    (tmp_path / "f.txt").mkdir()  # the file became a directory between plan and apply
    with pytest.raises(PatchApplyError, match=r"^Failed to write file f\.txt: Is a directory"):
        apply_planned(planned)


def test_failure_after_partial_success_keeps_and_reports_earlier_changes(tmp_path: Path) -> None:
    patch = wrap("*** Add File: created.txt\n+hello\n*** Update File: missing.txt\n@@\n-old\n+new")
    with pytest.raises(PatchApplyError) as info:
        apply_patch(patch, tmp_path)
    assert (tmp_path / "created.txt").read_text(encoding="utf-8") == "hello\n"
    assert str(info.value) == (
        "Failed to read file to update missing.txt: No such file or directory "
        "(earlier changes of this patch were applied: A created.txt)"
    )
    assert [c.path for c in info.value.applied] == ["created.txt"]


def test_plan_writes_nothing_and_fails_before_any_write(tmp_path: Path) -> None:
    patch = wrap("*** Add File: created.txt\n+hello\n*** Update File: missing.txt\n@@\n-old\n+new")
    with pytest.raises(PatchApplyError) as info:
        plan_patch(patch, tmp_path)
    assert info.value.applied == ()
    assert tree(tmp_path) == {}


def test_apply_planned_failure_lists_what_was_written(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("x\n", encoding="utf-8")
    planned = plan_patch(wrap("*** Add File: new.txt\n+n\n*** Delete File: gone.txt"), tmp_path)
    (tmp_path / "gone.txt").unlink()
    with pytest.raises(PatchApplyError) as info:
        apply_planned(planned)
    assert info.value.detail == "Failed to delete file gone.txt: No such file or directory"
    assert "(earlier changes of this patch were applied: A new.txt)" in str(info.value)


def test_plan_accepts_a_parsed_patch(tmp_path: Path) -> None:
    patch = parse_patch(wrap("*** Add File: a\n+x"))
    (change,) = plan_patch(patch, tmp_path)
    assert change.display_path == "a"
    assert change.summary_letter == "A"
