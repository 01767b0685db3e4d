"""The benchmark harness itself: statistics, measuring, JSON, discovery and running.

No timing assertions: only counts, shapes and arithmetic on known samples.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import random
import statistics
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from benchmarks import harness

if TYPE_CHECKING:
    from pathlib import Path

# -- statistics -------------------------------------------------------------------------------


def test_percentile_linear_interpolation_on_known_data() -> None:
    data = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert harness.percentile(data, 0) == 1.0
    assert harness.percentile(data, 100) == 4.0
    assert harness.percentile(data, 50) == 2.5
    assert harness.percentile(data, 25) == pytest.approx(1.75)
    assert harness.percentile(data, 95) == pytest.approx(3.85)
    assert harness.percentile(data, 99) == pytest.approx(3.97)
    # ten values 1..10: h = 9 * q / 100
    tens = [float(x) for x in range(1, 11)]
    assert harness.percentile(tens, 50) == 5.5
    assert harness.percentile(tens, 95) == pytest.approx(9.55)
    assert harness.percentile(tens, 99) == pytest.approx(9.91)


def test_percentile_single_value_and_errors() -> None:
    assert harness.percentile([7.0], 0) == harness.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        harness.percentile([], 50)
    with pytest.raises(ValueError):
        harness.percentile([1.0], 101)
    with pytest.raises(ValueError):
        harness.percentile([1.0], -1)


def test_percentile_matches_statistics_quantiles_inclusive() -> None:
    rng = random.Random(7)
    for n in (2, 3, 5, 20, 101):
        data = [rng.expovariate(1.0) for _ in range(n)]
        cuts = statistics.quantiles(data, n=100, method="inclusive")
        for q in (1, 5, 25, 50, 75, 95, 99):
            assert harness.percentile(data, q) == pytest.approx(cuts[q - 1], rel=1e-12, abs=1e-15)


def test_percentile_matches_numpy_default() -> None:
    np = pytest.importorskip("numpy")
    rng = random.Random(11)
    data = [rng.gauss(1.0, 0.2) for _ in range(37)]
    for q in (0, 12.5, 50, 95, 99, 100):
        assert harness.percentile(data, q) == pytest.approx(
            float(np.percentile(data, q)), rel=1e-12
        )


def test_stats_on_known_samples() -> None:
    s = harness.Stats.from_samples([2, 4, 4, 4, 5, 5, 7, 9])
    assert s.n == 8
    assert s.mean == 5.0
    # sample standard deviation (n - 1): sqrt(32 / 7), not the population's 2.0
    assert s.stddev == pytest.approx(math.sqrt(32 / 7))
    assert (s.min, s.max, s.p50) == (2.0, 9.0, 4.5)
    assert s.p95 == pytest.approx(9 - 0.35 * 2)  # h = 6.65 -> 7 + 0.65 * (9 - 7)
    assert s.p99 == pytest.approx(7 + 0.93 * 2)


def test_stats_single_sample_has_no_stddev() -> None:
    s = harness.Stats.from_samples([0.5])
    assert s.stddev is None
    assert s.mean == s.min == s.max == s.p50 == s.p99 == 0.5
    with pytest.raises(ValueError):
        harness.Stats.from_samples([])


# -- JSON ---------------------------------------------------------------------------------------


def _result(name: str = "x.y", samples: list[float] | None = None) -> harness.Result:
    return harness.Result(
        name=name,
        samples=samples if samples is not None else [0.001, 0.0012, 0.0011],
        kind="function",
        inner_loops=10,
        warmup=2,
        extra={"items": 1000},
        meta={"python": "3.11.7", "git_commit": "abc"},
    )


def test_result_json_shape() -> None:
    d = _result().to_dict()
    assert d["name"] == "x.y"
    assert d["unit"] == "s"
    assert d["samples"] == [0.001, 0.0012, 0.0011]
    assert set(d["stats"]) == {"n", "mean", "stddev", "min", "max", "p50", "p95", "p99"}
    assert d["meta"]["git_commit"] == "abc"
    json.dumps(d, allow_nan=False)


def test_results_file_round_trip(tmp_path: Path) -> None:
    results = [_result("a"), _result("b", [1.0, 2.0, 3.0])]
    path = tmp_path / "out.json"
    harness.write_results(path, results, skipped=[("c", "not there")], notes=[("a", "ratio 1.2×")])
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [b["name"] for b in doc["benchmarks"]] == ["a", "b"]
    assert doc["skipped"] == [{"name": "c", "reason": "not there"}]
    assert doc["notes"] == [{"benchmark": "a", "text": "ratio 1.2×"}]
    loaded = harness.load_results(path)
    assert loaded == results
    assert loaded[1].stats == results[1].stats


def test_load_results_accepts_a_list_or_one_benchmark(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_result("solo").to_dict()))
    assert [r.name for r in harness.load_results(one)] == ["solo"]
    many = tmp_path / "many.json"
    many.write_text(json.dumps([_result("p").to_dict(), _result("q").to_dict()]))
    assert [r.name for r in harness.load_results(many)] == ["p", "q"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "ms", "unit": "ms", "samples": [1]}))
    with pytest.raises(ValueError, match="unit"):
        harness.load_results(bad)


def test_collect_meta_has_the_documented_keys() -> None:
    meta = harness.collect_meta()
    for key in ("python", "platform", "cpu_count", "timestamp", "git_commit"):
        assert key in meta
    json.dumps(meta)


# -- measuring ----------------------------------------------------------------------------------


def test_measure_function_counts_warmup_samples_and_inner_loops() -> None:
    calls = []
    samples, loops = harness.measure_function(
        lambda: calls.append(1), samples=3, warmup=2, inner_loops=4
    )
    assert loops == 4
    assert len(samples) == 3
    assert len(calls) == 2 + 3 * 4
    assert all(s >= 0 for s in samples)


def test_measure_function_calibrates_inner_loops_for_fast_calls() -> None:
    samples, loops = harness.measure_function(
        lambda: None, samples=2, warmup=0, min_sample_time=0.001
    )
    assert loops > 1
    assert len(samples) == 2


def test_measure_function_runs_setup_before_each_sample() -> None:
    events: list[str] = []
    _samples, loops = harness.measure_function(
        lambda: events.append("call"), samples=2, warmup=1, setup=lambda: events.append("setup")
    )
    assert loops == 1
    assert events == ["setup", "call"] * 3


def test_measure_function_rejects_bad_counts() -> None:
    with pytest.raises(ValueError):
        harness.measure_function(lambda: None, samples=0)
    with pytest.raises(ValueError):
        harness.measure_function(lambda: None, samples=1, inner_loops=0)


@pytest.mark.parametrize("loop", ["shared", "per_sample"])
def test_measure_async_modes(loop: harness.AsyncLoopMode) -> None:
    loops_seen: list[asyncio.AbstractEventLoop] = []  # kept alive, so their ids stay distinct

    async def fn() -> None:
        await asyncio.sleep(0)
        loops_seen.append(asyncio.get_running_loop())

    samples = harness.measure_async(fn, samples=3, warmup=1, inner_loops=2, loop=loop)
    assert len(samples) == 3
    assert len(loops_seen) == 1 + 3 * 2
    distinct = len({id(x) for x in loops_seen})
    # shared: one loop for everything; per_sample: one per warm-up run and one per sample
    assert distinct == (1 if loop == "shared" else 1 + 3)


def test_measure_async_rejects_unknown_mode() -> None:
    async def fn() -> None:
        return None

    with pytest.raises(ValueError):
        harness.measure_async(fn, samples=1, warmup=0, loop="threads")  # type: ignore[arg-type]


def test_measure_command_times_whole_processes() -> None:
    samples = harness.measure_command([sys.executable, "-c", "pass"], samples=2, warmup=0)
    assert len(samples) == 2
    assert all(s > 0 for s in samples)


def test_measure_command_failure_shows_stderr() -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit('boom from the command')"]
    with pytest.raises(harness.CommandFailed, match="boom from the command"):
        harness.measure_command(argv, samples=1, warmup=0)
    assert len(harness.measure_command(argv, samples=1, warmup=0, check=False)) == 1


def test_measure_commands_interleaves_rounds(tmp_path: Path) -> None:
    log = tmp_path / "order.txt"

    def writer(letter: str) -> list[str]:
        return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({letter!r})"]

    times = harness.measure_commands({"a": writer("A"), "b": writer("B")}, samples=2, warmup=0)
    assert {k: len(v) for k, v in times.items()} == {"a": 2, "b": 2}
    assert log.read_text() == "AB" + "ABAB"  # the check round, then one of each per round


def test_context_time_commands_records_one_result_per_command() -> None:
    ctx = harness.Context(samples=1)
    argv = [sys.executable, "-c", "pass"]
    results = ctx.time_commands({"x.one": argv, "x.two": argv}, warmup=0)
    assert list(results) == ["x.one", "x.two"]
    assert [r.name for r in ctx.results] == ["x.one", "x.two"]
    assert results["x.one"].extra["interleaved_with"] == ["x.two"]
    assert results["x.two"].kind == "command"


# -- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1.5e-9, "1.50 ns"),
        (2.5e-6, "2.50 µs"),
        (0.0031, "3.10 ms"),
        (2.0, "2.00 s"),
        (0, "0.00 ns"),
    ],
)
def test_format_time_picks_the_unit(seconds: float, text: str) -> None:
    assert harness.format_time(seconds) == text


def test_format_table_is_aligned_with_a_unit_per_row() -> None:
    table = harness.format_table(
        [_result("fast", [1e-6, 2e-6, 3e-6]), _result("slow", [1.0, 2.0, 3.0])]
    )
    lines = table.splitlines()
    assert lines[0].split() == [
        "benchmark",
        "unit",
        "n",
        "loops",
        "mean",
        "stddev",
        "min",
        "p50",
        "p95",
        "p99",
        "max",
    ]
    assert lines[2].split()[:5] == ["fast", "µs", "3", "10", "2.00"]
    assert lines[3].split()[:5] == ["slow", "s", "3", "10", "2.00"]
    assert len({len(line) for line in lines}) == 1  # right-aligned numbers end together


# -- context, selection, running ----------------------------------------------------------------


def test_context_sample_counts() -> None:
    assert harness.Context().n_samples() == harness.DEFAULT_SAMPLES
    assert harness.Context().n_samples(50) == 50
    assert harness.Context(quick=True).n_samples(50) == harness.QUICK_SAMPLES
    assert harness.Context(quick=True).n_warmup() == harness.QUICK_WARMUP
    assert harness.Context(samples=7, quick=True).n_samples(50) == 7


def test_context_records_results_and_rejects_duplicates() -> None:
    ctx = harness.Context(samples=2, benchmark="demo", meta={"python": "x"})
    r = ctx.time_function(None, lambda: None, inner_loops=1)
    assert r.name == "demo"
    assert r.meta == {"python": "x"}
    assert ctx.results == [r]
    with pytest.raises(ValueError, match="duplicate"):
        ctx.time_function("demo", lambda: None, inner_loops=1)


def _noop(ctx: harness.Context) -> None:
    ctx.time_function(None, lambda: None, inner_loops=1)


BENCHES = [
    harness.Benchmark("startup", _noop, module="bench_startup"),
    harness.Benchmark("startup.imports", _noop, module="bench_startup"),
    harness.Benchmark("protocol.encode", _noop, module="bench_protocol"),
    harness.Benchmark("protocol.decode", _noop, module="bench_protocol"),
]


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], ["startup", "startup.imports", "protocol.encode", "protocol.decode"]),
        (["startup"], ["startup", "startup.imports"]),
        (["protocol.decode"], ["protocol.decode"]),
        (["protocol.*"], ["protocol.encode", "protocol.decode"]),
        (["bench_protocol"], ["protocol.encode", "protocol.decode"]),
        (["*.imports", "protocol.encode"], ["startup.imports", "protocol.encode"]),
    ],
)
def test_select(patterns: list[str], expected: list[str]) -> None:
    assert [b.name for b in harness.select(BENCHES, patterns)] == expected


def test_select_unknown_name() -> None:
    with pytest.raises(KeyError, match="nope"):
        harness.select(BENCHES, ["startup", "nope"])


def test_run_benchmarks_reports_results_skips_errors_and_notes() -> None:
    def skipping(ctx: harness.Context) -> None:
        raise harness.Skip("codeloop.thing not available")

    def failing(ctx: harness.Context) -> None:
        raise RuntimeError("scenario bug")

    def noting(ctx: harness.Context) -> None:
        ctx.time_function("a.one", lambda: None, inner_loops=1)
        ctx.note("ratio 1.5×")

    out, progress = io.StringIO(), io.StringIO()
    report = harness.run_benchmarks(
        [
            harness.Benchmark("a", noting, "does a"),
            harness.Benchmark("b", skipping),
            harness.Benchmark("c", failing),
        ],
        samples=2,
        out=out,
        progress=progress,
    )
    assert [r.name for r in report.results] == ["a.one"]
    assert report.results[0].meta["python"]
    assert report.skipped == [("b", "codeloop.thing not available")]
    assert [name for name, _ in report.errors] == ["c"]
    assert "scenario bug" in report.errors[0][1]
    assert report.notes == [("a", "ratio 1.5×")]
    text = out.getvalue()
    assert "== a: does a" in text
    assert "b: skipped: codeloop.thing not available" in text
    assert "ratio 1.5×" in text


def test_discover_imports_bench_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "fakebenches"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bench_good.py").write_text(
        textwrap.dedent(
            """
            from benchmarks.harness import function_benchmark

            BENCHMARKS = [function_benchmark("good.noop", lambda: None, inner_loops=1)]
            """
        )
    )
    (pkg / "bench_broken.py").write_text("raise ImportError('half written')\n")
    (pkg / "bench_empty.py").write_text("X = 1\n")
    (pkg / "helper.py").write_text("raise AssertionError('not a bench module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found, errors = harness.discover(pkg, "fakebenches")
    assert [(b.name, b.module) for b in found] == [("good.noop", "bench_good")]
    assert {m for m, _ in errors} == {"bench_broken", "bench_empty"}
    report = harness.run_benchmarks(found, samples=1, out=io.StringIO(), progress=io.StringIO())
    assert report.results[0].name == "good.noop"
    assert len(report.results[0].samples) == 1


def test_command_benchmark_helper() -> None:
    bench = harness.command_benchmark("cmd.pass", [sys.executable, "-c", "pass"], warmup=0)
    report = harness.run_benchmarks([bench], samples=1, out=io.StringIO(), progress=io.StringIO())
    (result,) = report.results
    assert result.kind == "command"
    assert result.extra["argv"] == [sys.executable, "-c", "pass"]
