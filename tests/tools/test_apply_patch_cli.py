"""``codeloop apply-patch`` as a real process: stdin, an argument, and failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODELOOP = Path(sys.executable).with_name("codeloop")
PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+Hello, world!\n*** End Patch\n"


def run(
    args: list[str], cwd: Path, stdin: str | bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    command = [str(CODELOOP)] if CODELOOP.exists() else [sys.executable, "-m", "codeloop"]
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [*command, "apply-patch", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_patch_on_stdin_with_dash(tmp_path: Path) -> None:
    done = run(["-"], tmp_path, PATCH)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Success. Updated the following files:\nA hello.txt\n"
    assert done.stderr == b""
    assert (tmp_path / "hello.txt").read_text(encoding="utf-8") == "Hello, world!\n"


def test_patch_on_stdin_without_argument(tmp_path: Path) -> None:
    done = run([], tmp_path, PATCH)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hello.txt").exists()


def test_patch_as_argument(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("café – one\n", encoding="utf-8")
    patch = "*** Begin Patch\n*** Update File: f.txt\n@@\n-café - one\n+café ✅\n*** End Patch"
    done = run([patch], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Success. Updated the following files:\nM f.txt\n"
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "café ✅\n"


def test_failure_is_one_line_on_stderr_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n", encoding="utf-8")
    patch = "*** Begin Patch\n*** Update File: f.txt\n@@\n-x\n-y\n+z\n*** End Patch\n"
    done = run(["-"], tmp_path, patch)
    assert done.returncode == 1
    assert done.stdout == b""
    assert done.stderr == (
        b"codeloop: apply-patch: Failed to find expected lines in f.txt (the only chunk): "
        b'["x", "y"]\n'
    )
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "a\n"


def test_parse_failure(tmp_path: Path) -> None:
    done = run(["-"], tmp_path, "*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch\n")
    assert done.returncode == 1
    lines = done.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "codeloop: apply-patch: Invalid patch hunk on line 2: '*** Frobnicate File: foo' is not"
    )


def test_partial_failure_keeps_earlier_files(tmp_path: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Add File: created.txt\n+hello\n"
        "*** Delete File: missing.txt\n*** End Patch\n"
    )
    done = run(["-"], tmp_path, patch)
    assert done.returncode == 1
    assert done.stderr == (
        b"codeloop: apply-patch: Failed to delete file missing.txt: No such file or directory "
        b"(earlier changes of this patch were applied: A created.txt)\n"
    )
    assert (tmp_path / "created.txt").exists()


def test_stdin_that_is_not_utf8(tmp_path: Path) -> None:
    done = run(["-"], tmp_path, b"\xff\xfe")
    assert done.returncode == 1
    assert done.stderr.startswith(b"codeloop: apply-patch: the patch on stdin is not UTF-8")


def test_listed_in_help(tmp_path: Path) -> None:
    command = [str(CODELOOP)] if CODELOOP.exists() else [sys.executable, "-m", "codeloop"]
    done = subprocess.run(
        [*command, "--help"], capture_output=True, timeout=60, cwd=tmp_path, check=False
    )
    assert b"apply-patch" in done.stdout
