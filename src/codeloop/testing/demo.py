"""``codeloop demo``: the real agent fixing a real failing test, with a scripted model.

Everything but the model is real: a scratch git repository with a failing test, the session, the
tools, the commands (run in real processes), the patch, the rollout file. The model's side is a
fixed script played by :class:`~codeloop.testing.ScriptedModelServer` on 127.0.0.1, so the demo
needs no API key and no network, and it says so before it starts.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from codeloop.testing.script import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ReasoningStep,
    ScriptedResponse,
    ScriptedUsage,
)

__all__ = ["BANNER", "PROMPT", "demo_script", "prepare_repository", "run_demo"]

PROMPT = "The test in test_calc.py fails. Find out why and fix the code, then show it passes."

BANNER = (
    "codeloop demo: a scripted model, no API key and no network. The model's answers are a fixed "
    "script played by a local server; the repository, the commands and the edit are real."
)

CALC_PY = '''\
"""A tiny calculator, with a bug for codeloop's demo to find."""


def add(a: float, b: float) -> float:
    return a + b


def average(numbers: list[float]) -> float:
    """The arithmetic mean of a non-empty list of numbers."""
    return sum(numbers) / (len(numbers) + 1)
'''

TEST_CALC_PY = '''\
"""Run with: python test_calc.py"""

from calc import add, average


def test_add() -> None:
    assert add(2, 3) == 5


def test_average() -> None:
    got = average([2, 4, 6])
    assert got == 4, f"average([2, 4, 6]) returned {got}, expected 4"


if __name__ == "__main__":
    test_add()
    test_average()
    print("all tests passed")
'''

FIX_PATCH = """\
*** Begin Patch
*** Update File: calc.py
@@ def average(numbers: list[float]) -> float:
     \"\"\"The arithmetic mean of a non-empty list of numbers.\"\"\"
-    return sum(numbers) / (len(numbers) + 1)
+    return sum(numbers) / len(numbers)
*** End Patch
"""


def _plan(*statuses: str) -> FunctionCallStep:
    steps = ["Run the failing test", "Read the code under test", "Fix the bug", "Rerun the test"]
    return FunctionCallStep(
        name="update_plan",
        arguments={
            "plan": [{"step": s, "status": st} for s, st in zip(steps, statuses, strict=True)]
        },
    )


def _shell(script: str) -> FunctionCallStep:
    return FunctionCallStep(name="shell", arguments={"command": ["bash", "-lc", script]})


def _python() -> str:
    """``python3`` when it is on PATH (shorter to read), else this interpreter."""
    return "python3" if shutil.which("python3") else shlex.quote(sys.executable)


def demo_script(python: str | None = None) -> list[ScriptedResponse]:
    """The model's side of the demo, one response per request."""
    run_tests = f"{python or _python()} test_calc.py"
    usage = ScriptedUsage(input_tokens=2400, cached_input_tokens=1800, output_tokens=120)
    return [
        ScriptedResponse(
            output=[
                ReasoningStep(summary="Start by reproducing the failure."),
                _plan("in_progress", "pending", "pending", "pending"),
                _shell(run_tests),
            ],
            usage=usage,
        ),
        ScriptedResponse(
            output=[
                ReasoningStep(summary="average() is off; read calc.py."),
                _plan("completed", "in_progress", "pending", "pending"),
                _shell("cat calc.py"),
            ],
            usage=usage,
        ),
        ScriptedResponse(
            output=[
                ReasoningStep(summary="It divides by len + 1; the mean divides by len."),
                _plan("completed", "completed", "in_progress", "pending"),
                CustomToolCallStep(name="apply_patch", input=FIX_PATCH),
            ],
            usage=usage,
        ),
        ScriptedResponse(
            output=[_plan("completed", "completed", "completed", "in_progress"), _shell(run_tests)],
            usage=usage,
        ),
        ScriptedResponse(
            output=[_plan("completed", "completed", "completed", "completed")], usage=usage
        ),
        ScriptedResponse(
            output=[
                MessageStep(
                    text=(
                        "Fixed. `average()` in `calc.py` divided by `len(numbers) + 1`, so "
                        "`average([2, 4, 6])` returned 3.0 instead of 4. It now divides by "
                        "`len(numbers)`, and `python test_calc.py` passes."
                    )
                ),
            ],
            usage=usage,
        ),
    ]


def prepare_repository(root: Path) -> Path:
    """A git repository with a failing test, committed (git is optional: skipped if absent)."""
    repo = root / "calc-project"
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "calc.py").write_text(CALC_PY, encoding="utf-8")
    (repo / "test_calc.py").write_text(TEST_CALC_PY, encoding="utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "codeloop demo",
        "GIT_AUTHOR_EMAIL": "demo@codeloop.invalid",
        "GIT_COMMITTER_NAME": "codeloop demo",
        "GIT_COMMITTER_EMAIL": "demo@codeloop.invalid",
    }
    try:
        for args in (
            ["git", "init", "-q"],
            ["git", "add", "-A"],
            ["git", "commit", "-q", "-m", "calc with a failing test"],
        ):
            subprocess.run(args, cwd=repo, env=env, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        pass  # without git the demo still runs (exec is told to skip the repository check)
    return repo


def run_demo(*, workdir: Path | None = None, as_json: bool = False, color: str = "auto") -> int:
    """Set up, run the agent through ``codeloop exec``'s runner, and return its exit status."""
    from codeloop.headless.runner import ExecRequest, run_exec
    from codeloop.testing.model_server import ScriptedModelServer

    root = workdir or Path(tempfile.mkdtemp(prefix="codeloop-demo-"))
    repo = prepare_repository(root)
    home = root / "codeloop-home"
    home.mkdir(exist_ok=True)
    if not as_json:
        sys.stderr.write(BANNER + "\n\n")
        sys.stderr.flush()
    with ScriptedModelServer(demo_script()) as server:
        (home / "config.toml").write_text(
            'model = "gpt-5-codex"\n'
            'model_provider = "scripted-demo"\n'
            'approval_policy = "never"\n'
            'sandbox_mode = "workspace-write"\n\n'
            "[model_providers.scripted-demo]\n"
            'name = "scripted demo model"\n'
            f'base_url = "{server.base_url}"\n'
            'wire_api = "responses"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "CODELOOP_HOME": str(home)}
        status = run_exec(
            ExecRequest(
                prompt=PROMPT,
                cwd=repo,
                json=as_json,
                color=color,  # type: ignore[arg-type]
                skip_git_repo_check=True,
                home=home,
                env=env,
            )
        )
    if not as_json:
        sys.stderr.write(
            f"\nThe repository is in {repo} (try `git -C {repo} diff`); the session's record is "
            f"under {home / 'sessions'}.\n"
        )
    return status
