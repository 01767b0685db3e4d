"""The parsers that turn servers' "wait this long" into seconds."""

from __future__ import annotations

import email.utils

import pytest

from codeloop.model.durations import (
    format_seconds,
    parse_duration,
    parse_reset,
    parse_retry_after,
    parse_try_again_in,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6m0s", 360.0),
        ("1s", 1.0),
        ("20ms", 0.02),
        ("1.5s", 1.5),
        ("1h2m3s", 3723.0),
        ("1m26.4s", 86.4),
        ("2 seconds", 2.0),
        ("3", 3.0),
        ("0.25", 0.25),
        ("5 min", 300.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "6m garbage", "abc1s", "nan", "inf"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    assert parse_duration(text) is None


def test_retry_after_seconds() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.2 ") == pytest.approx(0.2)
    assert parse_retry_after("-5") == 0.0


def test_retry_after_http_date() -> None:
    header = email.utils.formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after(header, now=NOW) == pytest.approx(30.0)
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert parse_retry_after(past, now=NOW) == 0.0


@pytest.mark.parametrize("value", ["", "tomorrow", "Wed, 99 Foo 2024 25:61:00 GMT"])
def test_retry_after_garbage(value: str) -> None:
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("Rate limit reached for gpt-5 (TPM). Please try again in 1.5s.", 1.5),
        ("Please try again in 250ms.", 0.25),
        ("please TRY AGAIN IN 2 seconds", 2.0),
        ("Limit 30000, Used 30000. Please try again in 6m0s. Visit ...", 360.0),
        ("Please try again in 0.2s", 0.2),
    ],
)
def test_try_again_in(message: str, seconds: float) -> None:
    assert parse_try_again_in(message) == pytest.approx(seconds)


def test_try_again_in_absent() -> None:
    assert parse_try_again_in("Please try again later.") is None


def test_parse_reset_forms() -> None:
    assert parse_reset("6m0s", now=NOW) == 360.0
    assert parse_reset("12", now=NOW) == 12.0
    assert parse_reset(str(int(NOW + 90)), now=NOW) == pytest.approx(90.0)
    # NOW is 2023-11-14T22:13:20Z
    assert parse_reset("2023-11-14T22:13:20Z", now=NOW) == pytest.approx(0.0)
    assert parse_reset("2023-11-14T22:14:20+00:00", now=NOW) == pytest.approx(60.0)
    assert parse_reset("whenever", now=NOW) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.05, "50ms"), (0.2, "0.2s"), (1.24, "1.2s"), (360, "6m 0s"), (7500, "2h 5m")],
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
