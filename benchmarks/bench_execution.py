"""Running commands (``codeloop.execution``): spawn latency, capture throughput, decoding.

Figures:

- ``execution.spawn_true``: ``run_command(["true"])`` end to end (spawn in a new session, pipes,
  pidfd exit watch, drain, decode, result), one call per sample, 200 samples. SPEC-940's baseline
  is 0.92 ms. ``execution.subprocess_run_true`` is plain ``subprocess.run(["true"])`` measured
  interleaved in the same run, so the ratio between them is the price of our machinery.
- ``execution.capture_1g``: ``run_command(["head", "-c", "1G", "/dev/zero"])`` in a fresh Python
  process, so its peak RSS (``ru_maxrss``) is the capturing process's alone. Goals: >= 500 MB/s,
  RSS < 100 MB. ``execution.pipe_ceiling_1g`` times ``head -c 1G /dev/zero | cat >/dev/null``:
  what this machine's pipes do with a C reader, for scale.
- ``execution.decode_10mb_utf8_{ascii,mixed}``: ``decode_output`` of 10 MB of valid UTF-8 (the
  fast path: CPython's decoder, fastest on ASCII, slower on text full of multibyte characters).
  ``execution.decode_2mb_cp1251`` is the slow path (detection + decode) for comparison.
- ``execution.truncate_2mb``: ``truncate_for_model`` of 2 MiB of short lines (what the model is
  shown of a command that hit the capture limits).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

try:
    from benchmarks.harness import Benchmark, Context, Result, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_execution.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, Result, run_module

from codeloop.execution import decode_output, run_command, truncate_for_model

GIB = 1 << 30

_CAPTURE_CHILD = textwrap.dedent(
    """
    import asyncio, json, resource, time
    from codeloop.execution import run_command

    async def main():
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        r = await run_command(["head", "-c", "1G", "/dev/zero"])
        seconds = time.perf_counter() - t0
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert r.exit_code == 0 and r.stdout_bytes == 1 << 30, r
        print(json.dumps({"seconds": seconds, "rss_before_kb": rss_before,
                          "rss_peak_kb": rss_peak, "bytes": r.stdout_bytes}))

    asyncio.run(main())
    """
)


def bench_spawn(ctx: Context) -> None:
    samples = ctx.n_samples(200)
    warmup = ctx.n_warmup(10)
    ours: list[float] = []
    plain: list[float] = []

    async def measure() -> None:
        loop = asyncio.get_running_loop()
        for _ in range(warmup):
            await run_command(["true"])
        for _ in range(samples):  # interleaved, so machine load hits both alike
            t0 = loop.time()
            r = await run_command(["true"])
            ours.append(loop.time() - t0)
            assert r.exit_code == 0
            t0 = loop.time()
            subprocess.run(["true"], stdin=subprocess.DEVNULL, check=True)
            plain.append(loop.time() - t0)

    asyncio.run(measure())
    a = ctx.add_result(Result("execution.spawn_true", ours, kind="async", warmup=warmup))
    b = ctx.add_result(
        Result("execution.subprocess_run_true", plain, kind="function", warmup=warmup)
    )
    sa, sb = a.stats, b.stats
    ctx.note(
        f"run_command(['true']): mean {sa.mean * 1e3:.3f} ms, p95 {sa.p95 * 1e3:.3f} ms "
        f"(SPEC-940 baseline 0.92 ms); subprocess.run: mean {sb.mean * 1e3:.3f} ms, "
        f"p95 {sb.p95 * 1e3:.3f} ms; ratio {sa.mean / sb.mean:.2f}x"
    )


def bench_capture(ctx: Context) -> None:
    samples = ctx.n_samples(3)
    seconds: list[float] = []
    peaks: list[int] = []
    befores: list[int] = []
    for _ in range(samples):
        out = subprocess.run(
            [sys.executable, "-c", _CAPTURE_CHILD], capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout)
        seconds.append(data["seconds"])
        peaks.append(data["rss_peak_kb"])
        befores.append(data["rss_before_kb"])
    throughput = [GIB / s / 1e6 for s in seconds]
    ctx.add_result(
        Result(
            "execution.capture_1g",
            seconds,
            kind="command",
            extra={
                "throughput_mb_s": throughput,
                "rss_peak_kb": peaks,
                "rss_before_kb": befores,
            },
        )
    )
    ceiling: list[float] = []
    for _ in range(samples):
        start = time.perf_counter()
        subprocess.run(["sh", "-c", "head -c 1G /dev/zero | cat >/dev/null"], check=True)
        ceiling.append(time.perf_counter() - start)
    ctx.add_result(Result("execution.pipe_ceiling_1g", ceiling, kind="command"))
    ctx.note(
        f"capture 1 GiB: {min(throughput):.0f}-{max(throughput):.0f} MB/s "
        f"(median {sorted(throughput)[len(throughput) // 2]:.0f}; goal >= 500); "
        f"peak RSS {max(peaks) / 1024:.1f} MB (goal < 100), of which "
        f"{max(befores) / 1024:.1f} MB before the command ran; "
        f"`head | cat` on this machine: {GIB / min(ceiling) / 1e6:.0f} MB/s at best"
    )


def _utf8_10mb(line: str) -> bytes:
    data = (line * (10**7 // len(line.encode()) + 1)).encode()[: 10**7]
    return data[: len(data.decode("utf-8", "ignore").encode())]  # whole characters only


def bench_decode(ctx: Context) -> None:
    notes = []
    for kind, line in (
        ("ascii", "building module foo.bar ... ok [12/300]\n"),
        ("mixed", "ascii text, ünïcödé, кириллица, 中文 and 🎉\n"),
    ):
        data = _utf8_10mb(line)
        r = ctx.time_function(
            f"execution.decode_10mb_utf8_{kind}", lambda d=data: decode_output(d), samples=20
        )
        notes.append(
            f"{kind} {r.stats.mean * 1e3:.1f} ms ({len(data) / r.stats.mean / 1e9:.2f} GB/s)"
        )
    legacy = ("Ошибка: файл не найден. Проверьте путь.\n" * 60_000).encode("cp1251")[: 2 << 20]
    ctx.time_function("execution.decode_2mb_cp1251", lambda: decode_output(legacy), samples=10)
    ctx.note(
        "decode 10 MB of valid UTF-8 (one bytes.decode, the detector is never called): "
        + "; ".join(notes)
    )


def bench_truncate(ctx: Context) -> None:
    text = "".join(f"line {i}: some build output here\n" for i in range(70_000))[: 2 << 20]
    ctx.time_function("execution.truncate_2mb", lambda: truncate_for_model(text), samples=20)


BENCHMARKS = [
    Benchmark(
        "execution.spawn",
        bench_spawn,
        description="run_command(['true']) vs subprocess.run(['true'])",
        goal="SPEC-940 baseline 0.92 ms",
    ),
    Benchmark(
        "execution.capture",
        bench_capture,
        description="capture 1 GiB from head -c 1G /dev/zero in a fresh process",
        goal=">= 500 MB/s, peak RSS < 100 MB",
    ),
    Benchmark(
        "execution.decode",
        bench_decode,
        description="decode_output on 10 MB of UTF-8 and 2 MiB of cp1251",
        goal="10 MB UTF-8 in a few ms",
    ),
    Benchmark(
        "execution.truncate",
        bench_truncate,
        description="truncate_for_model on 2 MiB of short lines",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
