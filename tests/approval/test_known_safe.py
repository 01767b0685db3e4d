"""Known-safe (read-only) commands, Codex's cases plus the gaps codeloop closes."""

from __future__ import annotations

import sys

import pytest

from codeloop.approval import command_might_be_dangerous, is_known_safe_command


def _argv_id(argv: list[str]) -> str:
    return " ".join(argv) or "<empty>"


SAFE = [
    ["ls"],
    ["ls", "-la", "/etc"],
    ["/bin/ls"],
    ["/usr/bin/cat", "README.md"],
    ["cat", "f"],
    ["head", "-n", "5", "f"],
    ["tail", "-f", "log"],
    ["wc", "-l", "f"],
    ["pwd"],
    ["echo", "hi"],
    ["true"],
    ["false"],
    ["grep", "-rn", "x", "."],
    ["nl", "-nrz", "Cargo.toml"],
    ["tr", "a", "b"],
    ["cut", "-d,", "-f1", "f"],
    ["uniq", "-c", "f"],
    ["uniq", "-f", "1", "f"],
    ["which", "python"],
    ["whoami"],
    ["id"],
    ["stat", "f"],
    ["uname", "-a"],
    ["seq", "10"],
    ["expr", "1", "+", "2"],
    ["paste", "a", "b"],
    ["rev", "f"],
    ["du", "-sh", "."],
    ["df", "-h"],
    ["sort", "-n", "f"],
    ["sort", "-t,", "-k2", "f"],
    ["tree", "-L", "2"],
    ["file", "f"],
    ["base64"],
    ["base64", "-d", "f"],
    ["find", ".", "-name", "file.txt"],
    ["find", ".", "-type", "f", "-print"],
    ["rg", "Cargo.toml", "-n"],
    ["rg", "--pre-glob", "*.gz", "x"],
    ["sed", "-n", "1,5p", "file.txt"],
    ["sed", "-n", "10p"],
    ["git", "status"],
    ["git", "log", "--oneline", "-n", "5"],
    ["git", "diff", "--stat"],
    ["git", "diff", "--text"],
    ["git", "diff", "--output-indicator-new=+"],
    ["git", "show", "HEAD~1"],
    ["git", "branch"],
    ["git", "branch", "--show-current"],
    ["git", "branch", "-a", "-v"],
    ["git", "branch", "--format=%(refname)"],
    ["git", "-C", ".", "branch", "--show-current"],
    ["git", "--no-pager", "log"],
    ["/usr/bin/git", "status"],
    ["bash", "-lc", "ls"],
    ["bash", "-lc", "ls -1"],
    ["bash", "-lc", "git status"],
    ["bash", "-lc", 'grep -R "Cargo.toml" -n'],
    ["bash", "-lc", "sed -n 1,5p file.txt"],
    ["bash", "-lc", "sed -n '1,5p' file.txt"],
    ["bash", "-lc", "find . -name file.txt"],
    ["bash", "-lc", 'grep -R "Cargo.toml" -n || true'],
    ["bash", "-lc", "ls && pwd"],
    ["bash", "-lc", "echo 'hi' ; ls"],
    ["bash", "-lc", "ls | wc -l"],
    ["bash", "-lc", "cat f | grep x | head -n 3"],
    ["zsh", "-lc", "ls"],
    ["sh", "-c", "ls"],
    ["/bin/bash", "-lc", "ls"],
]


@pytest.mark.parametrize("argv", SAFE, ids=_argv_id)
def test_known_safe(argv: list[str]) -> None:
    assert is_known_safe_command(argv)


