"""Bounded head+tail capture: unit behaviour and a real 40 MB command in constant memory."""

from __future__ import annotations

import os
import random
import tracemalloc

import pytest

from codeloop.execution import ELISION_MARKER, HeadTailBuffer, OutputLimits, run_command


def reference(data: bytes, head: int, tail: int) -> tuple[bytes, bytes, int]:
    kept_head = data[:head]
    rest = data[head:]
    kept_tail = rest[len(rest) - tail :] if tail and len(rest) > tail else (rest if tail else b"")
    return kept_head, kept_tail, len(data) - len(kept_head) - len(kept_tail)


@pytest.mark.parametrize("seed", range(30))
def test_head_tail_matches_reference(seed: int) -> None:
    rng = random.Random(seed)
    head, tail = rng.randint(0, 50), rng.randint(0, 50)
    buf = HeadTailBuffer(head, tail)
    written = bytearray()
    for _ in range(rng.randint(0, 40)):
        chunk = os.urandom(rng.choice([0, 1, 3, 7, 20, 49, 50, 51, 120]))
        # Views of a reused buffer must be copied, not kept.
        scratch = bytearray(chunk)
        buf.write(memoryview(scratch))
        scratch[:] = b"\0" * len(scratch)
        written += chunk
    exp_head, exp_tail, exp_elided = reference(bytes(written), head, tail)
    assert buf.head == exp_head
    assert buf.tail == exp_tail
    assert buf.elided == exp_elided
    assert buf.total == len(written)


def test_nothing_elided_gives_everything() -> None:
    buf = HeadTailBuffer(4, 4)
    for piece in (b"ab", b"cdef", b"gh"):
        buf.write(piece)
    assert buf.getvalue() == b"abcdefgh"
    captured = buf.text()
    assert captured.text == "abcdefgh" and captured.elided_bytes == 0


def test_text_marks_the_elision_and_keeps_utf8_whole() -> None:
    buf = HeadTailBuffer(5, 5)
    buf.write("ééééé-middle-ééééé".encode())  # é is 2 bytes: the cuts fall inside characters
    captured = buf.text()
    head, marker_and_tail = captured.text.split("\n", 1)
    assert head == "éé"
    assert "\ufffd" not in captured.text
    assert captured.text.endswith("\néé")
    assert captured.text == "éé" + ELISION_MARKER.format(elided=captured.elided_bytes) + "éé"
    assert captured.elided_bytes == len("ééééé-middle-ééééé".encode()) - 8
    assert marker_and_tail


def test_text_of_legacy_encoding_with_elision() -> None:
    buf = HeadTailBuffer(30, 30)
    buf.write(("Привет мир " * 20).encode("cp1251"))
    text = buf.text().text
    assert text.startswith("Привет мир Привет")
    assert "bytes elided" in text


def test_zero_limits() -> None:
    buf = HeadTailBuffer(0, 0)
    buf.write(b"abc")
    assert buf.head == buf.tail == b"" and buf.elided == 3


def test_limits_validate() -> None:
    with pytest.raises(ValueError):
        OutputLimits(max_delta_bytes=0)
    with pytest.raises(ValueError):
        OutputLimits(head_bytes=-1)


async def test_large_output_bounded_memory_and_exact_counts() -> None:
    n = 5_000_000  # `seq` prints ~38.9 MB
    expected_total = sum(len(str(i)) + 1 for i in range(1, n + 1))
    limits = OutputLimits(head_bytes=1 << 20, tail_bytes=1 << 20)
    tracemalloc.start()
    try:
        r = await run_command(["seq", "1", str(n)], limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.exit_code == 0
    assert r.stdout_bytes == expected_total
    assert r.stdout_elided == expected_total - 2 * (1 << 20)
    assert r.aggregated_elided == r.stdout_elided
    assert r.stdout.startswith("1\n2\n3\n")
    assert r.stdout.endswith("4999999\n5000000\n")
    assert f"[... {r.stdout_elided} bytes elided ...]" in r.stdout
    # Three 2 MiB buffers, the read buffer and the decoded strings; never the 39 MB.
    assert peak < 24 * (1 << 20), f"peak traced memory {peak / (1 << 20):.1f} MiB"


async def test_small_limits_on_both_streams() -> None:
    limits = OutputLimits(head_bytes=10, tail_bytes=10)
    r = await run_command(["sh", "-c", "seq 1 1000; seq 1 1000 >&2"], limits=limits)
    assert r.stdout.startswith("1\n2\n3\n4\n5\n")
    assert r.stdout.endswith("\n999\n1000\n")
    assert r.stderr.endswith("\n999\n1000\n")
    assert r.stdout_elided == r.stdout_bytes - 20
    assert r.aggregated_elided == r.stdout_bytes + r.stderr_bytes - 20
