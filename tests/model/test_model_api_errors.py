"""The API error bridge: bodies of every shape, statuses, headers → typed errors."""

from __future__ import annotations

import email.utils
import json

import pytest

from codeloop.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    ModelAPIError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    UsageLimitError,
)
from codeloop.model.api_errors import (
    EXCERPT_LIMIT,
    clean_excerpt,
    error_from_event,
    error_from_http,
    parse_error_body,
    redact,
    request_id_from,
    retry_after_from_headers,
)

NOW = 1_700_000_000.0
KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    "<script>var x = 'lots of javascript';</script>" + "<p>filler</p>" * 500 + "</body></html>"
)


def body(obj: object) -> str:
    return json.dumps(obj)


def assert_one_line(err: ModelAPIError) -> None:
    assert "\n" not in err.message and "\r" not in err.message
    assert err.hint
    assert len(err.message) <= 450


# -- body shapes -------------------------------------------------------------------------------


def test_openai_body() -> None:
    b = parse_error_body(
        body({"error": {"message": "Bad thing", "type": "invalid_request_error", "code": "x"}})
    )
    assert (b.shape, b.message, b.type, b.code) == (
        "openai",
        "Bad thing",
        "invalid_request_error",
        "x",
    )


def test_anthropic_body() -> None:
    b = parse_error_body(
        body({"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}})
    )
    assert (b.shape, b.type, b.message) == ("anthropic", "rate_limit_error", "Slow down")


def test_google_body_with_retry_info() -> None:
    raw = {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"},
            ],
        }
    }
    b = parse_error_body(body(raw))
    assert b.shape == "google"
    assert b.status == "RESOURCE_EXHAUSTED"
    assert b.code is None  # the numeric code is the HTTP status, not a kind
    assert b.retry_after == 2.0
    # Google sometimes wraps the object in a list
    assert parse_error_body(body([raw])).retry_after == 2.0


def test_html_body_is_reduced_to_a_title_and_short_excerpt() -> None:
    b = parse_error_body(HTML_502)
    assert b.shape == "html"
    assert b.message == "502 Bad Gateway"
    assert len(b.excerpt) <= EXCERPT_LIMIT
    assert "<" not in b.excerpt and "javascript" not in b.excerpt


def test_plain_text_and_empty_bodies() -> None:
    assert parse_error_body("upstream connect error\nreset reason: overflow").message == (
        "upstream connect error reset reason: overflow"
    )
    assert parse_error_body("   ").shape == "empty"
    assert parse_error_body(body({"error": "model 'x' not found"})).message == "model 'x' not found"


def test_clean_excerpt_limits_length() -> None:
    assert len(clean_excerpt("x" * 5000)) == EXCERPT_LIMIT
    assert clean_excerpt("a\n\n  b\tc") == "a b c"


# -- headers -----------------------------------------------------------------------------------


def test_request_id_headers() -> None:
    assert request_id_from({"X-Request-Id": "req_1"}) == "req_1"
    assert request_id_from({"request-id": "req_2"}) == "req_2"
    assert request_id_from({}) is None


