"""The API error bridge: whatever a provider answers with becomes one typed :mod:`codeloop.errors`.

Inputs are plain data (status, headers, body text, or a stream's error object), so this module is
pure and needs no HTTP library. It understands OpenAI-shaped bodies (``{"error": {"message",
"type", "code"}}``), Anthropic-shaped (``{"type": "error", "error": {"type", "message"}}``),
Google-shaped (``{"error": {"code", "message", "status", "details": [RetryInfo...]}}``), and
tolerates HTML pages and plain text (the message is the status and a short cleaned excerpt).

Every error it builds has a one-line message and a hint, and never contains the API key.
Classification follows Codex's ``api_bridge.rs``: usage_limit_reached and insufficient_quota are
fatal whatever the status, 429 is a retryable rate limit (with the server's wait), 5xx are
retryable, other 4xx are fatal; in a stream (``response.failed``) unknown failures are retryable.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

import msgspec

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
from codeloop.model.durations import (
    format_seconds,
    parse_duration,
    parse_retry_after,
    parse_try_again_in,
)
from codeloop.model.rate_limits import (
    exhausted_reset_seconds,
    parse_rate_limit_headers,
    rate_limit_info,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "EXCERPT_LIMIT",
    "ErrorBody",
    "clean_excerpt",
    "error_from_event",
    "error_from_http",
    "one_line",
    "parse_error_body",
    "redact",
    "request_id_from",
    "retry_after_from_headers",
]

#: Longest body excerpt kept on an error.
EXCERPT_LIMIT = 300
#: Longest detail (the server's own message) put into an error's one-line message.
_DETAIL_LIMIT = 200

BodyShape = Literal["openai", "anthropic", "google", "html", "text", "empty"]


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error body said, whatever its shape."""

    shape: BodyShape
    message: str | None = None
    type: str | None = None
    code: str | None = None
    #: Google's ``status`` (``RESOURCE_EXHAUSTED``...).
    status: str | None = None
    #: Seconds to wait, from a Google ``RetryInfo`` detail.
    retry_after: float | None = None
    plan_type: str | None = None
    resets_at: float | None = None
    resets_in_seconds: float | None = None
    #: A cleaned, one-line excerpt of the raw body (at most :data:`EXCERPT_LIMIT` characters).
    excerpt: str = ""

    @property
    def kinds(self) -> frozenset[str]:
        """``type``, ``code`` and ``status`` together, for matching error kinds."""
        return frozenset(k for k in (self.type, self.code, self.status) if k)


# --------------------------------------------------------------------------------------------
# text helpers


def one_line(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """Whitespace collapsed to single spaces, cut to ``limit`` characters with an ellipsis."""
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


_SK_KEY = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with the given secrets and anything shaped like an API key removed."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    text = _SK_KEY.sub(r"\1…[REDACTED]", text)
    return _BEARER.sub(r"\1[REDACTED]", text)


_HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|title|h1)\b", re.IGNORECASE)
_HTML_DROP = re.compile(
    r"<!--.*?-->|<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL
)
_HTML_TITLE = re.compile(r"<\s*(title|h1)\b[^>]*>(.*?)<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:2000]))


def _html_text(text: str) -> tuple[str | None, str]:
    """(title or first heading, the visible text) of an HTML page."""
    body = _HTML_DROP.sub(" ", text)
    m = _HTML_TITLE.search(body)
    title = one_line(html.unescape(_HTML_TAG.sub(" ", m.group(2))), 120) if m else None
    visible = one_line(html.unescape(_HTML_TAG.sub(" ", body)), 10_000)
    return title or None, visible


def clean_excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """A short one-line excerpt of a body: HTML reduced to its visible text."""
    if _looks_like_html(text):
        return one_line(_html_text(text)[1], limit)
    return one_line(text, limit)


# --------------------------------------------------------------------------------------------
# bodies


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    s = str(value).strip()
    return s or None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _google_retry_delay(details: Any) -> float | None:
    if not isinstance(details, list):
        return None
    for detail in details:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str):
                return parse_duration(delay)
            if isinstance(delay, dict):  # {"seconds": 2, "nanos": 5e8}
                secs = _float(delay.get("seconds")) or 0.0
                return secs + (_float(delay.get("nanos")) or 0.0) / 1e9
    return None


