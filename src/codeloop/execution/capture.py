"""Bounded capture of a command's output: the first and last bytes, and how much was skipped.

A command may print a gigabyte (``yes``, a runaway log, ``cat`` of a binary). Keeping all of it
would let one command exhaust memory; keeping only the beginning would lose the part that matters
most (the error at the end of a build). So each stream keeps a head and a tail of fixed size plus a
count of the bytes in between, and memory stays constant whatever the command prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeloop.execution.decode import decode_output, detect_encoding

__all__ = ["ELISION_MARKER", "CapturedText", "HeadTailBuffer", "OutputLimits"]

#: Put where bytes were dropped between head and tail, in the decoded text.
ELISION_MARKER = "\n[... {elided} bytes elided ...]\n"

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class OutputLimits:
    """How much of a command's output is kept and streamed.

    The defaults keep 1 MiB head + 1 MiB tail per stream and for the interleaved output (at most
    6 MiB per command), and stream at most 20 deltas a second of at most 8 KiB each, stopping after
    10,000 deltas (Codex's per-call cap) or 8 MiB, whichever comes first; capture goes on.
    """

    head_bytes: int = 1 * MiB
    tail_bytes: int = 1 * MiB
    max_delta_bytes: int = 8 * 1024
    max_deltas_per_second: float = 20.0
    max_deltas: int = 10_000
    max_streamed_bytes: int = 8 * MiB

    def __post_init__(self) -> None:
        if min(self.head_bytes, self.tail_bytes, self.max_streamed_bytes, self.max_deltas) < 0:
            raise ValueError("output limits cannot be negative")
        if self.max_delta_bytes <= 0 or self.max_deltas_per_second <= 0:
            raise ValueError("max_delta_bytes and max_deltas_per_second must be positive")


class HeadTailBuffer:
    """Keeps the first ``head_limit`` and the last ``tail_limit`` bytes written to it.

    ``write`` does no per-byte work and no allocation once full: the head is one ``bytearray``,
    the tail a fixed ring (allocated when the head fills up) that chunks are copied into with
    slice assignment. So the caller may pass a view of a reused read buffer, and memory is exactly
    ``head_limit + tail_limit`` however much is written.
    """

    __slots__ = ("_head", "_ring", "_ring_len", "_ring_pos", "head_limit", "tail_limit", "total")

    def __init__(self, head_limit: int, tail_limit: int) -> None:
        self.head_limit = head_limit
        self.tail_limit = tail_limit
        self.total = 0
        self._head = bytearray()
        self._ring: bytearray | None = None
        self._ring_pos = 0  # where the next byte goes
        self._ring_len = 0  # valid bytes in the ring

    def write(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B") if not isinstance(data, memoryview) else data
        n = len(view)
        if not n:
            return
        self.total += n
        room = self.head_limit - len(self._head)
        if room > 0:
            if n <= room:
                self._head += view
                return
            self._head += view[:room]
            view = view[room:]
            n -= room
        cap = self.tail_limit
        if cap <= 0:
            return
        ring = self._ring
        if ring is None:
            ring = self._ring = bytearray(cap)
        if n >= cap:
            ring[:] = view[n - cap :]
            self._ring_pos = 0
            self._ring_len = cap
            return
        pos = self._ring_pos
        end = pos + n
        if end <= cap:
            ring[pos:end] = view
        else:
            first = cap - pos
            ring[pos:] = view[:first]
            ring[: n - first] = view[first:]
        self._ring_pos = end % cap
        self._ring_len = min(cap, self._ring_len + n)

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    @property
    def tail(self) -> bytes:
        ring = self._ring
        if ring is None or not self._ring_len:
            return b""
        if self._ring_len < self.tail_limit:
            return bytes(ring[: self._ring_len])  # never wrapped: it starts at 0
        pos = self._ring_pos
        return bytes(ring[pos:]) + bytes(ring[:pos])

    @property
    def elided(self) -> int:
        """Bytes written but kept in neither head nor tail."""
        return self.total - len(self._head) - self._ring_len

    def getvalue(self) -> bytes:
        """Head and tail joined (without a marker); everything when nothing was elided."""
        return self.head + self.tail

    def text(self) -> CapturedText:
        """The kept bytes decoded, with :data:`ELISION_MARKER` where bytes were dropped."""
        head, tail, elided = self.head, self.tail, self.elided
        if not elided:
            return CapturedText(decode_output(head + tail), self.total, 0)
        # For UTF-8, cut at character boundaries so neither side has half a character.
        head_cut = _utf8_complete_prefix(head)
        tail_start = _utf8_char_start(tail)
        try:
            text_head = head[:head_cut].decode("utf-8")
            text_tail = tail[tail_start:].decode("utf-8")
            elided += (len(head) - head_cut) + tail_start
        except UnicodeDecodeError:
            encoding = detect_encoding(head + tail)
            text_head = head.decode(encoding, errors="replace")
            text_tail = tail.decode(encoding, errors="replace")
        marker = ELISION_MARKER.format(elided=elided)
        return CapturedText(text_head + marker + text_tail, self.total, elided)


@dataclass(frozen=True, slots=True)
class CapturedText:
    text: str
    total_bytes: int
    elided_bytes: int


def _utf8_complete_prefix(data: bytes) -> int:
    """Length of ``data`` without a trailing incomplete UTF-8 sequence (if it has one)."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        b = data[n - back]
        if b < 0x80:
            return n  # ASCII: complete
        if b >= 0xC0:  # a lead byte: complete only if all its continuation bytes are there
            need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return n if back >= need else n - back
    return n


def _utf8_char_start(data: bytes) -> int:
    """Index of the first byte that is not a UTF-8 continuation byte (at most 3 skipped)."""
    for i in range(min(3, len(data))):
        if not 0x80 <= data[i] < 0xC0:
            return i
    return min(3, len(data))
