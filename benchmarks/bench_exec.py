"""``codeloop exec`` as a whole process against the scripted model server.

- ``exec.one_message``: ``codeloop exec --json`` answering one scripted message: wall time of the
  whole process, and the time from process start to the request reaching the server (a server
  predicate notes the arrival time on the same monotonic clock).
- ``exec.twenty_tool_calls``: a session of 20 shell calls (``true``) then a message; the script has
  no delays, so the time per tool call is (wall time - one-message wall time) / 20: what the agent
  loop itself costs per call (request, stream, record, spawn, output back).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

try:
    from benchmarks.harness import Benchmark, Context, Result, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_exec.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, Result, run_module

if TYPE_CHECKING:
    from codeloop.testing.script import RecordedRequest, ScriptedResponse

TOOL_CALLS = 20


def _home(root: Path, base_url: str) -> dict[str, str]:
    home = root / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        'model = "gpt-5-codex"\nmodel_provider = "bench"\n'
        f'[model_providers.bench]\nname = "bench"\nbase_url = "{base_url}"\n'
        'wire_api = "responses"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["CODELOOP_HOME"] = str(home)
    # Measure what users get: bytecode cached after the first (warm-up) run. Some sandboxes set
    # PYTHONDONTWRITEBYTECODE, which makes every run recompile codeloop (~0.1 s more).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _argv() -> list[str]:
    script = Path(sys.executable).with_name("codeloop")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "codeloop"]
    return [*exe, "exec", "--json", "--skip-git-repo-check", "--full-auto", "go"]


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - start


def bench_one_message(ctx: Context) -> None:
    from codeloop.testing import ScriptedModelServer
    from codeloop.testing.script import MessageStep, ScriptedResponse

    arrivals: list[float] = []

    def arrived(_req: RecordedRequest) -> bool:
        arrivals.append(time.monotonic())
        return True

    n = ctx.n_samples(15)
    response = ScriptedResponse(output=[MessageStep(text="Hi!")], repeat=True, predicate=arrived)
    with tempfile.TemporaryDirectory() as tmp, ScriptedModelServer([response]) as server:
        env = _home(Path(tmp), server.base_url)
        argv = _argv()
        for _ in range(ctx.n_warmup(2)):
            _run(argv, env, Path(tmp))
        walls: list[float] = []
        to_request: list[float] = []
        for _ in range(n):
            arrivals.clear()
            start = time.monotonic()
            walls.append(_run(argv, env, Path(tmp)))
            to_request.append(arrivals[0] - start)
    ctx.add_result(Result(name="exec.one_message.wall", samples=walls, kind="command"))
    ctx.add_result(Result(name="exec.one_message.to_request", samples=to_request, kind="derived"))
    ctx.note("goal: process start -> request at the server < 250 ms")


def _tool_script() -> list[ScriptedResponse]:
    from codeloop.testing.script import FunctionCallStep, MessageStep, ScriptedResponse

    calls = [
        ScriptedResponse(output=[FunctionCallStep(name="shell", arguments={"command": ["true"]})])
        for _ in range(TOOL_CALLS)
    ]
    return [*calls, ScriptedResponse(output=[MessageStep(text="done")])]


def bench_tool_calls(ctx: Context) -> None:
    from codeloop.testing import ScriptedModelServer

    n = ctx.n_samples(8)
    with tempfile.TemporaryDirectory() as tmp:
        argv = _argv()
        walls: list[float] = []
        base: list[float] = []
        for i in range(n + ctx.n_warmup(1)):
            with ScriptedModelServer(_tool_script()) as server:
                env = _home(Path(tmp), server.base_url)
                wall = _run(argv, env, Path(tmp))
            with ScriptedModelServer(_tool_script()[-1:]) as server:
                env = _home(Path(tmp), server.base_url)
                one = _run(argv, env, Path(tmp))
            if i >= ctx.n_warmup(1):
                walls.append(wall)
                base.append(one)
    per_call = [(w - b) / TOOL_CALLS for w, b in zip(walls, base, strict=True)]
    ctx.add_result(Result(name="exec.twenty_tool_calls.wall", samples=walls, kind="command"))
    ctx.add_result(Result(name="exec.per_tool_call", samples=per_call, kind="derived"))


BENCHMARKS = [
    Benchmark(
        "exec.one_message",
        bench_one_message,
        description="codeloop exec --json with one scripted message, as a whole process",
        goal="start -> request at the server < 250 ms",
    ),
    Benchmark(
        "exec.tool_calls",
        bench_tool_calls,
        description=f"a {TOOL_CALLS}-tool-call scripted session; per-call cost of the loop",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
