"""codeloop's exception hierarchy.

Every error a user can see is one of these. Each carries ``message`` (one line for people: what went
wrong) and ``hint`` (one line: what to do about it). ``str(err)`` is the message; :meth:`one_line`
joins both for a terminal.

    CodeloopError
    ├── ConfigError                  config.toml / -c / flags: file, line and key of the bad value
    ├── AuthError                    no key, a rejected key, a failed login
    ├── ModelAPIError                talking to the model failed; ``retryable`` says what to do
    │   ├── ModelConnectionError     could not connect, DNS, TLS, connection reset (retryable)
    │   ├── RateLimitError           429 / rate_limit_exceeded; ``retry_after`` and ``rate_limits``
    │   ├── UsageLimitError          usage_limit_reached: plan exhausted until ``resets_at`` (fatal)
    │   ├── QuotaExceededError       insufficient_quota: billing (fatal)
    │   ├── ContextWindowExceededError  the prompt no longer fits (fatal; the core compacts)
    │   ├── ServerError              5xx (retryable)
    │   ├── BadRequestError          other 4xx: status, body excerpt, request id (fatal)
    │   │   └── AuthenticationError  401/403: log in again (fatal)
    │   └── StreamInterruptedError   the stream closed before response.completed (retryable)
    │       └── StreamIdleTimeoutError  nothing arrived within stream_idle_timeout_ms (retryable)
    ├── SandboxError                 the sandbox cannot be set up or enforced
    ├── ToolError                    a tool call failed in a way the model should hear about
    │   └── PatchError               apply_patch: a bad patch or one that does not apply
    └── SessionStorageError          rollout or index unreadable / unwritable
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthError",
    "AuthenticationError",
    "BadRequestError",
    "CodeloopError",
    "ConfigError",
    "ContextWindowExceededError",
    "ModelAPIError",
    "ModelConnectionError",
    "PatchError",
    "QuotaExceededError",
    "RateLimitError",
    "RateLimitInfo",
    "SandboxError",
    "ServerError",
    "SessionStorageError",
    "StreamIdleTimeoutError",
    "StreamInterruptedError",
    "ToolError",
    "UsageLimitError",
]


class CodeloopError(Exception):
    """Base of every error codeloop reports to a person."""

    default_hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint

    def one_line(self) -> str:
        """The message and, when there is one, the hint, as a single line."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(CodeloopError):
    """A configuration value is wrong. ``str()`` reads ``config.toml:12: key: what is wrong``."""

    default_hint = "fix the value or remove it to use the default"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.detail = message
        where = path or ""
        if where and line is not None:
            where = f"{where}:{line}"
        parts = [p for p in (where, key) if p]
        full = ": ".join([*parts, message])
        super().__init__(full, hint=hint)


class AuthError(CodeloopError):
    """No usable credentials, or a login that failed."""

    default_hint = "set the provider's API key variable or run `codeloop login`"


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What the server said about a rate-limit window (from headers or an error body)."""

    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None
    used_percent: float | None = None
    window: str | None = None


class ModelAPIError(CodeloopError):
    """A failure talking to the model API. ``retryable`` tells the retry policy what to do."""

    retryable: bool = False
    default_hint = "check the provider's status and your configuration, then try again"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.request_id = request_id
        self.body_excerpt = body_excerpt
        #: Seconds the server asked us to wait, when it said so.
        self.retry_after = retry_after


class ModelConnectionError(ModelAPIError):
    retryable = True
    default_hint = "check your network connection and the provider's base_url"


class RateLimitError(ModelAPIError):
    retryable = True
    default_hint = "wait a moment, or lower the request rate"

    def __init__(
        self, message: str, *, rate_limits: RateLimitInfo | None = None, **kw: object
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.rate_limits = rate_limits


class UsageLimitError(ModelAPIError):
    default_hint = "wait for the limit to reset or upgrade your plan"

    def __init__(
        self,
        message: str,
        *,
        plan_type: str | None = None,
        resets_at: float | None = None,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.plan_type = plan_type
        #: Unix time at which the limit resets, when known.
        self.resets_at = resets_at


class QuotaExceededError(ModelAPIError):
    default_hint = "check your plan and billing details with the provider"


class ContextWindowExceededError(ModelAPIError):
    default_hint = "start a new session or compact this one (/compact)"


class ServerError(ModelAPIError):
    retryable = True
    default_hint = "the provider had a problem; try again shortly"


class BadRequestError(ModelAPIError):
    default_hint = "check the model name and provider settings"


class AuthenticationError(BadRequestError):
    default_hint = "log in again (`codeloop login`) or check the API key"


class StreamInterruptedError(ModelAPIError):
    retryable = True
    default_hint = "the connection dropped; codeloop retries automatically"


class StreamIdleTimeoutError(StreamInterruptedError):
    default_hint = "raise model_providers.<id>.stream_idle_timeout_ms if the model is slow"


class SandboxError(CodeloopError):
    default_hint = 'choose sandbox_mode = "danger-full-access" or approve the command yourself'


class ToolError(CodeloopError):
    """A tool failed; the message is what the model is told."""


class PatchError(ToolError):
    """apply_patch could not parse or apply a patch; the message says exactly what and where."""


class SessionStorageError(CodeloopError):
    default_hint = "check the permissions and free space of $CODELOOP_HOME"
