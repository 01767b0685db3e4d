"""The many ways servers say "wait this long", turned into seconds.

Used by the error bridge and the rate-limit parser. Everything here is pure (``now`` is a
parameter) so it can be tested without clocks. Every function returns ``None`` for text it does
not understand rather than guessing.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "format_seconds",
    "parse_duration",
    "parse_reset",
    "parse_retry_after",
    "parse_try_again_in",
]

_UNITS = r"milliseconds?|msecs?|ms|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s"
_TOKEN = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNITS})(?![a-z])", re.IGNORECASE)
_TRY_AGAIN = re.compile(
    rf"try\s+again\s+in\s+((?:\d+(?:\.\d+)?\s*(?:{_UNITS})(?![a-z])\s*)+)", re.IGNORECASE
)
#: Anything above this is a Unix timestamp, not a number of seconds (2001-09-09).
_EPOCH_THRESHOLD = 1_000_000_000


def _unit_seconds(unit: str) -> float:
    u = unit.lower()
    if u.startswith(("ms", "msec", "milli")):
        return 0.001
    if u.startswith("h"):
        return 3600.0
    if u.startswith("m"):
        return 60.0
    return 1.0


def parse_duration(text: str) -> float | None:
    """``"6m0s"``, ``"1.5s"``, ``"250ms"``, ``"1h2m"``, ``"2 seconds"``, bare ``"3"`` (seconds)."""
    s = text.strip()
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        pass
    else:
        return max(value, 0.0) if math.isfinite(value) else None
    total = 0.0
    pos = 0
    found = False
    for m in _TOKEN.finditer(s):
        if s[pos : m.start()].strip():
            return None
        total += float(m.group(1)) * _unit_seconds(m.group(2))
        pos = m.end()
        found = True
    if not found or s[pos:].strip():
        return None
    return total


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """A ``Retry-After`` header: delay-seconds (fractions tolerated) or an HTTP date."""
    s = value.strip()
    if not s:
        return None
    try:
        seconds = float(s)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


def parse_try_again_in(message: str) -> float | None:
    """The delay in messages like "Please try again in 1.5s" / "in 250ms" / "in 6m0s"."""
    m = _TRY_AGAIN.search(message)
    return parse_duration(m.group(1)) if m else None


def parse_reset(value: str, *, now: float | None = None) -> float | None:
    """Seconds until a rate-limit window resets: a duration (``"6m0s"``), seconds, a Unix
    timestamp or an ISO-8601 time (Anthropic's ``...-reset`` headers)."""
    s = value.strip()
    if not s:
        return None
    current = time.time() if now is None else now
    try:
        number = float(s)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            return None
        if number > _EPOCH_THRESHOLD:
            return max(number - current, 0.0)
        return max(number, 0.0)
    seconds = parse_duration(s)
    if seconds is not None:
        return seconds
    try:
        when = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - current, 0.0)


def format_seconds(seconds: float) -> str:
    """Short human form: ``250ms``, ``1.2s``, ``6m 0s``, ``2h 5m``."""
    if seconds < 0.1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes}m {secs}s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h {rest // 60}m"