def test_retry_after_headers() -> None:
    assert retry_after_from_headers({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_from_headers({"Retry-After": "3"}) == 3.0
    date = email.utils.formatdate(NOW + 10, usegmt=True)
    assert retry_after_from_headers({"Retry-After": date}, now=NOW) == pytest.approx(10.0)
    assert retry_after_from_headers({}) is None


# -- statuses ----------------------------------------------------------------------------------


def test_429_rate_limit_with_retry_after_and_headers() -> None:
    err = error_from_http(
        429,
        {
            "Retry-After": "1.5",
            "x-ratelimit-limit-requests": "100",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "6m0s",
        },
        body({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}),
        provider="OpenAI",
        now=NOW,
    )
    assert isinstance(err, RateLimitError)
    assert err.retryable
    assert err.retry_after == 1.5
    assert err.rate_limits is not None
    assert err.rate_limits.remaining == 0
    assert err.rate_limits.reset_seconds == 360.0
    assert err.rate_limits.used_percent == 100.0
    assert err.message.startswith("Rate limited by OpenAI (HTTP 429 Too Many Requests)")
    assert_one_line(err)


def test_429_wait_falls_back_to_message_then_reset_header() -> None:
    msg_err = error_from_http(
        429, {}, body({"error": {"message": "Please try again in 250ms."}}), now=NOW
    )
    assert msg_err.retry_after == 0.25
    reset_err = error_from_http(
        429,
        {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "2s"},
        "",
        now=NOW,
    )
    assert reset_err.retry_after == 2.0
    assert error_from_http(429, {}, "", now=NOW).retry_after is None


def test_usage_limit_reached_with_resets_at() -> None:
    err = error_from_http(
        429,
        {},
        body(
            {
                "error": {
                    "type": "usage_limit_reached",
                    "message": "The usage limit has been reached",
                    "plan_type": "plus",
                    "resets_at": int(NOW + 3600),
                }
            }
        ),
        provider="ChatGPT",
        now=NOW,
    )
    assert isinstance(err, UsageLimitError)
    assert not err.retryable
    assert err.plan_type == "plus"
    assert err.resets_at == NOW + 3600
    assert "usage limit (plus plan)" in err.message
    assert "resets in 1h 0m" in err.message
    assert_one_line(err)


def test_usage_limit_reached_with_resets_in_seconds() -> None:
    err = error_from_http(
        429,
        {},
        body({"error": {"type": "usage_limit_reached", "resets_in_seconds": 90}}),
        now=NOW,
    )
    assert isinstance(err, UsageLimitError)
    assert err.resets_at == NOW + 90


def test_insufficient_quota_is_fatal() -> None:
    err = error_from_http(
        429,
        {"retry-after": "1"},
        body(
            {"error": {"type": "insufficient_quota", "code": "insufficient_quota", "message": "x"}}
        ),
    )
    assert isinstance(err, QuotaExceededError)
    assert not err.retryable


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors(status: int) -> None:
    err = error_from_http(
        status,
        {"x-request-id": "req_9"},
        body(
            {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}}
        ),
        provider="OpenAI",
        env_key="OPENAI_API_KEY",
        secrets=[KEY],
    )
    assert isinstance(err, AuthenticationError)
    assert isinstance(err, BadRequestError)
    assert not err.retryable
    assert KEY not in err.message
    assert KEY not in (err.body_excerpt or "")
    assert "OPENAI_API_KEY" in err.hint and "codeloop login" in err.hint
    assert "req_9" in err.message
    assert_one_line(err)


def test_other_4xx_is_bad_request_with_excerpt_and_request_id() -> None:
    long_message = "Invalid schema for function 'shell': " + "x" * 1000
    err = error_from_http(
        400,
        {"x-request-id": "req_abc"},
        body({"error": {"message": long_message, "type": "invalid_request_error"}}),
        provider="OpenAI",
    )
    assert type(err) is BadRequestError
    assert err.status == 400
    assert err.request_id == "req_abc"
    assert err.body_excerpt is not None
    assert len(err.body_excerpt) <= EXCERPT_LIMIT
    assert "Invalid schema" in err.body_excerpt
    assert "[request id req_abc]" in err.message
    assert_one_line(err)


def test_404_hint_mentions_model_and_base_url() -> None:
    err = error_from_http(404, {}, body({"error": {"message": "model not found"}}))
    assert isinstance(err, BadRequestError)
    assert "base_url" in err.hint


@pytest.mark.parametrize("status", [500, 502, 503, 529])
def test_5xx_is_retryable_server_error(status: int) -> None:
    err = error_from_http(status, {}, body({"error": {"message": "oops"}}))
    assert isinstance(err, ServerError)
    assert err.retryable


def test_html_502_message_is_short() -> None:
    err = error_from_http(502, {}, HTML_502, provider="OpenAI")
    assert isinstance(err, ServerError)
    assert err.message == "OpenAI server error (HTTP 502 Bad Gateway)"
    assert len(err.body_excerpt or "") <= EXCERPT_LIMIT
    assert "<" not in err.message


def test_plain_text_500() -> None:
    err = error_from_http(500, {}, "Internal Server Error\n\nsomething broke")
    assert err.message.endswith(": Internal Server Error something broke")


def test_context_length_in_400_body() -> None:
    err = error_from_http(
        400,
        {},
        body(
            {
                "error": {
                    "message": "This model's maximum context length is 128000 tokens.",
                    "code": "context_length_exceeded",
                }
            }
        ),
    )
    assert isinstance(err, ContextWindowExceededError)
    assert not err.retryable


def test_anthropic_prompt_too_long_is_context_window() -> None:
    err = error_from_http(
        400,
        {},
        body(
            {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "prompt is too long: 2 > 1"},
            }
        ),
    )
    assert isinstance(err, ContextWindowExceededError)


