"""The retry policy and wrapper, with scripted attempts and a recorded (not real) sleep.

The real-wait behaviour against the scripted server is in test_model_faults.py.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from codeloop.config.providers import ModelProviderInfo
from codeloop.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    ModelAPIError,
    ModelConnectionError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
    UsageLimitError,
)
from codeloop.model.retry import AttemptTracker, RetryPolicy, stream_with_retries
from codeloop.protocol.events import RetryNotice, Warning
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputTextDelta,
    RateLimitSnapshot,
    ResponseEvent,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable

Outcome = list[ResponseEvent] | tuple[list[ResponseEvent], ModelAPIError]


def scripted_attempts(
    outcomes: list[Outcome],
) -> tuple[Callable[[], AsyncGenerator[ResponseEvent, None]], list[int]]:
    """An attempt factory playing ``outcomes`` in turn: events, or (events, then an error)."""
    calls: list[int] = []

    async def attempt() -> AsyncGenerator[ResponseEvent, None]:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        events, error = outcome if isinstance(outcome, tuple) else (outcome, None)
        for event in events:
            yield event
        if error is not None:
            raise error

    return attempt, calls


OK: list[ResponseEvent] = [Created(response_id="r"), OutputTextDelta(delta="hi"), Completed()]


async def drive(
    outcomes: list[Outcome], policy: RetryPolicy | None = None
) -> tuple[list[ResponseEvent], list[RetryNotice | Warning], list[float], int, Exception | None]:
    attempt, calls = scripted_attempts(outcomes)
    notices: list[RetryNotice | Warning] = []
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    events: list[ResponseEvent] = []
    error: Exception | None = None
    try:
        async for event in stream_with_retries(
            attempt, policy or RetryPolicy(), notices.append, sleep=sleep
        ):
            events.append(event)
    except ModelAPIError as exc:
        error = exc
    return events, notices, sleeps, len(calls), error


def test_backoff_is_exponential_with_jitter() -> None:
    policy = RetryPolicy(_rng=random.Random(1))
    for attempt, base in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6)]:
        for _ in range(20):
            assert base * 0.9 <= policy.backoff(attempt) <= base * 1.1


def test_backoff_and_server_delay_are_capped() -> None:
    policy = RetryPolicy(max_server_delay=5.0)
    assert policy.backoff(30) <= 5.0
    assert policy.delay(RateLimitError("x", retry_after=3600), 1) == 5.0
    assert policy.delay(RateLimitError("x", retry_after=0.3), 1) == 0.3
    assert policy.delay(RateLimitError("x", retry_after=-1), 1) == 0.0


def test_policy_from_provider() -> None:
    provider = ModelProviderInfo(name="p", request_max_retries=2, stream_max_retries=7)
    policy = RetryPolicy.for_provider(provider, max_server_delay=9)
    assert (policy.request_max_retries, policy.stream_max_retries, policy.max_server_delay) == (
        2,
        7,
        9,
    )
    defaults = RetryPolicy.for_provider(ModelProviderInfo(name="q"))
    assert (defaults.request_max_retries, defaults.stream_max_retries) == (4, 5)


def test_budgets() -> None:
    assert RetryPolicy.budget(StreamInterruptedError("x")) == "stream"
    assert RetryPolicy.budget(StreamIdleTimeoutError("x")) == "stream"
    for err in (RateLimitError("x"), ServerError("x"), ModelConnectionError("x")):
        assert RetryPolicy.budget(err) == "request"


async def test_success_needs_no_retry() -> None:
    events, notices, sleeps, calls, error = await drive([OK])
    assert events == OK and notices == [] and sleeps == [] and calls == 1 and error is None


async def test_server_wait_is_used_and_reported() -> None:
    events, notices, sleeps, calls, error = await drive(
        [([], RateLimitError("Rate limited (HTTP 429).", retry_after=1.2)), OK]
    )
    assert error is None and calls == 2 and events == OK
    assert sleeps == [1.2]
    assert notices == [
        RetryNotice(
            message="Rate limited (HTTP 429); retrying in 1.2s (attempt 1/4)",
            attempt=1,
            max_attempts=4,
            delay_ms=1200,
        )
    ]


@pytest.mark.parametrize(
    "fatal",
    [
        UsageLimitError("limit"),
        QuotaExceededError("quota"),
        AuthenticationError("auth"),
        BadRequestError("bad"),
        ContextWindowExceededError("ctx"),
        ModelAPIError("incomplete"),
    ],
)
async def test_fatal_errors_are_never_retried(fatal: ModelAPIError) -> None:
    _, notices, sleeps, calls, error = await drive([([], fatal), OK])
    assert error is fatal and calls == 1 and notices == [] and sleeps == []


async def test_request_budget_exhausted_raises_last_error() -> None:
    errors = [RateLimitError(f"429 #{i}") for i in range(4)]
    policy = RetryPolicy(request_max_retries=3)
    _, notices, sleeps, calls, error = await drive([([], e) for e in errors], policy)
    assert calls == 4
    assert error is errors[-1]
    assert [n.attempt for n in notices if isinstance(n, RetryNotice)] == [1, 2, 3]
    assert all(isinstance(n, RetryNotice) and n.max_attempts == 3 for n in notices)
    # our own backoff: 0.2, 0.4, 0.8 (± 10 %)
    for got, base in zip(sleeps, [0.2, 0.4, 0.8], strict=True):
        assert base * 0.9 <= got <= base * 1.1


async def test_stream_and_request_budgets_are_separate() -> None:
    policy = RetryPolicy(request_max_retries=1, stream_max_retries=1)
    outcomes: list[Outcome] = [
        ([Created()], StreamInterruptedError("cut")),
        ([], ServerError("500")),
        OK,
    ]
    events, notices, _, calls, error = await drive(outcomes, policy)
    assert error is None and calls == 3
    assert [(n.attempt, n.max_attempts) for n in notices if isinstance(n, RetryNotice)] == [
        (1, 1),
        (1, 1),
    ]
    assert events == [Created(), *OK]


async def test_zero_retries_raises_at_once() -> None:
    policy = RetryPolicy(stream_max_retries=0)
    cut = StreamIdleTimeoutError("idle")
    _, notices, _, calls, error = await drive([([Created()], cut), OK], policy)
    assert error is cut and calls == 1 and notices == []


async def test_consumer_closing_early_closes_the_attempt() -> None:
    closed: list[bool] = []

    async def attempt() -> AsyncGenerator[ResponseEvent, None]:
        try:
            yield Created()
            yield OutputTextDelta(delta="x")
        finally:
            closed.append(True)

    gen = stream_with_retries(attempt, RetryPolicy())
    assert await anext(gen) == Created()
    await gen.aclose()
    assert closed == [True]


def test_attempt_tracker_drops_a_failed_attempt() -> None:
    snap = RateLimitSnapshot()
    tracker = AttemptTracker()
    first: list[ResponseEvent] = [snap, Created(response_id="1"), OutputTextDelta(delta="par")]
    second: list[ResponseEvent] = [
        snap,
        Created(response_id="2"),
        OutputTextDelta(delta="full"),
        Completed(),
    ]
    restarts = [tracker.feed(e) for e in [*first, *second]]
    assert restarts == [False, False, False, False, True, False, False]
    assert tracker.restarts == 1
    assert tracker.events == second
    assert tracker.completed
