"""Retry policy: which failures are retried, how long to wait, and how the user hears of it.

Two budgets, as in Codex: ``request_max_retries`` (default 4) for requests that failed before a
stream began (connection errors, 429 rate limits, 5xx), and ``stream_max_retries`` (default 5) for
streams that broke (:class:`~codeloop.errors.StreamInterruptedError`, including idle timeouts and
malformed events). Fatal errors (usage limit, quota, authentication, bad request, context window)
are raised at once. The wait is the server's when it gave one (``Retry-After``, "try again in
1.5s", an exhausted window's reset), capped at ``max_server_delay`` so a bad header cannot hang a
session; otherwise ``base_delay × 2^(n−1) × uniform(0.9, 1.1)``. Before each wait the ``notify``
callback receives a :class:`~codeloop.protocol.events.RetryNotice`: "<why>; retrying in 1.2s
(attempt k/n)".

**Streams that fail part-way.** A retry re-sends the whole request (like Codex); nothing is
buffered, so the events of the failed attempt have already reached the consumer. The contract that
makes this sound: every attempt starts with ``Created`` (optionally preceded by one
``RateLimitSnapshot``), and ``RetryNotice`` goes to ``notify`` before the next attempt starts.
So a consumer that sees ``Created`` again must drop what it gathered since the previous
``Created`` (partial text, items not yet acted on) — :class:`AttemptTracker` does exactly that.
Only the final attempt ends in ``Completed``. Buffering instead would hide live text deltas; a
separate marker event would need a protocol change for no extra information.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Literal

from codeloop.config.providers import (
    DEFAULT_REQUEST_MAX_RETRIES,
    DEFAULT_STREAM_MAX_RETRIES,
    ModelProviderInfo,
)
from codeloop.errors import ModelAPIError, StreamInterruptedError
from codeloop.model.api_errors import one_line
from codeloop.model.durations import format_seconds
from codeloop.model.settings import DEFAULT_MAX_SERVER_DELAY, Notify
from codeloop.protocol.events import RetryNotice
from codeloop.protocol.response_events import (
    Completed,
    Created,
    RateLimitSnapshot,
    ResponseEvent,
)

__all__ = ["AttemptTracker", "RetryPolicy", "stream_with_retries"]

Budget = Literal["request", "stream"]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many retries of each kind, and how long to wait before each."""

    request_max_retries: int = DEFAULT_REQUEST_MAX_RETRIES
    stream_max_retries: int = DEFAULT_STREAM_MAX_RETRIES
    #: First backoff, in seconds.
    base_delay: float = 0.2
    factor: float = 2.0
    #: Backoff is multiplied by ``uniform(1 - jitter, 1 + jitter)``.
    jitter: float = 0.1
    #: Upper bound for any wait: the server's hint or our own backoff.
    max_server_delay: float = DEFAULT_MAX_SERVER_DELAY
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    @classmethod
    def for_provider(
        cls, provider: ModelProviderInfo, *, max_server_delay: float = DEFAULT_MAX_SERVER_DELAY
    ) -> RetryPolicy:
        return cls(
            request_max_retries=provider.effective_request_max_retries,
            stream_max_retries=provider.effective_stream_max_retries,
            max_server_delay=max_server_delay,
        )

    @staticmethod
    def budget(error: ModelAPIError) -> Budget:
        """Broken streams spend the stream budget; everything else the request budget."""
        return "stream" if isinstance(error, StreamInterruptedError) else "request"

    def max_retries(self, budget: Budget) -> int:
        return self.stream_max_retries if budget == "stream" else self.request_max_retries

    def backoff(self, attempt: int) -> float:
        """Our own wait before retry number ``attempt`` (1-based)."""
        raw = self.base_delay * self.factor ** max(attempt - 1, 0)
        jittered = raw * self._rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return min(jittered, self.max_server_delay)

    def delay(self, error: ModelAPIError, attempt: int) -> float:
        """The server's requested wait (capped) when it gave one, else :meth:`backoff`."""
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_server_delay)
        return self.backoff(attempt)


def retry_notice(
    error: ModelAPIError, delay: float, attempt: int, max_attempts: int
) -> RetryNotice:
    """The user-visible notice for one retry."""
    why = one_line(error.message, 160).rstrip(" .")
    return RetryNotice(
        message=f"{why}; retrying in {format_seconds(delay)} (attempt {attempt}/{max_attempts})",
        attempt=attempt,
        max_attempts=max_attempts,
        delay_ms=round(delay * 1000),
    )


async def stream_with_retries(
    attempt: Callable[[], AsyncGenerator[ResponseEvent, None]],
    policy: RetryPolicy,
    notify: Notify | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
) -> AsyncGenerator[ResponseEvent, None]:
    """Run ``attempt()`` until one completes, retrying retryable failures within budget.

    The last error is raised unchanged when a budget runs out (so a 429 that never clears ends
    as :class:`~codeloop.errors.RateLimitError`). See the module docstring for what a consumer
    must do when ``Created`` arrives a second time.
    """
    used: dict[Budget, int] = {"request": 0, "stream": 0}
    while True:
        try:
            async with aclosing(attempt()) as events:
                async for event in events:
                    yield event
            return
        except ModelAPIError as error:
            if not error.retryable:
                raise
            budget = policy.budget(error)
            used[budget] += 1
            limit = policy.max_retries(budget)
            if used[budget] > limit:
                raise
            wait = policy.delay(error, used[budget])
            if notify is not None:
                notify(retry_notice(error, wait, used[budget], limit))
            await sleep(wait)


class AttemptTracker:
    """Applies the restart rule for a consumer: feed every event, read what still counts.

    ``events`` holds only the current attempt's events; ``restarts`` counts discarded attempts.
    """

    def __init__(self) -> None:
        self.events: list[ResponseEvent] = []
        self.restarts = 0
        self.completed = False

    def feed(self, event: ResponseEvent) -> bool:
        """Record ``event``; ``True`` when it began a new attempt (the old one was dropped)."""
        restarted = isinstance(event, Created) and any(isinstance(e, Created) for e in self.events)
        if restarted:
            self.restarts += 1
            # A RateLimitSnapshot right before the new Created opened the new attempt.
            last = self.events[-1]
            self.events = [last] if isinstance(last, RateLimitSnapshot) else []
            self.completed = False
        self.events.append(event)
        if isinstance(event, Completed):
            self.completed = True
        return restarted