def test_anthropic_rate_limit_and_overloaded() -> None:
    rate = error_from_http(
        429,
        {"retry-after": "4"},
        body({"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}),
    )
    assert isinstance(rate, RateLimitError) and rate.retry_after == 4.0
    overloaded = error_from_http(
        529, {}, body({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})
    )
    assert isinstance(overloaded, ServerError)


def test_google_429_uses_retry_delay() -> None:
    err = error_from_http(
        429,
        {},
        body(
            {
                "error": {
                    "code": 429,
                    "message": "Quota exceeded for metric generate_content_requests",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [
                        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}
                    ],
                }
            }
        ),
    )
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 2.0


# -- in-stream failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "retryable"),
    [
        (
            {"code": "context_length_exceeded", "message": "too long"},
            ContextWindowExceededError,
            False,
        ),
        ({"code": "insufficient_quota", "message": "pay"}, QuotaExceededError, False),
        ({"code": "usage_not_included", "message": "nope"}, QuotaExceededError, False),
        ({"code": "usage_limit_reached", "message": "limit"}, UsageLimitError, False),
        ({"code": "invalid_prompt", "message": "bad"}, BadRequestError, False),
        ({"code": "server_is_overloaded", "message": "busy"}, ServerError, True),
        ({"code": "rate_limit_exceeded", "message": "try again in 1.5s"}, RateLimitError, True),
        ({"code": 429, "message": "upstream rate limited"}, RateLimitError, True),
        ({"code": 401, "message": "bad key"}, AuthenticationError, False),
        (None, ServerError, True),
    ],
)
def test_error_from_event(error: dict[str, object] | None, kind: type, retryable: bool) -> None:
    err = error_from_event(error, provider="OpenAI")
    assert type(err) is kind
    assert err.retryable is retryable
    assert_one_line(err)


def test_event_rate_limit_parses_try_again_in() -> None:
    err = error_from_event(
        {"code": "rate_limit_exceeded", "message": "Limit 30000. Please try again in 1.5s."}
    )
    assert err.retry_after == 1.5
    err = error_from_event({"code": "rate_limit_exceeded", "message": "Please try again in 250ms"})
    assert err.retry_after == 0.25


# -- secrets -----------------------------------------------------------------------------------


def test_redact() -> None:
    assert KEY not in redact(f"key {KEY} here", [KEY])
    assert "sk-abc" in redact("sk-abcdefghijklmnopqrstu")
    assert "defghijklmnop" not in redact("sk-abcdefghijklmnopqrstu")
    assert redact("Authorization: Bearer secret-token") == "Authorization: Bearer [REDACTED]"
    assert redact("nothing to hide", [None, ""]) == "nothing to hide"


def test_key_never_in_any_message() -> None:
    for status in (400, 401, 429, 500):
        err = error_from_http(status, {}, f"echo: {KEY} Bearer {KEY}", secrets=[KEY])
        assert KEY not in err.message
        assert KEY not in (err.body_excerpt or "")