def _from_error_object(err: Mapping[str, Any], shape: BodyShape, excerpt: str) -> ErrorBody:
    code = err.get("code")
    return ErrorBody(
        shape=shape,
        message=_str(err.get("message")),
        type=_str(err.get("type")),
        # Google puts the HTTP status number in ``code``; keep only symbolic codes.
        code=None if isinstance(code, int) else _str(code),
        status=_str(err.get("status")),
        retry_after=_google_retry_delay(err.get("details")),
        plan_type=_str(err.get("plan_type")),
        resets_at=_float(err.get("resets_at")),
        resets_in_seconds=_float(err.get("resets_in_seconds")),
        excerpt=excerpt,
    )


def parse_error_body(text: str) -> ErrorBody:
    """Recognise the body's shape and pull out what it says."""
    excerpt = clean_excerpt(text)
    if not text.strip():
        return ErrorBody(shape="empty")
    try:
        data: Any = msgspec.json.decode(text)
    except msgspec.DecodeError:
        data = None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # Google sometimes wraps the error in a list
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            if data.get("type") == "error":
                shape: BodyShape = "anthropic"
            elif "status" in err or "details" in err or isinstance(err.get("code"), int):
                shape = "google"
            else:
                shape = "openai"
            return _from_error_object(err, shape, excerpt)
        if isinstance(err, str):  # {"error": "model not found"} (Ollama and friends)
            return ErrorBody(shape="openai", message=_str(err), excerpt=excerpt)
        if "message" in data or "detail" in data:
            return ErrorBody(
                shape="openai",
                message=_str(data.get("message")) or _str(data.get("detail")),
                type=_str(data.get("type")),
                code=_str(data.get("code")),
                excerpt=excerpt,
            )
    if _looks_like_html(text):
        title, _ = _html_text(text)
        return ErrorBody(shape="html", message=title, excerpt=excerpt)
    return ErrorBody(shape="text", message=one_line(text, _DETAIL_LIMIT), excerpt=excerpt)


# --------------------------------------------------------------------------------------------
# headers


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The request id a provider sent (to quote when reporting a problem)."""
    h = _lower(headers)
    for name in ("x-request-id", "request-id", "x-oai-request-id", "cf-ray"):
        if h.get(name):
            return h[name].strip()
    return None


def retry_after_from_headers(
    headers: Mapping[str, str], *, now: float | None = None
) -> float | None:
    """``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or an HTTP date)."""
    h = _lower(headers)
    ms = h.get("retry-after-ms")
    if ms is not None:
        value = _float(ms.strip())
        if value is not None and value >= 0:
            return value / 1000.0
    ra = h.get("retry-after")
    return parse_retry_after(ra, now=now) if ra is not None else None


# --------------------------------------------------------------------------------------------
# classification

_CONTEXT_PATTERNS = re.compile(
    r"context[_ ]length[_ ]exceeded|maximum context length|context window|"
    r"prompt is too long|exceeds? the (?:model'?s? )?context",
    re.IGNORECASE,
)
_QUOTA_KINDS = frozenset({"insufficient_quota", "usage_not_included"})
_RATE_KINDS = frozenset({"rate_limit_exceeded", "rate_limit_error", "RESOURCE_EXHAUSTED"})
_BAD_REQUEST_KINDS = frozenset({"invalid_prompt", "invalid_request_error", "invalid_request"})
_AUTH_KINDS = frozenset({"authentication_error", "permission_error", "invalid_api_key"})


def _is_context_window(body: ErrorBody) -> bool:
    if "context_length_exceeded" in body.kinds:
        return True
    return bool(body.message and _CONTEXT_PATTERNS.search(body.message))


def _phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _detail(body: ErrorBody, status: int | None) -> str:
    """The server's own words, short; for HTML pages the title unless it only repeats the status."""
    if body.message:
        detail = one_line(body.message, _DETAIL_LIMIT)
        if status is not None and body.shape == "html" and detail.startswith(str(status)):
            return ""
        return detail
    if body.shape in ("text", "html"):
        return one_line(body.excerpt, 120)
    return ""


