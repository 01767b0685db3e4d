"""Live output deltas: content, size bound, rate bound, total caps, failing sinks."""

from __future__ import annotations

import sys
import textwrap
import time

from codeloop.execution import OutputDelta, OutputLimits, run_command
from codeloop.execution.deltas import DeltaThrottle

PY = sys.executable

# Prints ~1 KB lines as fast as it can for `seconds`, on both streams.
FLOOD = textwrap.dedent(
    """
    import sys, time
    end = time.monotonic() + {seconds}
    line = "x" * 1000 + "\\n"
    while time.monotonic() < end:
        sys.stdout.write(line); sys.stdout.flush()
        sys.stderr.write(line); sys.stderr.flush()
    """
)


class Recorder:
    def __init__(self) -> None:
        self.deltas: list[OutputDelta] = []
        self.times: list[float] = []

    def __call__(self, delta: OutputDelta) -> None:
        self.deltas.append(delta)
        self.times.append(time.monotonic())

    def text(self, stream: str) -> str:
        return "".join(d.text for d in self.deltas if d.stream == stream)


async def test_slow_output_arrives_complete_and_in_order() -> None:
    rec = Recorder()
    script = "echo a; sleep 0.15; echo b >&2; sleep 0.15; echo c"
    r = await run_command(["sh", "-c", script], on_delta=rec)
    assert rec.text("stdout") == "a\nc\n" == r.stdout
    assert rec.text("stderr") == "b\n" == r.stderr
    assert [d.text for d in rec.deltas] == ["a\n", "b\n", "c\n"]
    assert all(d.skipped == 0 for d in rec.deltas)
    assert r.deltas_emitted == 3 and r.delta_bytes_skipped == 0


async def test_deltas_are_bounded_in_size_and_rate() -> None:
    rec = Recorder()
    limits = OutputLimits(max_delta_bytes=4096, max_deltas_per_second=10)
    started = time.monotonic()
    r = await run_command([PY, "-c", FLOOD.format(seconds=1.2)], on_delta=rec, limits=limits)
    elapsed = time.monotonic() - started
    assert r.exit_code == 0
    assert r.stdout_bytes > 1_000_000  # it really did flood
    assert rec.deltas
    assert all(0 < len(d.data) <= 4096 for d in rec.deltas)
    # One slot per 0.1 s, plus the final flush of both streams.
    assert len(rec.deltas) <= elapsed * 10 + 3
    # No window of one second holds more than 10 deltas (+1 for the boundary, +2 final flush).
    for i, t in enumerate(rec.times):
        in_window = sum(1 for u in rec.times[i:] if u - t < 1.0)
        assert in_window <= 13
    assert {d.stream for d in rec.deltas} == {"stdout", "stderr"}
    assert r.delta_bytes_skipped > 0
    assert r.deltas_emitted == len(rec.deltas)
    streamed = sum(len(d.data) for d in rec.deltas)
    assert streamed + r.delta_bytes_skipped == r.stdout_bytes + r.stderr_bytes


async def test_delta_count_cap_stops_streaming_but_not_capture() -> None:
    rec = Recorder()
    limits = OutputLimits(max_deltas=3, max_deltas_per_second=50)
    script = "for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.05; done"
    r = await run_command(["sh", "-c", script], on_delta=rec, limits=limits)
    assert len(rec.deltas) == 3
    assert r.stdout == "".join(f"{i}\n" for i in range(1, 9))
    assert r.deltas_emitted == 3


async def test_streamed_bytes_cap() -> None:
    rec = Recorder()
    limits = OutputLimits(max_streamed_bytes=10_000, max_deltas_per_second=1000)
    r = await run_command([PY, "-c", FLOOD.format(seconds=0.3)], on_delta=rec, limits=limits)
    assert sum(len(d.data) for d in rec.deltas) == 10_000
    assert r.stdout_bytes + r.stderr_bytes > 100_000


async def test_failing_sink_does_not_break_the_command() -> None:
    calls = 0

    def sink(delta: OutputDelta) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("UI went away")

    r = await run_command(["sh", "-c", "echo a; sleep 0.1; echo b"], on_delta=sink)
    assert r.exit_code == 0 and r.stdout == "a\nb\n"
    assert calls == 1


async def test_multibyte_characters_split_across_deltas() -> None:
    rec = Recorder()
    text = "привет, 世界 🎉\n" * 3
    data = text.encode()
    # Write one byte at a time with pauses, so characters are split across reads and deltas.
    script = textwrap.dedent(
        f"""
        import sys, time
        for b in {data!r}:
            sys.stdout.buffer.write(bytes([b])); sys.stdout.flush(); time.sleep(0.001)
        """
    )
    limits = OutputLimits(max_deltas_per_second=200)
    r = await run_command([PY, "-c", script], on_delta=rec, limits=limits)
    assert len(rec.deltas) > 3
    assert rec.text("stdout") == text == r.stdout
    assert b"".join(d.data for d in rec.deltas) == data


async def test_throttle_keeps_latest_bytes_when_overflowing() -> None:
    out: list[OutputDelta] = []
    limits = OutputLimits(max_delta_bytes=4, max_deltas_per_second=1)
    throttle = DeltaThrottle(out.append, limits)
    throttle.feed("stdout", b"abcd")  # emitted at once (first slot)
    throttle.feed("stdout", b"efgh")  # waits for the next slot...
    throttle.feed("stdout", b"ijkl")  # ...and overflows: the latest bytes win
    throttle.close()
    assert [d.text for d in out] == ["abcd", "ijkl"]
    assert out[1].skipped == 4
    assert throttle.bytes_skipped == 4
