"""Session ids (time-ordered UUIDs) and the timestamps written into rollouts."""

from __future__ import annotations

import os
import threading
import time
import uuid

__all__ = ["new_session_id", "utc_timestamp", "uuid7"]

_MASK_48 = (1 << 48) - 1
_MASK_62 = (1 << 62) - 1


_uuid_lock = threading.Lock()
_last_uuid = 0


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """An RFC 9562 version-7 UUID: 48-bit Unix milliseconds, then 74 random bits.

    Python 3.11 has no ``uuid.uuid7``; ids that sort by creation time keep session files and the
    index in order without reading them. Ids made by this process (without ``unix_ms``) are
    strictly increasing, even within one millisecond (RFC 9562 §6.2, method 2: the random part
    is incremented).
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits; 74 are used
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & _MASK_62
    value = (ms & _MASK_48) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    if unix_ms is None:
        global _last_uuid  # noqa: PLW0603 - the monotonic counter of this process
        with _uuid_lock:
            if value <= _last_uuid:
                value = _increment(_last_uuid)
            _last_uuid = value
    return uuid.UUID(int=value)


def _increment(value: int) -> int:
    """The next UUIDv7 after ``value``: +1 in the random bits, skipping the fixed bits."""
    rand_b = (value & _MASK_62) + 1
    if rand_b <= _MASK_62:
        return (value & ~_MASK_62) | rand_b
    rand_a = ((value >> 64) & 0xFFF) + 1
    ms = value >> 80
    if rand_a > 0xFFF:  # 2**74 ids in one millisecond: borrow the next millisecond
        rand_a, ms = 0, ms + 1
    return (ms & _MASK_48) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62


def new_session_id() -> str:
    """A fresh session id, as the lowercase hyphenated text used in file names and lines."""
    return str(uuid7())


_last_second = -1
_last_prefix = ""


def utc_timestamp(now: float | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, milliseconds), the format of Codex's rollout lines.

    Called once per recorded line, so the formatted second is cached.
    """
    global _last_second, _last_prefix  # noqa: PLW0603 - a one-entry cache
    t = time.time() if now is None else now
    second = int(t)
    ms = int((t - second) * 1000)
    if second != _last_second:
        _last_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _last_second = second
    return f"{_last_prefix}.{ms:03d}Z"
