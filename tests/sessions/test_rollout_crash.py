"""Crash safety: a recorder process killed with SIGKILL at a random moment loses at most the line
it was writing, and every earlier line reads back intact and in order."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codeloop.protocol import items
from codeloop.sessions.rollout import read_rollout

# Lines of varied size (up to ~200 KB) so the kill often lands inside a write.
CHILD = r"""
import sys
from pathlib import Path
from codeloop.protocol.items import FunctionCallOutput
from codeloop.sessions.rollout import RolloutRecorder, new_session_meta

meta = new_session_meta(cwd="/", originator="crash_test", cli_version="0")
rec = RolloutRecorder.create(Path(sys.argv[1]), meta, fsync="never")
sys.stdout.write(str(rec.path) + "\n")
sys.stdout.flush()
sizes = (10, 1_000, 30_000, 200_000)
i = 0
while True:
    rec.record(FunctionCallOutput(call_id=str(i), output="é" * sizes[i % 4]))
    i += 1
"""


def _crash_once(home: Path, rng: random.Random) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path_line = proc.stdout.readline()
        assert path_line, proc.stderr.read() if proc.stderr else "child died"
        time.sleep(rng.uniform(0.0, 0.08))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    path = Path(path_line.strip())
    data = path.read_bytes()
    contents = read_rollout(path)
    complete_lines = data.count(b"\n") - 1  # minus the meta line
    # Every complete line decodes; only an unterminated tail may be dropped, with a warning
    # (or kept, in the unlikely case the write stopped just before its newline).
    tail_kept = bool(contents.warnings) and "kept" in contents.warnings[0].message
    assert len(contents.lines) == complete_lines + tail_kept
    for i, line in enumerate(contents.lines):
        payload = line.payload
        assert isinstance(payload, items.FunctionCallOutput)
        assert payload.call_id == str(i)
        assert payload.output == "é" * (10, 1_000, 30_000, 200_000)[i % 4]
    if data.endswith(b"\n"):
        assert contents.warnings == []
    else:
        [warning] = contents.warnings
        assert warning.line == complete_lines + 2
        assert tail_kept or "truncated last line" in warning.message


def test_sigkill_loses_at_most_the_last_line(tmp_path: Path) -> None:
    rng = random.Random(1234)
    for n in range(5):
        _crash_once(tmp_path / f"home{n}", rng)


@pytest.mark.slow
def test_sigkill_loses_at_most_the_last_line_many_times(tmp_path: Path) -> None:
    rng = random.Random()
    for n in range(100):
        _crash_once(tmp_path / f"home{n}", rng)
