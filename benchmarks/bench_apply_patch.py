"""apply_patch on a large file: 2,000 ``@@`` chunks against a 200,000-line file.

The goal is well under a second for parse + plan + write, which needs every part to be linear:
the chunks are searched from where the previous one ended, each fuzzy tier's keys are computed at
most once per file, and diffs cover only the changed spans. Three figures:

- ``apply_patch.parse``: the patch text (2,000 chunks, ~20,000 lines) to a ``Patch``;
- ``apply_patch.apply``: parse, plan (contents and diffs) and write, from a fresh copy each time;
- ``apply_patch.apply_fuzzy``: the same patch with every old line's indentation stripped and its
  ASCII ``-``/``'`` in typographic form in the file, so each chunk is found only by the loosest
  tier (the worst case for the matcher).

The file and patch are generated deterministically (seeded), so runs compare. Run it with
``python benchmarks/bench_apply_patch.py`` (or ``python -m benchmarks run apply_patch``).
"""

from __future__ import annotations

import functools
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks.harness import Benchmark, Context, format_time, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_apply_patch.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, format_time, run_module

FILE_LINES = 200_000
CHUNKS = 2_000
SEED = 2_000
TARGET = "src/big_module.py"
BLOCK = FILE_LINES // CHUNKS  # one function of BLOCK lines per chunk
_WORDS = ("value", "total", "count", "index", "buffer", "result", "offset", "limit", "item")


@functools.cache
def build_file(fuzzy: bool = False) -> str:
    """200,000 lines of Python-like code: 2,000 functions, with blank lines and repeats.

    ``fuzzy`` writes ``-`` as ``–`` and ``'`` as ``’`` in comments, so an ASCII patch only
    matches after normalisation.
    """
    rng = random.Random(SEED)
    dash, quote = ("\u2013", "\u2019") if fuzzy else ("-", "'")
    lines: list[str] = []
    for b in range(CHUNKS):
        lines.append(f"def function_{b}(x, y):")
        for i in range(1, BLOCK - 1):
            if i % 10 == 0:
                lines.append("")
            elif i % 7 == 0:
                lines.append("    return x")  # repeated all over the file
            else:
                word = rng.choice(_WORDS)
                lines.append(
                    f"    {word}_{i} = compute(x, {i}) {dash} y  # step {i} {quote}{word}{quote}"
                )
        lines.append("")
    return "\n".join(lines) + "\n"


@functools.cache
def build_patch(fuzzy: bool = False) -> str:
    """One Update File with 2,000 chunks: ``@@ def``, 3 context lines, -1/+1, 3 context lines.

    ``fuzzy`` strips the old lines' indentation, so they only match from the third tier on (and,
    against the fuzzy file, the fourth).
    """
    text_lines = build_file(fuzzy=False).split("\n")
    out = ["*** Begin Patch", f"*** Update File: {TARGET}"]
    for b in range(CHUNKS):
        base = b * BLOCK
        out.append(f"@@ def function_{b}(x, y):")
        body = text_lines[base + 1 : base + 8]  # lines 1..7 of the function
        for k, line in enumerate(body):
            old = line.strip() if fuzzy else line
            if k == 3:
                out.append(f"-{old}")
                out.append(f"+    changed_{b} = compute(x, {b})  # edited")
            else:
                out.append(f" {old}")
    out.append("*** End Patch")
    return "\n".join(out) + "\n"


class _Workspace:
    """A temporary folder whose big file is restored (untimed) before each run."""

    def __init__(self, fuzzy: bool) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="bench-apply-patch-"))
        self.data = build_file(fuzzy).encode("utf-8")
        self.target = self.root / TARGET
        self.target.parent.mkdir(parents=True)

    def reset(self) -> None:
        self.target.write_bytes(self.data)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _check(root: Path) -> None:
    text = (root / TARGET).read_text(encoding="utf-8")
    edited = text.count("# edited")
    if edited != CHUNKS:
        raise AssertionError(f"expected {CHUNKS} edited lines, found {edited}")


def bench_parse(ctx: Context) -> None:
    from codeloop.tools.apply_patch import parse_patch

    patch = build_patch()
    parsed = parse_patch(patch)
    chunks = sum(len(getattr(h, "chunks", ())) for h in parsed.hunks)
    if chunks != CHUNKS:
        raise AssertionError(f"parsed {chunks} chunks")
    result = ctx.time_function("apply_patch.parse", lambda: parse_patch(patch), samples=10)
    result.extra.update(chunks=CHUNKS, patch_lines=patch.count("\n"))
    ctx.note(f"patch: {patch.count(chr(10)):,} lines, {len(patch) / 1e6:.2f} MB, {CHUNKS:,} chunks")


def _bench_apply(ctx: Context, name: str, fuzzy: bool) -> None:
    from codeloop.tools.apply_patch import apply_patch

    patch = build_patch(fuzzy)
    space = _Workspace(fuzzy)
    try:
        space.reset()
        apply_patch(patch, space.root)
        _check(space.root)
        result = ctx.time_function(
            name,
            lambda: apply_patch(patch, space.root),
            samples=5,
            warmup=1,
            setup=space.reset,
        )
    finally:
        space.close()
    result.extra.update(file_lines=FILE_LINES, chunks=CHUNKS, fuzzy=fuzzy)
    stats = result.stats
    ctx.note(
        f"{name}: mean {format_time(stats.mean)}, min {format_time(stats.min)} "
        f"({FILE_LINES:,}-line file, {len(space.data) / 1e6:.1f} MB, {CHUNKS:,} chunks)"
    )


def bench_apply(ctx: Context) -> None:
    _bench_apply(ctx, "apply_patch.apply", fuzzy=False)


def bench_apply_fuzzy(ctx: Context) -> None:
    _bench_apply(ctx, "apply_patch.apply_fuzzy", fuzzy=True)


BENCHMARKS = [
    Benchmark(
        "apply_patch.parse",
        bench_parse,
        description="parse a 2,000-chunk patch",
        goal="a small part of the apply time",
    ),
    Benchmark(
        "apply_patch.apply",
        bench_apply,
        description="parse + plan + write 2,000 chunks on a 200,000-line file",
        goal="well under 1 s",
    ),
    Benchmark(
        "apply_patch.apply_fuzzy",
        bench_apply_fuzzy,
        description="as apply, every chunk found only by the loosest (normalising) tier",
        goal="well under 1 s",
    ),
]


def _quick_report(repetitions: int = 5) -> None:
    """Plain timing without the harness: parse+apply ``repetitions`` times, print mean/min."""
    from codeloop.tools.apply_patch import apply_patch

    for fuzzy in (False, True):
        patch = build_patch(fuzzy)
        space = _Workspace(fuzzy)
        times: list[float] = []
        try:
            for _ in range(repetitions):
                space.reset()
                t0 = time.perf_counter()
                apply_patch(patch, space.root)
                times.append(time.perf_counter() - t0)
            _check(space.root)
        finally:
            space.close()
        label = "fuzzy" if fuzzy else "exact"
        print(
            f"parse+apply ({label}, {FILE_LINES:,} lines, {CHUNKS:,} chunks): "
            f"mean {statistics.mean(times) * 1e3:.0f} ms, min {min(times) * 1e3:.0f} ms "
            f"over {repetitions} runs"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--plain"]:
        _quick_report()
        raise SystemExit(0)
    raise SystemExit(run_module(BENCHMARKS))
