"""Ready-made scripted faults, shaped like what OpenAI (and the ChatGPT backend) really send.

Each helper returns a :class:`ScriptedResponse` to put straight into a script; to make it repeat or
match only some requests, ``msgspec.structs.replace(rate_limited(), repeat=True)``. The bodies copy
the fields clients key on (``error.type``, ``error.code``, ``resets_at``, the "try again in 1.5s"
wording), which is what retry and error-mapping tests need to exercise.
"""

from __future__ import annotations

import email.utils
import math
import time
from typing import TYPE_CHECKING, Any

from codeloop.testing.script import HttpError, ResponseFailed, ScriptedResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "context_length_exceeded",
    "html_error_page",
    "insufficient_quota",
    "rate_limit_failed",
    "rate_limit_headers",
    "rate_limited",
    "rate_limited_http_date",
    "server_error",
    "server_overloaded",
    "unauthorized",
    "usage_limit_reached",
]


def _http(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
) -> ScriptedResponse:
    fault = HttpError(
        status=status, headers=dict(headers or {}), body=body, content_type=content_type
    )
    return ScriptedResponse(fault=fault)


def rate_limit_headers(
    *,
    limit_requests: int = 500,
    remaining_requests: int = 499,
    reset_requests: str = "120ms",
    limit_tokens: int = 30000,
    remaining_tokens: int = 29000,
    reset_tokens: str = "2s",
) -> dict[str, str]:
    """OpenAI's ``x-ratelimit-*`` headers (resets as durations: ``"1s"``, ``"6m0s"``)."""
    return {
        "x-ratelimit-limit-requests": str(limit_requests),
        "x-ratelimit-remaining-requests": str(remaining_requests),
        "x-ratelimit-reset-requests": reset_requests,
        "x-ratelimit-limit-tokens": str(limit_tokens),
        "x-ratelimit-remaining-tokens": str(remaining_tokens),
        "x-ratelimit-reset-tokens": reset_tokens,
    }


def _rate_limit_body() -> dict[str, Any]:
    return {
        "error": {
            "message": "Rate limit reached for requests. Please try again later.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }


def rate_limited(
    retry_after: str | None = "1", *, headers: Mapping[str, str] | None = None
) -> ScriptedResponse:
    """HTTP 429 with ``Retry-After`` (seconds; ``None`` leaves it out) and exhausted rate limits."""
    all_headers = rate_limit_headers(remaining_requests=0, reset_requests="1s")
    if retry_after is not None:
        all_headers["Retry-After"] = retry_after
    all_headers.update(headers or {})
    return _http(429, _rate_limit_body(), all_headers)


def rate_limited_http_date(
    seconds_from_now: float = 2.0, *, now: float | None = None
) -> ScriptedResponse:
    """HTTP 429 whose ``Retry-After`` is an HTTP-date ``seconds_from_now`` ahead (rounded up)."""
    when = math.ceil((time.time() if now is None else now) + seconds_from_now)
    all_headers = rate_limit_headers(remaining_requests=0, reset_requests="1s")
    all_headers["Retry-After"] = email.utils.formatdate(when, usegmt=True)
    return _http(429, _rate_limit_body(), all_headers)


def usage_limit_reached(
    plan_type: str = "plus", resets_in_seconds: int = 3600, *, now: float | None = None
) -> ScriptedResponse:
    """HTTP 429 as the ChatGPT backend sends when a plan's usage limit is reached."""
    resets_at = int((time.time() if now is None else now) + resets_in_seconds)
    body = {
        "error": {
            "type": "usage_limit_reached",
            "message": "The usage limit has been reached",
            "plan_type": plan_type,
            "resets_at": resets_at,
            "resets_in_seconds": resets_in_seconds,
        }
    }
    return _http(429, body)


def insufficient_quota() -> ScriptedResponse:
    """HTTP 429 for an account out of credit: retrying does not help."""
    body = {
        "error": {
            "type": "insufficient_quota",
            "code": "insufficient_quota",
            "param": None,
            "message": "You exceeded your current quota, please check your plan and billing "
            "details.",
        }
    }
    return _http(429, body)


def server_error(status: int = 500) -> ScriptedResponse:
    """A JSON 5xx, as OpenAI answers an internal failure."""
    body = {
        "error": {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    return _http(status, body)


def html_error_page(status: int = 502) -> ScriptedResponse:
    """An HTML error page, as a proxy in front of the API sends: not JSON at all."""
    page = (
        f"<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return _http(status, page, content_type="text/html")


def unauthorized() -> ScriptedResponse:
    """HTTP 401 for a wrong API key."""
    body = {
        "error": {
            "message": "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    return _http(401, body)


def context_length_exceeded() -> ScriptedResponse:
    """A ``response.failed`` saying the input does not fit the model's context window."""
    fault = ResponseFailed(
        code="context_length_exceeded",
        message="Your input exceeds the context window of this model. Please adjust your input "
        "and try again.",
    )
    return ScriptedResponse(fault=fault)


def rate_limit_failed(
    message: str = "Rate limit reached for gpt-5 in organization org-test on tokens per min (TPM): "
    "Limit 30000, Used 30000, Requested 1000. Please try again in 1.5s.",
) -> ScriptedResponse:
    """A ``response.failed`` rate limit whose message carries the delay to wait."""
    return ScriptedResponse(fault=ResponseFailed(code="rate_limit_exceeded", message=message))


def server_overloaded() -> ScriptedResponse:
    """A ``response.failed`` saying the server is overloaded (retryable)."""
    fault = ResponseFailed(
        code="server_is_overloaded",
        message="Our servers are currently overloaded. Please try again later.",
    )
    return ScriptedResponse(fault=fault)
