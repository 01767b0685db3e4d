"""Start-up as a whole process: ``codeloop --version`` and ``codeloop --help`` against a bare
``python -c pass`` of the same interpreter, and which heavy modules each command imports.

Start-up is a feature (DESIGN.md §3): ``--version`` should be within 3× a bare interpreter
start and import none of the heavy dependencies; ``--help`` may load click but not httpx,
textual, mcp or openai. The three commands run interleaved (one of each per round), so load
changes during the run hit them alike. The import lists come from ``python -X importtime``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

try:
    from benchmarks.harness import Benchmark, Context, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_startup.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, run_module

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

#: Modules whose import is expensive here (DESIGN.md §3), checked by top-level package name.
HEAVY_MODULES = ("httpx", "msgspec", "textual", "mcp", "rich", "click", "openai")
VERSION_RATIO_GOAL = 3.0


def codeloop_argv() -> list[str]:
    """How to start codeloop: the console script next to ``sys.executable`` if there is one,
    else ``python -m codeloop``."""
    script = Path(sys.executable).parent / "codeloop"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "codeloop"]


def _clean_env() -> dict[str, str]:
    """The current environment without variables that would change how Python starts."""
    drop = {"PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC", "PYTHONVERBOSE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def importtime_argv(args: Sequence[str]) -> list[str]:
    """``codeloop ARGS`` run under ``python -X importtime`` (the console script is a Python
    file, so the interpreter can run it directly)."""
    base = codeloop_argv()
    if base[0] != sys.executable:
        return [sys.executable, "-X", "importtime", base[0], *args]
    return [sys.executable, "-X", "importtime", "-m", "codeloop", *args]


def parse_importtime(stderr: str) -> dict[str, int]:
    """Module name -> cumulative import time in µs, from ``-X importtime`` output lines like
    ``import time:       312 |       1204 |   click.core``."""
    modules: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        modules.setdefault(parts[2].strip(), int(parts[1]))
    return modules


def imported_modules(args: Sequence[str]) -> dict[str, int]:
    """The modules ``codeloop ARGS`` imports (beyond interpreter start-up), with cumulative µs."""
    proc = subprocess.run(
        importtime_argv(args),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=_clean_env(),
        check=False,
        timeout=60,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"codeloop {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return parse_importtime(proc.stderr)


def heavy_imports(
    modules: Mapping[str, int], heavy: Iterable[str] = HEAVY_MODULES
) -> dict[str, float]:
    """Heavy top-level packages among ``modules`` -> their cumulative import time in ms."""
    found: dict[str, float] = {}
    for name in heavy:
        times = [us for mod, us in modules.items() if mod == name or mod.startswith(name + ".")]
        if times:
            found[name] = modules.get(name, max(times)) / 1000
    return found


def bench_commands(ctx: Context) -> None:
    env = _clean_env()
    codeloop = codeloop_argv()
    results = ctx.time_commands(
        {
            "startup.python_c_pass": [sys.executable, "-c", "pass"],
            "startup.codeloop_version": [*codeloop, "--version"],
            "startup.codeloop_help": [*codeloop, "--help"],
        },
        env=env,
    )
    bare = results["startup.python_c_pass"]
    version = results["startup.codeloop_version"]
    helped = results["startup.codeloop_help"]
    base = bare.stats.mean
    for result, label, goal in (
        (version, "codeloop --version", VERSION_RATIO_GOAL),
        (helped, "codeloop --help", None),
    ):
        ratio = result.stats.mean / base
        result.extra["ratio_to_python_c_pass"] = ratio
        verdict = ""
        if goal is not None:
            verdict = f" (goal ≤ {goal:g}×: {'met' if ratio <= goal else 'MISSED'})"
        ctx.note(f"{label} / python -c pass = {ratio:.2f}×{verdict}")
    ctx.note(f"command: {' '.join(codeloop)}")


def bench_imports(ctx: Context) -> None:
    for args in (["--version"], ["--help"]):
        modules = imported_modules(args)
        heavy = heavy_imports(modules)
        listed = ", ".join(f"{k} ({v:.1f} ms)" for k, v in heavy.items()) or "none"
        stdlib = sys.stdlib_module_names
        packages = sorted({m.split(".")[0] for m in modules} - stdlib - {"_distutils_hack"})
        ctx.note(f"codeloop {args[0]}: heavy imports: {listed}")
        ctx.note(f"codeloop {args[0]}: {len(modules)} modules; non-stdlib packages: {packages}")


BENCHMARKS = [
    Benchmark(
        "startup",
        bench_commands,
        description="codeloop --version and --help as whole processes vs python -c pass",
        goal=f"codeloop --version within {VERSION_RATIO_GOAL:g}× python -c pass",
    ),
    Benchmark(
        "startup.imports",
        bench_imports,
        description="heavy modules imported by codeloop --version / --help (-X importtime)",
        goal=f"--version: none of {', '.join(HEAVY_MODULES)}; --help: no httpx/textual/mcp/openai",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
