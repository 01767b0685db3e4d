"""``compare``: Welch's t-test, the regression / improvement verdicts and the exit codes."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import harness

scipy_stats = pytest.importorskip("scipy.stats")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN = [sys.executable, "-m", "benchmarks", "run"]


def _samples(mean: float, sd: float, n: int = 20, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(mean, sd) for _ in range(n)]


def _one(name: str, samples: list[float]) -> list[harness.Result]:
    return [harness.Result(name=name, samples=samples)]


def test_welch_p_value_is_scipy_welch_not_student() -> None:
    old = [1.0, 1.1, 0.9, 1.05, 0.95]
    new = [1.2, 2.0, 0.8, 1.9, 1.1, 1.6, 2.2, 0.7]
    welch = scipy_stats.ttest_ind(old, new, equal_var=False).pvalue
    student = scipy_stats.ttest_ind(old, new, equal_var=True).pvalue
    assert harness.welch_p_value(old, new) == pytest.approx(float(welch), rel=1e-12)
    assert welch != pytest.approx(float(student), rel=1e-3)


def test_welch_p_value_edge_cases() -> None:
    assert harness.welch_p_value([1.0], [1.0, 2.0]) is None
    assert harness.welch_p_value([1.0, 1.0, 1.0], [1.0, 1.0]) == 1.0
    assert harness.welch_p_value([1.0, 1.0, 1.0], [2.0, 2.0]) == 0.0


def test_clear_regression_is_flagged() -> None:
    (c,), only_old, only_new = harness.compare_results(
        _one("b", _samples(1.0, 0.01, seed=1)), _one("b", _samples(1.5, 0.01, seed=2))
    )
    assert c.verdict == "REGRESSION"
    assert c.regression
    assert c.change == pytest.approx(0.5, abs=0.02)
    assert c.p_value is not None and c.p_value < 1e-6
    assert only_old == only_new == []


def test_clear_improvement_is_flagged_but_not_a_regression() -> None:
    (c,), _, _ = harness.compare_results(
        _one("b", _samples(1.5, 0.01, seed=1)), _one("b", _samples(1.0, 0.01, seed=2))
    )
    assert c.verdict == "improvement"
    assert not c.regression
    assert c.change == pytest.approx(-1 / 3, abs=0.02)


def test_noise_is_not_flagged() -> None:
    (c,), _, _ = harness.compare_results(
        _one("b", _samples(1.0, 0.05, seed=3)), _one("b", _samples(1.0, 0.05, seed=4))
    )
    assert c.verdict == "within threshold"
    assert not c.regression


def test_small_significant_change_is_within_threshold() -> None:
    (c,), _, _ = harness.compare_results(
        _one("b", _samples(1.0, 0.001, seed=5)), _one("b", _samples(1.05, 0.001, seed=6))
    )
    assert c.p_value is not None and c.p_value < 0.05  # real, but only 5 %
    assert c.verdict == "within threshold"


def test_large_but_noisy_change_is_not_significant() -> None:
    (c,), _, _ = harness.compare_results(
        _one("b", [1.0, 1.01, 0.99, 1.0]), _one("b", [0.2, 2.8, 0.3, 2.7])
    )
    assert c.change == pytest.approx(0.5)
    assert c.p_value is not None and c.p_value > 0.05
    assert c.verdict == "not significant"


def test_threshold_and_alpha_are_honoured() -> None:
    old, new = _one("b", _samples(1.0, 0.01, seed=1)), _one("b", _samples(1.5, 0.01, seed=2))
    assert harness.compare_results(old, new, threshold=0.6)[0][0].verdict == "within threshold"
    assert harness.compare_results(old, new, alpha=1e-300)[0][0].verdict == "not significant"


def test_too_few_samples_and_unmatched_names() -> None:
    comparisons, only_old, only_new = harness.compare_results(
        [harness.Result("both", [1.0]), harness.Result("gone", [1.0, 1.1])],
        [harness.Result("both", [3.0, 3.1]), harness.Result("added", [1.0, 1.1])],
    )
    assert [(c.name, c.verdict) for c in comparisons] == [("both", "too few samples")]
    assert only_old == ["gone"]
    assert only_new == ["added"]
    text = harness.format_comparison(comparisons, only_old, only_new)
    assert "only in OLD: gone" in text
    assert "only in NEW: added" in text


def _files(tmp_path: Path, new_mean: float) -> tuple[str, str]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    harness.write_results(old, [harness.Result("x.encode", _samples(0.002, 0.00002, seed=1))])
    harness.write_results(new, [harness.Result("x.encode", _samples(new_mean, 0.00002, seed=2))])
    return str(old), str(new)


def test_compare_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _files(tmp_path, 0.003)
    assert harness.main(["compare", old, new]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out
    assert re.search(r"x\.encode .* \+(49|50)\.\d% .* REGRESSION", out)
    assert harness.main(["compare", old, new, "--threshold", "0.6"]) == 0
    assert harness.main(["compare", new, old]) == 0
    assert "improvement" in capsys.readouterr().out
    same_old, same_new = _files(tmp_path, 0.002)
    assert harness.main(["compare", same_old, same_new]) == 0


def test_compare_from_the_command_line(tmp_path: Path) -> None:
    old, new = _files(tmp_path, 0.003)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "compare", old, new, "--alpha", "0.01"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "REGRESSIONS" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "benchmarks", "compare", old],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2


def test_results_written_by_run_feed_compare(tmp_path: Path) -> None:
    """The JSON that ``run --json`` writes is what ``compare`` reads."""
    out = tmp_path / "run.json"
    proc = subprocess.run(
        [*RUN, "protocol.encode", "--samples", "2", "--json", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    (bench,) = doc["benchmarks"]
    assert bench["name"] == "protocol.encode"
    assert bench["unit"] == "s"
    assert len(bench["samples"]) == 2
    assert bench["meta"]["cpu_count"]
    assert harness.main(["compare", str(out), str(out)]) == 0


def test_run_unknown_benchmark_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["run", "no-such-benchmark"]) == 2
    assert "no benchmark matches: no-such-benchmark" in capsys.readouterr().err


def test_compare_cautions_about_a_busy_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    samples = _samples(1.0, 0.01)
    quiet = {"load_avg_1m": 0.2, "cpu_count": 2}
    busy = {"load_avg_1m": 3.3, "cpu_count": 2}
    harness.write_results(old, [harness.Result("b", samples, meta=quiet)])
    harness.write_results(new, [harness.Result("b", samples, meta=busy)])
    assert harness.main(["compare", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "caution: NEW was taken at load 3.30 on 2 CPUs" in out
    assert "caution: OLD" not in out
