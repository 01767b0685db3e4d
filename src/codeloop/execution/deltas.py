"""Live output deltas, bounded in size, rate and total.

Deltas exist so a person can watch a command run. A command printing 1 GB must not turn into a
million events for the UI, the rollout and the ``exec --json`` stream, so deltas are coalesced: at
most ``max_deltas_per_second`` (one every ``1/rate`` seconds; output arriving in between waits and
is merged), each at most ``max_delta_bytes``. When output arrives faster than that, the waiting
bytes keep only the *latest* ``max_delta_bytes`` per stream (the live view shows what the command
is printing now) and the skipped bytes are counted. After ``max_deltas`` deltas or
``max_streamed_bytes`` streamed bytes, streaming stops; capture (``capture.py``) goes on.
The final flush when the command ends may emit one delta per stream without waiting for its slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from codeloop.execution.decode import StreamDecoder

if TYPE_CHECKING:
    from collections.abc import Callable

    from codeloop.execution.capture import OutputLimits

__all__ = ["DeltaThrottle", "OutputDelta", "StreamName"]

log = logging.getLogger(__name__)

StreamName = Literal["stdout", "stderr"]


@dataclass(frozen=True, slots=True)
class OutputDelta:
    """A piece of live output. ``text`` is ``data`` decoded incrementally (see StreamDecoder);
    ``skipped`` counts bytes of this stream dropped from the live view just before ``data``."""

    stream: StreamName
    data: bytes
    text: str
    skipped: int = 0


class _Pending:
    __slots__ = ("buf", "decoder", "since", "skipped")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.decoder = StreamDecoder()
        self.since = 0.0
        self.skipped = 0


class DeltaThrottle:
    """Turns output chunks into rate-limited :class:`OutputDelta` calls to ``sink``.

    Runs on the event loop; ``sink`` is called synchronously from it. If ``sink`` raises, the
    error is logged and streaming stops (the command itself is not affected).
    """

    def __init__(
        self,
        sink: Callable[[OutputDelta], object],
        limits: OutputLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._limits = limits
        self._clock = clock
        self._interval = 1.0 / limits.max_deltas_per_second
        self._last_emit = float("-inf")
        self._pending: dict[StreamName, _Pending] = {"stdout": _Pending(), "stderr": _Pending()}
        self._timer: asyncio.TimerHandle | None = None
        self.deltas_emitted = 0
        self.bytes_emitted = 0
        self.bytes_skipped = 0
        self.exhausted = False

    def feed(self, stream: StreamName, data: bytes | bytearray | memoryview) -> None:
        """Take a chunk of output (copied: ``data`` may be a view of a reused buffer)."""
        n = len(data)
        if self.exhausted:
            self.bytes_skipped += n
            return
        p = self._pending[stream]
        if not p.buf:
            p.since = self._clock()
        limit = self._limits.max_delta_bytes
        if n >= limit:
            over = len(p.buf) + n - limit
            p.buf[:] = data[n - limit :]
        else:
            p.buf += data
            over = len(p.buf) - limit
            if over > 0:
                del p.buf[:over]
        if over > 0:
            p.skipped += over
            self.bytes_skipped += over
        self._pump()

    def close(self) -> None:
        """Flush what is pending (ignoring the rate, not the caps) and stop."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for stream in ("stdout", "stderr"):
            p = self._pending[stream]
            if p.buf and not self.exhausted:
                self._emit(stream, final=True)
            elif p.buf:
                self.bytes_skipped += len(p.buf)
                p.buf.clear()
        self.exhausted = True

    def _pump(self) -> None:
        now = self._clock()
        wait = self._last_emit + self._interval - now
        if wait <= 0:
            stream = self._oldest()
            if stream is None:
                return
            self._last_emit = now
            self._emit(stream)
            if self._oldest() is None or self.exhausted:
                return
            wait = self._interval
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(wait, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self.exhausted:
            self._pump()

    def _oldest(self) -> StreamName | None:
        waiting = [(p.since, s) for s, p in self._pending.items() if p.buf]
        return min(waiting)[1] if waiting else None

    def _emit(self, stream: StreamName, *, final: bool = False) -> None:
        p = self._pending[stream]
        data = bytes(p.buf)
        p.buf.clear()
        limits = self._limits
        room = limits.max_streamed_bytes - self.bytes_emitted
        if self.deltas_emitted >= limits.max_deltas or room <= 0:
            self.bytes_skipped += len(data)
            self.exhausted = True
            return
        if len(data) > room:
            self.bytes_skipped += len(data) - room
            data = data[:room]
        skipped, p.skipped = p.skipped, 0
        if skipped:
            # The bytes before this delta are gone: drop any half character on both sides.
            p.decoder.reset()
            if p.decoder.encoding is None:
                cut = 0
                while cut < min(3, len(data)) and 0x80 <= data[cut] < 0xC0:
                    cut += 1
                data, skipped = data[cut:], skipped + cut
                self.bytes_skipped += cut
        text = p.decoder.decode(data, final=final)
        self.deltas_emitted += 1
        self.bytes_emitted += len(data)
        if (
            self.deltas_emitted >= limits.max_deltas
            or self.bytes_emitted >= limits.max_streamed_bytes
        ):
            self.exhausted = True
        try:
            self._sink(OutputDelta(stream, data, text, skipped))
        except Exception:
            log.exception("output delta callback failed; no more deltas for this command")
            self.exhausted = True
