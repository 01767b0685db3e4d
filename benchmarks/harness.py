"""The benchmark harness (SPEC-940): time callables and whole commands, report, compare.

Performance targets are benchmarks that print figures, never timed assertions in the test suite.

A scenario module is ``benchmarks/bench_<topic>.py`` exposing ``BENCHMARKS: list[Benchmark]``.
Each :class:`Benchmark` has a name and a ``run(ctx)`` function; inside it, time things with the
:class:`Context` methods, which record a :class:`Result` each::

    from benchmarks.harness import Benchmark, Context, Skip, run_module

    def encode(ctx: Context) -> None:
        data = build_data()                                   # setup: not timed
        ctx.time_function("topic.encode", lambda: encode(data))  # per-call times
        ctx.time_command("topic.cli", ["codeloop", "--version"])  # a whole process
        ctx.note("payload: 2.1 MB")                           # extra figures for the report

    BENCHMARKS = [Benchmark("topic.encode", encode, description="...", goal="...")]

    if __name__ == "__main__":
        raise SystemExit(run_module(BENCHMARKS))

Raise :class:`Skip` from ``run`` when something it needs is not there yet. For one-liners see
:func:`function_benchmark` and :func:`command_benchmark`. All times are seconds (``unit: "s"``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import fnmatch
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

__all__ = [
    "Benchmark",
    "CommandFailed",
    "Comparison",
    "Context",
    "Result",
    "RunReport",
    "Skip",
    "Stats",
    "collect_meta",
    "command_benchmark",
    "compare_results",
    "discover",
    "format_comparison",
    "format_table",
    "format_time",
    "function_benchmark",
    "load_results",
    "main",
    "measure_async",
    "measure_command",
    "measure_commands",
    "measure_function",
    "percentile",
    "run_benchmarks",
    "run_module",
    "select",
    "welch_p_value",
    "write_results",
]

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent

DEFAULT_SAMPLES = 20
DEFAULT_WARMUP = 3
QUICK_SAMPLES = 5
QUICK_WARMUP = 1
#: Auto inner loops: aim for samples at least this long so the timer's resolution does not matter.
MIN_SAMPLE_TIME = 0.02
QUICK_MIN_SAMPLE_TIME = 0.005
MAX_INNER_LOOPS = 1_000_000
#: Calls at least this long are timed one per sample (percentiles then describe single calls).
SINGLE_CALL_TIME = 0.001

AsyncLoopMode = Literal["shared", "per_sample"]


class Skip(Exception):
    """Raised by a scenario that cannot run here (a feature not written yet, a missing tool)."""


class CommandFailed(RuntimeError):
    """A timed command exited with a non-zero status."""


# --------------------------------------------------------------------------------------------
# statistics


def percentile(data: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks.

    This is numpy's default (``method="linear"``, Hyndman & Fan type 7) and what
    ``statistics.quantiles(method="inclusive")`` computes: with the data sorted as x[0..n-1],
    ``h = (n - 1) * q / 100`` and the result is ``x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] -
    x[floor(h)])``. So p0 is the minimum, p100 the maximum and p50 the usual median.
    """
    xs = sorted(data)
    if not xs:
        raise ValueError("percentile of no data")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    h = (len(xs) - 1) * q / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


