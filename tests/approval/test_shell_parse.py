"""The plain-command parser for ``bash -lc`` scripts: what it splits and what it refuses."""

from __future__ import annotations

import pytest

from codeloop.approval import (
    extract_shell_script,
    parse_shell_lc_plain_commands,
    parse_shell_script,
)

PLAIN = [
    ("ls", [["ls"]]),
    ("ls -1", [["ls", "-1"]]),
    ("ls && pwd; echo 'hi there' | wc -l", [["ls"], ["pwd"], ["echo", "hi there"], ["wc", "-l"]]),
    ('grep -R "Cargo.toml" -n || true', [["grep", "-R", "Cargo.toml", "-n"], ["true"]]),
    ("echo 123 456", [["echo", "123", "456"]]),
    ('echo "hello world"', [["echo", "hello world"]]),
    ('rg -g"*.py" foo', [["rg", "-g*.py", "foo"]]),
    ("echo 'a'\"b\"c", [["echo", "abc"]]),
    (r'echo "a\"b\$c\\d\e"', [["echo", 'a"b$c\\d\\e']]),
    (r"echo a\ b \$HOME \*", [["echo", "a b", "$HOME", "*"]]),
    ("grep '*' f", [["grep", "*", "f"]]),
    ("echo '$(rm -rf /)'", [["echo", "$(rm -rf /)"]]),
    ("git show HEAD~1", [["git", "show", "HEAD~1"]]),
    ("echo a#b", [["echo", "a#b"]]),
    ("ls;", [["ls"]]),
    ("ls\n\npwd\n", [["ls"], ["pwd"]]),
    ("ls &&\n  pwd", [["ls"], ["pwd"]]),
    ("ls \\\n  -l", [["ls", "-l"]]),
    ("ls | wc -l", [["ls"], ["wc", "-l"]]),
    ("echo ''", [["echo", ""]]),
    ("ls FOO=bar", [["ls", "FOO=bar"]]),
    ("", []),
    ("   \n", []),
]


@pytest.mark.parametrize(("script", "expected"), PLAIN)
def test_plain_scripts_split_into_commands(script: str, expected: list[list[str]]) -> None:
    assert parse_shell_script(script) == expected


REFUSED = [
    "ls > out.txt",
    "ls >> out.txt",
    "cat < in.txt",
    "ls 2>&1",
    "ls &> log",
    "cat <<EOF\nx\nEOF",
    "(ls)",
    "ls || (pwd && echo hi)",
    "{ ls; }",
    "echo $(id)",
    "echo `id`",
    'echo "$(id)"',
    'echo "$HOME"',
    "echo $HOME",
    "echo ${HOME}",
    "echo $'\\n'",
    "echo $((1+2))",
    "ls *.py",
    "ls file?.txt",
    "ls [ab].txt",
    "echo {a,b}",
    "cat ~/.ssh/id_rsa",
    "echo a=~",
    "echo PATH:~",
    "FOO=bar ls",
    "A+=1 ls",
    "ls &",
    "ls & pwd",
    "ls |& cat",
    "ls && && pwd",
    "; ls",
    "ls;;",
    "ls &&",
    "ls |",
    "ls ||",
    "! ls",
    "ls # comment",
    "# only a comment",
    "if true; then ls; fi",
    "for f in a; do ls; done",
    "while true; do ls; done",
    "time ls",
    "echo 'unterminated",
    'echo "unterminated',
    "ls \\",
    "ls\0",
    "cat <(ls)",
    "ls @(a|b)",
]


@pytest.mark.parametrize("script", REFUSED)
def test_anything_but_plain_words_is_refused(script: str) -> None:
    assert parse_shell_script(script) is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["bash", "-lc", "ls"], ("bash", "ls")),
        (["bash", "-c", "ls"], ("bash", "ls")),
        (["zsh", "-lc", "ls"], ("zsh", "ls")),
        (["sh", "-c", "ls"], ("sh", "ls")),
        (["/bin/bash", "-lc", "ls"], ("/bin/bash", "ls")),
        (["/usr/bin/zsh", "-lc", "ls"], ("/usr/bin/zsh", "ls")),
        (["./bash", "-lc", "ls"], None),
        (["fish", "-c", "ls"], None),
        (["bash", "-x", "ls"], None),
        (["bash", "-lc", "git", "status"], None),
        (["bash", "-lc"], None),
        (["ls"], None),
    ],
)
def test_extract_shell_script(argv: list[str], expected: tuple[str, str] | None) -> None:
    assert extract_shell_script(argv) == expected


def test_parse_shell_lc_plain_commands() -> None:
    assert parse_shell_lc_plain_commands(["bash", "-lc", "ls && pwd"]) == [["ls"], ["pwd"]]
    assert parse_shell_lc_plain_commands(["bash", "-lc", "ls > f"]) is None
    assert parse_shell_lc_plain_commands(["ls", "-l"]) is None
