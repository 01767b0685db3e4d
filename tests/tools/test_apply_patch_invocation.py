"""Recognising apply_patch calls in a command's argv (cases mirror codex-rs ``invocation.rs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from codeloop.errors import PatchError
from codeloop.tools.apply_patch import (
    IMPLICIT_INVOCATION_MESSAGE,
    AddFile,
    ApplyPatchInvocation,
    ChangeKind,
    PatchApplyError,
    PatchParseError,
    extract_patch_from_argv,
    is_implicit_invocation,
    parse_apply_patch_invocation,
    parse_patch,
    plan_invocation,
)

if TYPE_CHECKING:
    from pathlib import Path

PATCH = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch"


def heredoc_script(prefix: str = "", suffix: str = "", word: str = "'PATCH'") -> str:
    end = word.strip("'\"")
    return f"{prefix}apply_patch <<{word}\n{PATCH}\n{end}{suffix}"


def assert_match(argv: list[str], workdir: str | None = None) -> None:
    invocation = parse_apply_patch_invocation(argv)
    assert invocation is not None, argv
    assert invocation.workdir == workdir
    assert parse_patch(invocation.patch).hunks == [AddFile("foo", "hi\n")]


# -- direct calls ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["apply_patch", "applypatch"])
def test_literal(command: str) -> None:
    assert parse_apply_patch_invocation([command, PATCH + "\n"]) == ApplyPatchInvocation(
        PATCH + "\n"
    )
    assert extract_patch_from_argv([command, PATCH]) == PATCH


def test_literal_heredoc_argument_is_left_to_the_parser() -> None:
    arg = f"<<'EOF'\n{PATCH}\nEOF\n"
    assert extract_patch_from_argv(["apply_patch", arg]) == arg
    assert parse_patch(arg).hunks == [AddFile("foo", "hi\n")]


@pytest.mark.parametrize(
    "argv",
    [
        ["apply_patch"],
        ["apply_patch", PATCH, "extra"],
        ["/usr/bin/apply_patch", PATCH],
        ["ls", "-la"],
        [],
    ],
)
def test_other_commands_are_not_apply_patch(argv: list[str]) -> None:
    assert parse_apply_patch_invocation(argv) is None
    assert extract_patch_from_argv(argv) is None


# -- shell heredocs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-lc", heredoc_script()],
        ["bash", "-c", heredoc_script()],
        ["/bin/zsh", "-lc", heredoc_script()],
        ["sh", "-c", heredoc_script()],
        ["powershell.exe", "-Command", heredoc_script()],
        ["powershell.exe", "-NoProfile", "-Command", heredoc_script()],
        ["pwsh", "-NoProfile", "-Command", heredoc_script()],
        ["C:\\Program Files\\PowerShell\\7\\pwsh.exe", "-command", heredoc_script()],
        ["bash", "-lc", heredoc_script(word="EOF")],
        ["bash", "-lc", heredoc_script(word='"EOF"')],
        ["bash", "-lc", heredoc_script(suffix="\n")],
        ["bash", "-lc", "\n  " + heredoc_script()],
        ["bash", "-lc", heredoc_script().replace("apply_patch", "applypatch")],
    ],
)
def test_heredoc(argv: list[str]) -> None:
    assert_match(argv)


def test_heredoc_with_dash_strips_leading_tabs_from_the_end_word() -> None:
    script = f"apply_patch <<-'EOF'\n{PATCH}\n\t\tEOF"
    assert_match(["bash", "-lc", script])


@pytest.mark.parametrize(
    ("prefix", "workdir"),
    [("cd foo && ", "foo"), ("cd 'foo bar' && ", "foo bar"), ('cd "foo bar" && ', "foo bar")],
)
def test_leading_cd(prefix: str, workdir: str) -> None:
    assert_match(["bash", "-lc", heredoc_script(prefix)], workdir)


def test_cmd_with_cd() -> None:
    assert_match(["cmd.exe", "/c", heredoc_script("cd foo && ")], "foo")


@pytest.mark.parametrize(
    "script",
    [
        heredoc_script("cd foo; "),
        heredoc_script("cd bar || "),
        heredoc_script("cd bar | "),
        heredoc_script("echo foo && "),
        "apply_patch foo <<'PATCH'\n" + PATCH + "\nPATCH",
        heredoc_script("cd foo && cd bar && "),
        heredoc_script("cd foo bar && "),
        heredoc_script("cd bar && ", " && echo done"),
        heredoc_script("echo foo; cd bar && "),
        heredoc_script(suffix="\necho after"),
        "apply_patch <<'PATCH' && echo done\n" + PATCH + "\nPATCH",
        "apply_patch <<'PATCH'\n" + PATCH,  # never ends
        "apply_patch <<\"PATCH'\n" + PATCH + "\nPATCH",
        heredoc_script('cd "$HOME" && '),
        "echo hello",
    ],
    ids=[
        "cd-semicolon",
        "cd-or",
        "cd-pipe",
        "echo-and",
        "argument",
        "double-cd",
        "cd-two-args",
        "trailing-command",
        "leading-command",
        "command-after-heredoc",
        "command-on-heredoc-line",
        "unterminated",
        "mismatched-quotes",
        "cd-expansion",
        "unrelated",
    ],
)
def test_scripts_that_are_not_just_apply_patch(script: str) -> None:
    assert parse_apply_patch_invocation(["bash", "-lc", script]) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-x", heredoc_script()],
        ["fish", "-c", heredoc_script()],
        ["pwsh", "-Command", heredoc_script(), "extra"],
        ["pwsh", "-Other", "-Command", heredoc_script()],
        ["cmd", "/k", heredoc_script()],
    ],
)
def test_unrecognised_shells_and_flags(argv: list[str]) -> None:
    assert parse_apply_patch_invocation(argv) is None


# -- implicit invocations and planning ------------------------------------------------------------


def test_a_bare_patch_is_an_implicit_invocation(tmp_path: Path) -> None:
    for argv in ([PATCH], ["bash", "-lc", PATCH]):
        assert is_implicit_invocation(argv)
        with pytest.raises(PatchError) as info:
            plan_invocation(argv, tmp_path)
        assert str(info.value) == IMPLICIT_INVOCATION_MESSAGE
    assert not is_implicit_invocation(["apply_patch", PATCH])
    assert not is_implicit_invocation(["not a patch"])


def test_plan_invocation_resolves_against_cwd(tmp_path: Path) -> None:
    (tmp_path / "source.txt").write_text("session directory content\n", encoding="utf-8")
    patch = (
        "*** Begin Patch\n*** Update File: source.txt\n@@\n-session directory content\n"
        "+updated session directory content\n*** End Patch"
    )
    planned = plan_invocation(["apply_patch", patch], tmp_path)
    assert planned is not None
    assert planned.cwd == tmp_path
    assert planned.patch == patch
    (change,) = planned.changes
    assert change.abs_path == tmp_path / "source.txt"
    assert change.kind is ChangeKind.UPDATE
    assert change.unified_diff == (
        "@@ -1 +1 @@\n-session directory content\n+updated session directory content\n"
    )
    assert change.new_content == "updated session directory content\n"
    assert (tmp_path / "source.txt").read_text(encoding="utf-8") == "session directory content\n"


def test_plan_invocation_uses_the_cd_directory_for_move_paths(tmp_path: Path) -> None:
    (tmp_path / "alt").mkdir()
    (tmp_path / "alt" / "old.txt").write_text("before\n", encoding="utf-8")
    patch = (
        "*** Begin Patch\n*** Update File: old.txt\n*** Move to: renamed.txt\n"
        "@@\n-before\n+after\n*** End Patch"
    )
    script = f"cd alt && apply_patch <<'PATCH'\n{patch}\nPATCH"
    planned = plan_invocation(["bash", "-lc", script], tmp_path)
    assert planned is not None
    assert planned.cwd == tmp_path / "alt"
    (change,) = planned.changes
    assert change.abs_path == tmp_path / "alt" / "old.txt"
    assert change.abs_move_path == tmp_path / "alt" / "renamed.txt"


def test_plan_invocation_of_other_commands_is_none(tmp_path: Path) -> None:
    assert plan_invocation(["bash", "-lc", "ls"], tmp_path) is None


def test_plan_invocation_reports_bad_patches(tmp_path: Path) -> None:
    with pytest.raises(PatchParseError):
        plan_invocation(["apply_patch", "*** Begin Patch\n*** Bogus\n*** End Patch"], tmp_path)
    with pytest.raises(PatchApplyError):
        plan_invocation(
            ["apply_patch", "*** Begin Patch\n*** Delete File: nope\n*** End Patch"], tmp_path
        )