@dataclass(frozen=True)
class Stats:
    """Summary of samples (seconds). ``stddev`` is the sample standard deviation (n - 1); it is
    ``None`` for a single sample."""

    n: int
    mean: float
    stddev: float | None
    min: float
    max: float
    p50: float
    p95: float
    p99: float

    @classmethod
    def from_samples(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        xs = [float(x) for x in samples]
        return cls(
            n=len(xs),
            mean=statistics.fmean(xs),
            stddev=statistics.stdev(xs) if len(xs) > 1 else None,
            min=min(xs),
            max=max(xs),
            p50=percentile(xs, 50),
            p95=percentile(xs, 95),
            p99=percentile(xs, 99),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean": self.mean,
            "stddev": self.stddev,
            "min": self.min,
            "max": self.max,
            "p50": self.p50,
            "p95": self.p95,
            "p99": self.p99,
        }


# --------------------------------------------------------------------------------------------
# results


@dataclass
class Result:
    """One timed benchmark: per-call samples in seconds, plus how they were taken."""

    name: str
    samples: list[float]
    #: ``function``, ``async``, ``command`` or ``derived`` (computed from another result).
    kind: str = "function"
    #: Calls per sample; each sample is the sample's total time divided by this.
    inner_loops: int = 1
    warmup: int = 0
    #: Free-form figures (payload sizes, counts, ratios) kept in the JSON.
    extra: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> Stats:
        return Stats.from_samples(self.samples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": "s",
            "kind": self.kind,
            "inner_loops": self.inner_loops,
            "warmup": self.warmup,
            "samples": list(self.samples),
            "stats": self.stats.to_dict(),
            "extra": dict(self.extra),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        unit = data.get("unit", "s")
        if unit != "s":
            raise ValueError(f"benchmark {data.get('name')!r}: unit {unit!r}, expected 's'")
        return cls(
            name=str(data["name"]),
            samples=[float(x) for x in data["samples"]],
            kind=str(data.get("kind", "function")),
            inner_loops=int(data.get("inner_loops", 1)),
            warmup=int(data.get("warmup", 0)),
            extra=dict(data.get("extra") or {}),
            meta=dict(data.get("meta") or {}),
        )


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def collect_meta() -> dict[str, Any]:
    """Where and when the figures were taken: interpreter, platform, CPUs, time, git commit."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    codeloop_version: str | None
    try:
        from codeloop import __version__ as codeloop_version
    except ImportError:  # pragma: no cover - the harness works without codeloop installed
        codeloop_version = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        #: 1-minute load average when the run started: figures from a busy machine are slower.
        "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "timestamp": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "git_dirty": bool(status) if status is not None else None,
        "codeloop_version": codeloop_version,
    }


def write_results(
    path: str | Path,
    results: Sequence[Result],
    *,
    skipped: Sequence[tuple[str, str]] = (),
    notes: Sequence[tuple[str, str]] = (),
) -> None:
    """Write ``{"benchmarks": [...], "skipped": [...], "notes": [...]}`` as JSON."""
    doc = {
        "benchmarks": [r.to_dict() for r in results],
        "skipped": [{"name": n, "reason": why} for n, why in skipped],
        "notes": [{"benchmark": n, "text": text} for n, text in notes],
    }
    Path(path).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_results(path: str | Path) -> list[Result]:
    """Read a results file: ``{"benchmarks": [...]}``, a list of benchmarks, or one benchmark."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "benchmarks" in data:
        items = data["benchmarks"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "samples" in data:
        items = [data]
    else:
        raise ValueError(f"{path}: not a benchmark results file")
    return [Result.from_dict(item) for item in items]


# --------------------------------------------------------------------------------------------
# measuring


def _time_calls(fn: Callable[[], object], loops: int) -> int:
    """Nanoseconds taken by ``loops`` calls of ``fn``."""
    t0 = time.perf_counter_ns()
    for _ in range(loops):
        fn()
    return time.perf_counter_ns() - t0


def _calibrate(fn: Callable[[], object], min_sample_time: float) -> int:
    """Inner loops making one sample last about ``min_sample_time`` (like ``timeit.autorange``)."""
    loops = 1
    while True:
        elapsed = _time_calls(fn, loops) / 1e9
        if elapsed >= min_sample_time / 5 or loops >= MAX_INNER_LOOPS:
            break
        loops *= 10
    per_call = max(elapsed / loops, 1e-9)
    if per_call >= SINGLE_CALL_TIME:
        return 1
    return max(1, min(MAX_INNER_LOOPS, math.ceil(min_sample_time / per_call)))


def measure_function(
    fn: Callable[[], object],
    *,
    samples: int = DEFAULT_SAMPLES,
    warmup: int = DEFAULT_WARMUP,
    inner_loops: int | None = None,
    setup: Callable[[], object] | None = None,
    min_sample_time: float = MIN_SAMPLE_TIME,
) -> tuple[list[float], int]:
    """Time a synchronous callable; returns (per-call seconds per sample, inner loops used).

    ``inner_loops=None`` calibrates: a call under 1 ms is repeated enough times per sample to
    last ``min_sample_time`` (the calibration calls count as warm-up); a longer one runs once.
    ``setup``, if given, runs untimed before every warm-up call and every sample; then
    ``inner_loops`` defaults to 1.
    """
    if samples < 1:
        raise ValueError("samples must be >= 1")
    for _ in range(warmup):
        if setup is not None:
            setup()
        fn()
    if inner_loops is None:
        inner_loops = 1 if setup is not None else _calibrate(fn, min_sample_time)
    if inner_loops < 1:
        raise ValueError("inner_loops must be >= 1")
    out: list[float] = []
    for _ in range(samples):
        if setup is not None:
            setup()
        out.append(_time_calls(fn, inner_loops) / 1e9 / inner_loops)
    return out, inner_loops


def measure_async(
    fn: Callable[[], Awaitable[object]],
    *,
    samples: int = DEFAULT_SAMPLES,
    warmup: int = DEFAULT_WARMUP,
    inner_loops: int = 1,
    loop: AsyncLoopMode = "shared",
) -> list[float]:
    """Time an async callable (``fn()`` returns an awaitable); returns per-call seconds.

    ``loop="shared"`` runs warm-up and all samples in one ``asyncio.run``; ``"per_sample"`` gives
    every warm-up run and sample its own ``asyncio.run`` (a fresh event loop). Either way only the
    awaits are timed, not creating or closing the loop.
    """
    if samples < 1 or inner_loops < 1:
        raise ValueError("samples and inner_loops must be >= 1")

    async def one_sample() -> float:
        t0 = time.perf_counter_ns()
        for _ in range(inner_loops):
            await fn()
        return (time.perf_counter_ns() - t0) / 1e9 / inner_loops

    async def warm() -> None:
        await fn()

    if loop == "shared":

        async def everything() -> list[float]:
            for _ in range(warmup):
                await fn()
            return [await one_sample() for _ in range(samples)]

        return asyncio.run(everything())
    if loop == "per_sample":
        for _ in range(warmup):
            asyncio.run(warm())
        return [asyncio.run(one_sample()) for _ in range(samples)]
    raise ValueError(f"unknown loop mode {loop!r}")


def _warm_command(
    args: list[str], env: dict[str, str] | None, cwd: str | Path | None, check: bool
) -> None:
    proc = subprocess.run(
        args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise CommandFailed(f"{args} exited {proc.returncode}: {stderr[-2000:]}")


def _timed_command(
    args: list[str], env: dict[str, str] | None, cwd: str | Path | None, check: bool
) -> float:
    t0 = time.perf_counter_ns()
    proc = subprocess.run(
        args,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter_ns() - t0
    if check and proc.returncode != 0:
        raise CommandFailed(f"{args} exited {proc.returncode}")
    return elapsed / 1e9


def measure_command(
    argv: Sequence[str],
    *,
    samples: int = DEFAULT_SAMPLES,
    warmup: int = DEFAULT_WARMUP,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    check: bool = True,
) -> list[float]:
    """Time a whole command (no shell), wall clock from spawn to exit; returns seconds per run.

    Output goes to /dev/null while timed. With ``check`` the command must exit 0: it runs once
    untimed first (as warm-up) so a failure shows its stderr.
    """
    return measure_commands(
        {"": argv}, samples=samples, warmup=warmup, env=env, cwd=cwd, check=check
    )[""]


def measure_commands(
    commands: Mapping[str, Sequence[str]],
    *,
    samples: int = DEFAULT_SAMPLES,
    warmup: int = DEFAULT_WARMUP,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    check: bool = True,
) -> dict[str, list[float]]:
    """Time several commands **interleaved** (round-robin: each round runs each command once), so
    a change in machine load during the run hits them alike and their ratios stay fair.

    Returns name -> seconds per run; otherwise as :func:`measure_command`.
    """
    if samples < 1:
        raise ValueError("samples must be >= 1")
    argvs = {name: [str(a) for a in argv] for name, argv in commands.items()}
    env_dict = dict(env) if env is not None else None
    for _ in range(max(warmup, 1 if check else 0)):
        for args in argvs.values():
            _warm_command(args, env_dict, cwd, check)
    out: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(samples):
        for name, args in argvs.items():
            out[name].append(_timed_command(args, env_dict, cwd, check))
    return out


# --------------------------------------------------------------------------------------------
# scenarios


class Context:
    """Handed to every ``Benchmark.run``: the run's settings, and methods that time and record.

    ``samples``/``warmup`` given to a method are the scenario's defaults; ``--samples N`` on the
    command line overrides them and ``--quick`` caps them (5 samples, 1 warm-up).
    """

    def __init__(
        self,
        *,
        samples: int | None = None,
        quick: bool = False,
        benchmark: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.samples_override = samples
        self.quick = quick
        self.benchmark = benchmark
        self.meta = dict(meta or {})
        self.results: list[Result] = []
        self.notes: list[str] = []

    def n_samples(self, default: int | None = None) -> int:
        """Samples to take for a scenario whose own default is ``default``."""
        if self.samples_override is not None:
            return self.samples_override
        n = DEFAULT_SAMPLES if default is None else default
        return min(n, QUICK_SAMPLES) if self.quick else n

    def n_warmup(self, default: int | None = None) -> int:
        n = DEFAULT_WARMUP if default is None else default
        return min(n, QUICK_WARMUP) if self.quick else n

    def _record(
        self, name: str | None, samples: list[float], extra: Mapping[str, Any] | None, **kw: Any
    ) -> Result:
        result = Result(
            name=name or self.benchmark,
            samples=samples,
            extra=dict(extra or {}),
            meta=dict(self.meta),
            **kw,
        )
        return self.add_result(result)

    def add_result(self, result: Result) -> Result:
        """Record a result made by hand (e.g. derived figures such as time per item)."""
        if any(r.name == result.name for r in self.results):
            raise ValueError(f"duplicate result name {result.name!r}")
        if not result.meta:
            result.meta = dict(self.meta)
        self.results.append(result)
        return result

    def note(self, text: str) -> None:
        """An extra line of figures printed under the table (ratios, sizes, import lists)."""
        self.notes.append(text)

    def time_function(
        self,
        name: str | None,
        fn: Callable[[], object],
        *,
        samples: int | None = None,
        warmup: int | None = None,
        inner_loops: int | None = None,
        setup: Callable[[], object] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Result:
        """Time a sync callable (see :func:`measure_function`); ``name=None`` uses the
        benchmark's name."""
        warm = self.n_warmup(warmup)
        times, loops = measure_function(
            fn,
            samples=self.n_samples(samples),
            warmup=warm,
            inner_loops=inner_loops,
            setup=setup,
            min_sample_time=QUICK_MIN_SAMPLE_TIME if self.quick else MIN_SAMPLE_TIME,
        )
        return self._record(name, times, extra, kind="function", inner_loops=loops, warmup=warm)

    def time_async(
        self,
        name: str | None,
        fn: Callable[[], Awaitable[object]],
        *,
        samples: int | None = None,
        warmup: int | None = None,
        inner_loops: int = 1,
        loop: AsyncLoopMode = "shared",
        extra: Mapping[str, Any] | None = None,
    ) -> Result:
        """Time an async callable (see :func:`measure_async`)."""
        warm = self.n_warmup(warmup)
        times = measure_async(
            fn, samples=self.n_samples(samples), warmup=warm, inner_loops=inner_loops, loop=loop
        )
        return self._record(name, times, extra, kind="async", inner_loops=inner_loops, warmup=warm)

    def time_command(
        self,
        name: str | None,
        argv: Sequence[str],
        *,
        samples: int | None = None,
        warmup: int | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        check: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> Result:
        """Time a whole command (see :func:`measure_command`)."""
        warm = self.n_warmup(warmup)
        times = measure_command(
            argv, samples=self.n_samples(samples), warmup=warm, env=env, cwd=cwd, check=check
        )
        info = {"argv": [str(a) for a in argv], **(extra or {})}
        return self._record(name, times, info, kind="command", warmup=warm)

    def time_commands(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        samples: int | None = None,
        warmup: int | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        check: bool = True,
    ) -> dict[str, Result]:
        """Time several commands interleaved (see :func:`measure_commands`); use it for
        commands compared with each other. ``commands`` maps result name -> argv."""
        warm = self.n_warmup(warmup)
        times = measure_commands(
            commands, samples=self.n_samples(samples), warmup=warm, env=env, cwd=cwd, check=check
        )
        return {
            name: self._record(
                name,
                times[name],
                {
                    "argv": [str(a) for a in argv],
                    "interleaved_with": sorted(set(commands) - {name}),
                },
                kind="command",
                warmup=warm,
            )
            for name, argv in commands.items()
        }


@dataclass(frozen=True)
class Benchmark:
    """A named scenario: ``run(ctx)`` does its setup and times things through ``ctx``."""

    name: str
    run: Callable[[Context], object]
    description: str = ""
    goal: str = ""
    #: The module it came from (``bench_protocol``); set by :func:`discover`.
    module: str = ""


def function_benchmark(
    name: str,
    fn: Callable[[], object],
    *,
    description: str = "",
    goal: str = "",
    **options: Any,
) -> Benchmark:
    """A benchmark that times one callable (``options`` go to :meth:`Context.time_function`)."""
    return Benchmark(name, lambda ctx: ctx.time_function(name, fn, **options), description, goal)


def command_benchmark(
    name: str,
    argv: Sequence[str],
    *,
    description: str = "",
    goal: str = "",
    **options: Any,
) -> Benchmark:
    """A benchmark that times one command (``options`` go to :meth:`Context.time_command`)."""
    return Benchmark(name, lambda ctx: ctx.time_command(name, argv, **options), description, goal)


def discover(
    directory: str | Path = BENCH_DIR, package: str = "benchmarks"
) -> tuple[list[Benchmark], list[tuple[str, str]]]:
    """Import ``<directory>/bench_*.py`` as ``<package>.bench_*`` and collect their
    ``BENCHMARKS``; returns (benchmarks, [(module, error text)] for modules that failed)."""
    found: list[Benchmark] = []
    errors: list[tuple[str, str]] = []
    for path in sorted(Path(directory).glob("bench_*.py")):
        try:
            module = importlib.import_module(f"{package}.{path.stem}")
        except Exception:
            errors.append((path.stem, traceback.format_exc()))
            continue
        items = getattr(module, "BENCHMARKS", None)
        if not isinstance(items, list | tuple):
            errors.append((path.stem, "defines no BENCHMARKS list"))
            continue
        for item in items:
            if not isinstance(item, Benchmark):
                errors.append((path.stem, f"BENCHMARKS holds {item!r}, not a Benchmark"))
                continue
            found.append(replace(item, module=path.stem))
    return found, errors


def _matches(bench: Benchmark, pattern: str) -> bool:
    if fnmatch.fnmatchcase(bench.name, pattern) or bench.name.startswith(pattern + "."):
        return True
    module = bench.module
    return bool(module) and pattern in (module, module.removeprefix("bench_"))


def select(benchmarks: Sequence[Benchmark], patterns: Sequence[str]) -> list[Benchmark]:
    """Benchmarks matching any pattern: a glob on the name (``startup.*``), a dotted prefix
    (``startup``), or a module (``bench_startup`` / ``startup``). No patterns: all of them."""
    if not patterns:
        return list(benchmarks)
    unknown = [p for p in patterns if not any(_matches(b, p) for b in benchmarks)]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [b for b in benchmarks if any(_matches(b, p) for p in patterns)]


@dataclass
class RunReport:
    results: list[Result] = field(default_factory=list)
    #: (benchmark, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: (benchmark, traceback)
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: (benchmark, text)
    notes: list[tuple[str, str]] = field(default_factory=list)


def run_benchmarks(
    benchmarks: Sequence[Benchmark],
    *,
    samples: int | None = None,
    quick: bool = False,
    out: TextIO | None = None,
    progress: TextIO | None = None,
) -> RunReport:
    """Run benchmarks one by one, printing each one's table and notes to ``out`` as it ends."""
    out = sys.stdout if out is None else out
    progress = sys.stderr if progress is None else progress
    meta = collect_meta()
    report = RunReport()
    seen: set[str] = set()
    for bench in benchmarks:
        ctx = Context(samples=samples, quick=quick, benchmark=bench.name, meta=meta)
        title = f"== {bench.name}"
        if bench.description:
            title += f": {bench.description}"
        print(title, file=out)
        if bench.goal:
            print(f"   goal: {bench.goal}", file=out)
        print(f"running {bench.name} ...", file=progress, flush=True)
        try:
            bench.run(ctx)
        except Skip as exc:
            report.skipped.append((bench.name, str(exc)))
            print(f"{bench.name}: skipped: {exc}", file=out)
        except Exception:
            tb = traceback.format_exc()
            report.errors.append((bench.name, tb))
            print(f"{bench.name}: ERROR\n{tb}", file=out)
        fresh = [r for r in ctx.results if r.name not in seen]
        dupes = [r.name for r in ctx.results if r.name in seen]
        if dupes:
            report.errors.append((bench.name, f"duplicate result names: {dupes}"))
        seen.update(r.name for r in fresh)
        report.results.extend(fresh)
        if fresh:
            print(format_table(fresh), file=out)
        for text in ctx.notes:
            report.notes.append((bench.name, text))
            print(f"   {text}", file=out)
        print(file=out, flush=True)
    return report


# --------------------------------------------------------------------------------------------
# formatting

_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def _unit_for(seconds: float) -> tuple[str, float]:
    for unit, scale in _UNITS:
        if abs(seconds) >= scale:
            return unit, scale
    return _UNITS[-1]


def format_time(seconds: float, unit: str | None = None) -> str:
    """``0.000312`` -> ``"312.00 µs"``; the unit is chosen from the value unless given."""
    name, scale = _unit_for(seconds) if unit is None else (unit, dict(_UNITS)[unit])
    return f"{seconds / scale:.2f} {name}"


def _render(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Aligned plain text: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def format_table(results: Sequence[Result]) -> str:
    """A plain-text table of results, one row each, in a unit picked per row from its mean."""
    headers = ["benchmark", "unit", "n", "loops", "mean", "stddev", "min", "p50", "p95", "p99"]
    headers += ["max"]
    rows = []
    for r in results:
        s = r.stats
        unit, scale = _unit_for(s.mean)

        def num(v: float | None, scale: float = scale) -> str:
            return "-" if v is None else f"{v / scale:.2f}"

        rows.append(
            [
                r.name,
                unit,
                str(s.n),
                str(r.inner_loops),
                num(s.mean),
                num(s.stddev),
                num(s.min),
                num(s.p50),
                num(s.p95),
                num(s.p99),
                num(s.max),
            ]
        )
    return _render(headers, rows, left=2)


# --------------------------------------------------------------------------------------------
# comparing


@dataclass(frozen=True)
class Comparison:
    name: str
    old_mean: float
    new_mean: float
    #: new_mean / old_mean - 1 (0.25 means 25 % slower).
    change: float
    #: Welch's t-test two-sided p-value; None when a side has fewer than 2 samples.
    p_value: float | None
    #: ``REGRESSION``, ``improvement``, ``not significant``, ``within threshold`` or
    #: ``too few samples``.
    verdict: str

    @property
    def regression(self) -> bool:
        return self.verdict == "REGRESSION"


def welch_p_value(old: Sequence[float], new: Sequence[float]) -> float | None:
    """Two-sided p-value of Welch's t-test (unequal variances), exact via scipy.

    None with fewer than 2 samples on a side. When both sides have zero variance the test is
    undefined; then the p-value is 1.0 if the means are equal and 0.0 otherwise.
    """
    if len(old) < 2 or len(new) < 2:
        return None
    if statistics.variance(old) == 0 and statistics.variance(new) == 0:
        return 1.0 if statistics.fmean(old) == statistics.fmean(new) else 0.0
    from scipy import stats as scipy_stats

    p = float(scipy_stats.ttest_ind(list(old), list(new), equal_var=False).pvalue)
    return 1.0 if math.isnan(p) else p


def compare_results(
    old: Sequence[Result],
    new: Sequence[Result],
    *,
    threshold: float = 0.2,
    alpha: float = 0.05,
) -> tuple[list[Comparison], list[str], list[str]]:
    """Compare benchmarks present in both; returns (comparisons, only in old, only in new).

    A REGRESSION is NEW slower than OLD by more than ``threshold`` (a fraction: 0.2 = 20 %) with
    Welch's p < ``alpha``; an improvement is NEW faster by more than ``threshold`` with p < alpha.
    """
    old_by = {r.name: r for r in old}
    new_by = {r.name: r for r in new}
    comparisons = []
    for name, o in old_by.items():
        n = new_by.get(name)
        if n is None:
            continue
        old_mean = statistics.fmean(o.samples)
        new_mean = statistics.fmean(n.samples)
        change = new_mean / old_mean - 1 if old_mean else math.inf
        p = welch_p_value(o.samples, n.samples)
        if p is None:
            verdict = "too few samples"
        elif abs(change) <= threshold:
            verdict = "within threshold"
        elif p >= alpha:
            verdict = "not significant"
        else:
            verdict = "REGRESSION" if change > 0 else "improvement"
        comparisons.append(Comparison(name, old_mean, new_mean, change, p, verdict))
    only_old = [name for name in old_by if name not in new_by]
    only_new = [name for name in new_by if name not in old_by]
    return comparisons, only_old, only_new


def format_comparison(
    comparisons: Sequence[Comparison], only_old: Sequence[str] = (), only_new: Sequence[str] = ()
) -> str:
    headers = ["benchmark", "unit", "old mean", "new mean", "change", "p-value", "verdict"]
    rows = []
    for c in comparisons:
        unit, scale = _unit_for(c.old_mean)
        p = "-" if c.p_value is None else f"{c.p_value:.3g}"
        rows.append(
            [
                c.name,
                unit,
                f"{c.old_mean / scale:.2f}",
                f"{c.new_mean / scale:.2f}",
                f"{c.change * 100:+.1f}%",
                p,
                c.verdict,
            ]
        )
    text = _render(headers, rows, left=2) if rows else "no benchmark is in both files"
    if only_old:
        text += "\nonly in OLD: " + ", ".join(only_old)
    if only_new:
        text += "\nonly in NEW: " + ", ".join(only_new)
    return text


# --------------------------------------------------------------------------------------------
# command line


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default all)")
    parser.add_argument("--json", metavar="OUT", help="also write the results to this JSON file")
    parser.add_argument("--samples", type=int, metavar="N", help="samples per benchmark")
    parser.add_argument("--quick", action="store_true", help="few samples, for a smoke run")


def _positive(value: str) -> float:
    v = float(value)
    if not v > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


def _do_run(args: argparse.Namespace, benchmarks: Sequence[Benchmark], errors: int) -> int:
    if args.samples is not None and args.samples < 1:
        print("--samples must be >= 1", file=sys.stderr)
        return 2
    try:
        chosen = select(benchmarks, args.names)
    except KeyError as exc:
        known = ", ".join(b.name for b in benchmarks) or "none"
        print(f"no benchmark matches: {exc.args[0]} (known: {known})", file=sys.stderr)
        return 2
    report = run_benchmarks(chosen, samples=args.samples, quick=args.quick)
    if args.json:
        write_results(args.json, report.results, skipped=report.skipped, notes=report.notes)
        print(f"wrote {len(report.results)} results to {args.json}")
    if report.skipped:
        print("skipped: " + ", ".join(name for name, _ in report.skipped))
    if report.errors:
        print("errors: " + ", ".join(name for name, _ in report.errors), file=sys.stderr)
    return 1 if report.errors or errors else 0


def _do_compare(args: argparse.Namespace) -> int:
    old = load_results(args.old)
    new = load_results(args.new)
    comparisons, only_old, only_new = compare_results(
        old, new, threshold=args.threshold, alpha=args.alpha
    )
    print(format_comparison(comparisons, only_old, only_new))
    for label, results in (("OLD", old), ("NEW", new)):
        warning = _busy_warning(results)
        if warning:
            print(f"caution: {label} {warning}")
    regressions = [c.name for c in comparisons if c.regression]
    improvements = [c.name for c in comparisons if c.verdict == "improvement"]
    pct = f"{args.threshold * 100:g} %"
    if improvements:
        print(f"improvements (> {pct} faster, p < {args.alpha:g}): " + ", ".join(improvements))
    if regressions:
        print(f"REGRESSIONS (> {pct} slower, p < {args.alpha:g}): " + ", ".join(regressions))
        return 1
    print(f"no regression (threshold {pct}, alpha {args.alpha:g})")
    return 0


def _busy_warning(results: Sequence[Result]) -> str | None:
    """A warning when a results file was taken on a busy machine (load above half the CPUs)."""
    for r in results:
        load, cpus = r.meta.get("load_avg_1m"), r.meta.get("cpu_count")
        if isinstance(load, int | float) and isinstance(cpus, int) and cpus and load > cpus / 2:
            return f"was taken at load {load:.2f} on {cpus} CPUs: its times may be inflated"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks run|list|compare``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="codeloop benchmarks (SPEC-940)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run benchmarks and print their figures")
    _add_run_arguments(run_p)
    sub.add_parser("list", help="list the benchmarks")
    cmp_p = sub.add_parser("compare", help="compare two results files; exit 1 on a regression")
    cmp_p.add_argument("old", metavar="OLD")
    cmp_p.add_argument("new", metavar="NEW")
    cmp_p.add_argument(
        "--threshold", type=_positive, default=0.2, help="slowdown fraction (default 0.2 = 20 %%)"
    )
    cmp_p.add_argument("--alpha", type=_positive, default=0.05, help="significance (0.05)")
    args = parser.parse_args(argv)

    if args.command == "compare":
        return _do_compare(args)
    benchmarks, errors = discover()
    for module, text in errors:
        print(f"cannot load {module}: {text}", file=sys.stderr)
    if args.command == "list":
        for b in benchmarks:
            print(f"{b.name:32} {b.module:20} {b.description}".rstrip())
        return 1 if errors else 0
    return _do_run(args, benchmarks, len(errors))


def run_module(benchmarks: Sequence[Benchmark], argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python benchmarks/bench_x.py [NAME ...] [--json OUT] [--samples N]
    [--quick]``: runs the given benchmarks with the ``run`` options."""
    parser = argparse.ArgumentParser(description="run these benchmarks")
    _add_run_arguments(parser)
    args = parser.parse_args(argv)
    return _do_run(args, benchmarks, 0)
