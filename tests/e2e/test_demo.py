"""``codeloop demo`` runs the real agent end to end against the scripted model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def test_demo_fixes_the_failing_test(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["HOME"] = str(tmp_path / "user-home")
    env.pop("CODELOOP_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "codeloop", "demo", "--json", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["type"] == "thread.started"
    assert events[-1]["type"] == "turn.completed"
    commands = [
        e["item"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == "command_execution"
    ]
    assert [c["status"] for c in commands] == ["failed", "completed", "completed"]
    assert "all tests passed" in commands[-1]["aggregated_output"]
    patches = [
        e["item"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == "file_change"
    ]
    assert patches and patches[0]["status"] == "completed"
    repo = tmp_path / "demo" / "calc-project"
    assert "/ len(numbers)\n" in (repo / "calc.py").read_text(encoding="utf-8")
    rerun = subprocess.run(
        [sys.executable, "test_calc.py"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert rerun.returncode == 0
    # The user's own home was never touched.
    assert not (tmp_path / "user-home" / ".codeloop").exists()
    assert list((tmp_path / "demo" / "codeloop-home" / "sessions").rglob("rollout-*.jsonl"))
