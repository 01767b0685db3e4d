"""Rate-limit headers: snapshots, the info errors carry, the ≥ 90 % warning."""

from __future__ import annotations

import pytest

from codeloop.model.rate_limits import (
    exhausted_reset_seconds,
    parse_rate_limit_headers,
    rate_limit_info,
    rate_limit_warning,
)

OPENAI = {
    "X-RateLimit-Limit-Requests": "500",
    "X-RateLimit-Remaining-Requests": "499",
    "X-RateLimit-Reset-Requests": "120ms",
    "X-RateLimit-Limit-Tokens": "30000",
    "X-RateLimit-Remaining-Tokens": "1500",
    "X-RateLimit-Reset-Tokens": "6m0s",
}


def test_openai_headers_case_insensitive_with_6m0s_reset() -> None:
    snap = parse_rate_limit_headers(OPENAI)
    assert snap is not None
    assert snap.requests is not None and snap.tokens is not None
    assert snap.requests.limit == 500
    assert snap.requests.remaining == 499
    assert snap.requests.resets_in_seconds == pytest.approx(0.12)
    assert snap.requests.used_percent == pytest.approx(0.2)
    assert snap.tokens.resets_in_seconds == 360.0
    assert snap.tokens.used_percent == 95.0
    assert snap.tokens.window == "tokens"


def test_anthropic_headers() -> None:
    now = 1_700_000_000.0
    snap = parse_rate_limit_headers(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "2023-11-14T22:13:50Z",  # NOW + 30 s,
        },
        now=now,
    )
    assert snap is not None and snap.requests is not None
    assert snap.requests.used_percent == 100.0
    assert snap.requests.resets_in_seconds == pytest.approx(30.0, abs=1)
    assert snap.tokens is None
    assert exhausted_reset_seconds(snap) == pytest.approx(30.0, abs=1)


def test_no_headers_no_snapshot() -> None:
    assert parse_rate_limit_headers({"content-type": "text/event-stream"}) is None
    assert rate_limit_info(None) is None
    assert rate_limit_warning(None) is None


def test_info_picks_the_tightest_window() -> None:
    info = rate_limit_info(parse_rate_limit_headers(OPENAI))
    assert info is not None
    assert info.window == "tokens"
    assert info.used_percent == 95.0
    assert info.limit == 30000
    assert info.remaining == 1500
    assert info.reset_seconds == 360.0


def test_warning_at_ninety_percent() -> None:
    warning = rate_limit_warning(parse_rate_limit_headers(OPENAI))
    assert warning is not None
    assert "95% of the tokens limit" in warning.message
    assert "6m 0s" in warning.message
    relaxed = {**OPENAI, "X-RateLimit-Remaining-Tokens": "20000"}
    assert rate_limit_warning(parse_rate_limit_headers(relaxed)) is None
    exactly = {**OPENAI, "X-RateLimit-Remaining-Tokens": "3000"}
    assert rate_limit_warning(parse_rate_limit_headers(exactly)) is not None


def test_exhausted_reset_only_for_empty_windows() -> None:
    assert exhausted_reset_seconds(parse_rate_limit_headers(OPENAI)) is None
    empty = {**OPENAI, "X-RateLimit-Remaining-Requests": "0", "X-RateLimit-Reset-Requests": "1s"}
    assert exhausted_reset_seconds(parse_rate_limit_headers(empty)) == 1.0


def test_garbage_values_are_ignored() -> None:
    snap = parse_rate_limit_headers(
        {"x-ratelimit-limit-requests": "lots", "x-ratelimit-remaining-requests": "7"}
    )
    assert snap is not None and snap.requests is not None
    assert snap.requests.limit is None
    assert snap.requests.remaining == 7
    assert snap.requests.used_percent is None