UNSAFE = [
    [],
    [""],
    ["foo"],
    ["cargo", "check"],
    ["rm", "-rf", "x"],
    ["python", "-c", "print(1)"],
    ["./ls"],
    ["/home/me/project/ls"],
    ["bin/cat", "f"],
    # find that runs, deletes or writes
    ["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"],
    ["find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";"],
    ["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"],
    ["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"],
    ["find", ".", "-delete", "-name", "file.txt"],
    ["find", ".", "-fls", "/etc/passwd"],
    ["find", ".", "-fprint", "/etc/passwd"],
    ["find", ".", "-fprint0", "/etc/passwd"],
    ["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"],
    # ripgrep that runs programs
    ["rg", "--pre", "pwned", "files"],
    ["rg", "--pre=pwned", "files"],
    ["rg", "--hostname-bin", "pwned", "files"],
    ["rg", "--hostname-bin=pwned", "files"],
    ["rg", "--search-zip", "files"],
    ["rg", "-z", "files"],
    ["rg", "-nz", "files"],
    # git that writes, runs programs or mutates
    ["git", "branch", "-d", "feature"],
    ["git", "branch", "-D", "feature"],
    ["git", "branch", "new-branch"],
    ["git", "branch", "-m", "a", "b"],
    ["git", "-C", ".", "branch", "-d", "feature"],
    ["git", "checkout", "status"],
    ["git", "fetch"],
    ["git", "commit", "-m", "x"],
    ["git", "push"],
    ["git", "log", "--output=/tmp/out", "-n", "1"],
    ["git", "diff", "--output", "/tmp/out"],
    ["git", "diff", "--out=/tmp/out"],
    ["git", "show", "--output=/tmp/out", "HEAD"],
    ["git", "diff", "--ext-diff"],
    ["git", "diff", "--ext"],
    ["git", "log", "--textconv"],
    ["git", "log", "--paginate"],
    ["git", "-p", "log"],
    ["git", "--exec-path=/tmp/evil", "status"],
    ["git", "-c", "core.pager=cat", "log", "-n", "1"],
    ["git", "-ccore.pager=cat", "status"],
    ["git", "--config-env=core.pager=X", "status"],
    ["git"],
    ["./git", "status"],
    # sed other than -n Np
    ["sed", "-n", "xp", "file.txt"],
    ["sed", "-i", "s/a/b/", "f"],
    ["sed", "-n", "1p", "a", "b"],
    ["sed", "s/a/b/", "f"],
    # tools with writing flags
    ["base64", "-o", "out.bin"],
    ["base64", "--output", "out.bin"],
    ["base64", "--output=out.bin"],
    ["base64", "-ob64.txt"],
    ["sort", "-o", "out", "f"],
    ["sort", "-no", "out", "f"],
    ["sort", "--output=out", "f"],
    ["sort", "--out=out", "f"],
    ["sort", "--compress-program=sh", "f"],
    ["tree", "-o", "out"],
    ["tree", "-R"],
    ["file", "-C", "-m", "magic"],
    ["file", "--compile"],
    ["uniq", "in", "out"],
    ["uniq", "-c", "in", "out"],
    # shell scripts that are not plain, or contain an unsafe command
    ["bash", "-lc", "git", "status"],
    ["bash", "-lc", "'git status'"],
    ["bash", "-lc", "find . -name file.txt -delete"],
    ["bash", "-lc", "ls && rm -rf /"],
    ["bash", "-lc", "ls && rm -rf x"],
    ["bash", "-lc", "(ls)"],
    ["bash", "-lc", "ls || (pwd && echo hi)"],
    ["bash", "-lc", "ls > out.txt"],
    ["bash", "-lc", "ls > f"],
    ["bash", "-lc", "echo $(rm -rf x)"],
    ["bash", "-lc", "echo `id`"],
    ["bash", "-lc", "cat *.py"],
    ["bash", "-lc", "git -C . branch -d feature"],
    ["bash", "-lc", "PAGER=evil git log"],
    ["bash", "-lc", "ls & rm -rf x"],
    ["bash", "-lc", ""],
    ["bash", "-lc", "./ls"],
    ["bash", "-x", "ls"],
    ["fish", "-c", "ls"],
    ["./bash", "-lc", "ls"],
]


@pytest.mark.parametrize("argv", UNSAFE, ids=_argv_id)
def test_not_known_safe(argv: list[str]) -> None:
    assert not is_known_safe_command(argv)


def test_linux_only_tools_follow_platform() -> None:
    on_linux = sys.platform.startswith("linux")
    assert is_known_safe_command(["numfmt", "1000"]) is on_linux
    assert is_known_safe_command(["tac", "f"]) is on_linux


DANGEROUS = [
    ["rm", "-rf", "/"],
    ["rm", "-f", "x"],
    ["rm", "-r", "-f", "x"],
    ["rm", "-vf", "x"],
    ["rm", "--force", "x"],
    ["git", "reset", "--hard"],
    ["git", "rm", "x"],
    ["git", "--force"],
    ["git", "-C", ".", "reset", "--hard"],
    ["/usr/bin/git", "reset", "--hard"],
    ["sudo", "git", "reset", "--hard"],
    ["sudo", "rm", "-rf", "/"],
    ["bash", "-lc", "git reset --hard"],
    ["zsh", "-lc", "git reset --hard"],
    ["bash", "-lc", "ls && rm -rf x"],
]


@pytest.mark.parametrize("argv", DANGEROUS, ids=_argv_id)
def test_dangerous(argv: list[str]) -> None:
    assert command_might_be_dangerous(argv)


NOT_DANGEROUS = [
    [],
    ["ls"],
    ["rm", "x"],
    ["rm", "-r", "x"],
    ["rm", "--", "-f"],
    ["git", "status"],
    ["git", "checkout", "reset"],
    ["bash", "-lc", "git status"],
    ["cargo", "build"],
]


@pytest.mark.parametrize("argv", NOT_DANGEROUS, ids=_argv_id)
def test_not_dangerous(argv: list[str]) -> None:
    assert not command_might_be_dangerous(argv)
