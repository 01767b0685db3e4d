"""Rate-limit response headers: a :class:`RateLimitSnapshot` for the UI, a
:class:`~codeloop.errors.RateLimitInfo` for errors, and a warning when a limit is nearly used up.

Understands OpenAI's ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` (resets like
``"6m0s"``) and Anthropic's ``anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}``
(RFC 3339 resets). Pure functions over a header mapping; no HTTP library needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.errors import RateLimitInfo
from codeloop.model.durations import format_seconds, parse_reset
from codeloop.protocol.events import Warning
from codeloop.protocol.response_events import RateLimitSnapshot, RateLimitWindow

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "WARNING_THRESHOLD_PERCENT",
    "exhausted_reset_seconds",
    "parse_rate_limit_headers",
    "rate_limit_info",
    "rate_limit_warning",
]

#: A window at or above this share used earns a :class:`Warning`.
WARNING_THRESHOLD_PERCENT = 90.0

_KINDS = ("requests", "tokens")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _window(
    kind: str,
    limit: str | None,
    remaining: str | None,
    reset: str | None,
    now: float | None,
) -> RateLimitWindow | None:
    lim, rem = _int(limit), _int(remaining)
    resets = parse_reset(reset, now=now) if reset is not None else None
    if lim is None and rem is None and resets is None:
        return None
    used: float | None = None
    if lim and rem is not None:
        used = round(min(max((lim - rem) / lim * 100.0, 0.0), 100.0), 1)
    return RateLimitWindow(
        used_percent=used, limit=lim, remaining=rem, resets_in_seconds=resets, window=kind
    )


def parse_rate_limit_headers(
    headers: Mapping[str, str], *, now: float | None = None
) -> RateLimitSnapshot | None:
    """The rate-limit windows the headers describe, or ``None`` when they describe none."""
    h = {k.lower(): v for k, v in headers.items()}
    windows: dict[str, RateLimitWindow | None] = {}
    for kind in _KINDS:
        openai = _window(
            kind,
            h.get(f"x-ratelimit-limit-{kind}"),
            h.get(f"x-ratelimit-remaining-{kind}"),
            h.get(f"x-ratelimit-reset-{kind}"),
            now,
        )
        anthropic = _window(
            kind,
            h.get(f"anthropic-ratelimit-{kind}-limit"),
            h.get(f"anthropic-ratelimit-{kind}-remaining"),
            h.get(f"anthropic-ratelimit-{kind}-reset"),
            now,
        )
        windows[kind] = openai or anthropic
    if not any(windows.values()):
        return None
    return RateLimitSnapshot(requests=windows["requests"], tokens=windows["tokens"])


def _windows(snapshot: RateLimitSnapshot) -> list[RateLimitWindow]:
    return [w for w in (snapshot.requests, snapshot.tokens) if w is not None]


def _most_used(snapshot: RateLimitSnapshot) -> RateLimitWindow | None:
    windows = _windows(snapshot)
    if not windows:
        return None
    return max(windows, key=lambda w: -1.0 if w.used_percent is None else w.used_percent)


def rate_limit_info(snapshot: RateLimitSnapshot | None) -> RateLimitInfo | None:
    """The tightest window of ``snapshot`` as the :class:`RateLimitInfo` errors carry."""
    window = _most_used(snapshot) if snapshot is not None else None
    if window is None:
        return None
    return RateLimitInfo(
        limit=window.limit,
        remaining=window.remaining,
        reset_seconds=window.resets_in_seconds,
        used_percent=window.used_percent,
        window=window.window,
    )


def exhausted_reset_seconds(snapshot: RateLimitSnapshot | None) -> float | None:
    """When a window has nothing left: how long until the last such window resets."""
    if snapshot is None:
        return None
    waits = [
        w.resets_in_seconds
        for w in _windows(snapshot)
        if w.remaining == 0 and w.resets_in_seconds is not None
    ]
    return max(waits) if waits else None


def rate_limit_warning(
    snapshot: RateLimitSnapshot | None, *, threshold: float = WARNING_THRESHOLD_PERCENT
) -> Warning | None:
    """A :class:`Warning` when some window is at least ``threshold`` percent used."""
    window = _most_used(snapshot) if snapshot is not None else None
    if window is None or window.used_percent is None or window.used_percent < threshold:
        return None
    resets = (
        f"; resets in {format_seconds(window.resets_in_seconds)}"
        if window.resets_in_seconds is not None
        else ""
    )
    return Warning(
        message=(
            f"rate limit nearly reached: {window.used_percent:g}% of the {window.window} "
            f"limit used{resets}"
        )
    )