def _with_detail(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def _usage_limit(
    body: ErrorBody, provider: str, now: float, secrets: tuple[str | None, ...], **kw: Any
) -> UsageLimitError:
    resets_at = body.resets_at
    if resets_at is None and body.resets_in_seconds is not None:
        resets_at = now + body.resets_in_seconds
    plan = f" ({body.plan_type} plan)" if body.plan_type else ""
    when = ""
    if resets_at is not None:
        local = datetime.fromtimestamp(resets_at).astimezone()
        when = (
            f"; it resets in {format_seconds(max(resets_at - now, 0.0))}"
            f" (at {local:%Y-%m-%d %H:%M %Z})"
        )
    message = f"You've hit your {provider} usage limit{plan}{when}"
    return UsageLimitError(
        redact(message, secrets), plan_type=body.plan_type, resets_at=resets_at, **kw
    )


def _build(
    status: int | None,
    body: ErrorBody,
    headers: Mapping[str, str],
    *,
    provider: str,
    env_key: str | None,
    secrets: tuple[str | None, ...],
    now: float,
) -> ModelAPIError:
    """One classification for HTTP errors (``status`` set) and stream failures (``None``)."""
    request_id = request_id_from(headers)
    excerpt = redact(body.excerpt, secrets) or None
    detail = redact(_detail(body, status), secrets)
    kinds = body.kinds
    at = f" (HTTP {_phrase(status)})" if status is not None else ""
    rid = f" [request id {request_id}]" if request_id else ""
    common: dict[str, Any] = {
        "status": status,
        "request_id": request_id,
        "body_excerpt": excerpt,
    }

    def msg(head: str, *, with_id: bool = False) -> str:
        return redact(one_line(_with_detail(head, detail), 400), secrets) + (rid if with_id else "")

    if "usage_limit_reached" in kinds:
        return _usage_limit(body, provider, now, secrets, **common)
    if kinds & _QUOTA_KINDS:
        hint = (
            "your plan does not include this usage; check it with the provider"
            if "usage_not_included" in kinds
            else None
        )
        return QuotaExceededError(msg(f"{provider} quota exceeded{at}"), hint=hint, **common)
    if _is_context_window(body):
        return ContextWindowExceededError(
            msg(f"The conversation no longer fits the model's context window{at}"), **common
        )
    if status in (401, 403) or (status is None and kinds & _AUTH_KINDS):
        hint = (
            f"check {env_key} (or run `codeloop login`) and try again"
            if env_key
            else "log in again (`codeloop login`) or check the API key"
        )
        return AuthenticationError(
            msg(f"{provider} rejected the credentials{at}", with_id=True), hint=hint, **common
        )

    snapshot = parse_rate_limit_headers(headers, now=now)
    if status == 429 or kinds & _RATE_KINDS:
        retry_after = retry_after_from_headers(headers, now=now)
        if retry_after is None:
            retry_after = body.retry_after
        if retry_after is None and body.message:
            retry_after = parse_try_again_in(body.message)
        if retry_after is None:
            retry_after = exhausted_reset_seconds(snapshot)
        return RateLimitError(
            msg(f"Rate limited by {provider}{at}"),
            rate_limits=rate_limit_info(snapshot),
            retry_after=retry_after,
            **common,
        )
    if status is not None and status >= 500:
        return ServerError(
            msg(f"{provider} server error{at}", with_id=True),
            retry_after=retry_after_from_headers(headers, now=now),
            **common,
        )
    if status is None:
        if kinds & _BAD_REQUEST_KINDS:
            return BadRequestError(msg(f"{provider} rejected the request"), **common)
        # Codex: an unrecognised response.failed is worth another try.
        return ServerError(
            msg(f"{provider} failed to complete the response"),
            retry_after=parse_try_again_in(body.message or ""),
            **common,
        )
    hint = "check the model name and the provider's base_url" if status == 404 else None
    return BadRequestError(
        msg(f"{provider} rejected the request{at}", with_id=True), hint=hint, **common
    )


def error_from_http(
    status: int,
    headers: Mapping[str, str],
    body: str,
    *,
    provider: str = "the model provider",
    env_key: str | None = None,
    secrets: Iterable[str | None] = (),
    now: float | None = None,
) -> ModelAPIError:
    """The typed error for an HTTP response that was not a success."""
    return _build(
        status,
        parse_error_body(body),
        headers,
        provider=provider,
        env_key=env_key,
        secrets=tuple(secrets),
        now=time.time() if now is None else now,
    )


def error_from_event(
    error: Mapping[str, Any] | None,
    *,
    provider: str = "the model provider",
    env_key: str | None = None,
    secrets: Iterable[str | None] = (),
    now: float | None = None,
) -> ModelAPIError:
    """The typed error for a failure reported inside a stream: Responses ``response.failed``
    (``response.error``) or a Chat chunk's ``error`` object. A numeric ``code`` is taken as
    the HTTP status the server meant (OpenRouter and others do that)."""
    err: Mapping[str, Any] = error or {}
    raw = msgspec.json.encode(dict(err)).decode() if err else ""
    body = _from_error_object(err, "openai", clean_excerpt(raw))
    code = err.get("code")
    status = code if isinstance(code, int) and 400 <= code <= 599 else None
    return _build(
        status,
        body,
        {},
        provider=provider,
        env_key=env_key,
        secrets=tuple(secrets),
        now=time.time() if now is None else now,
    )
