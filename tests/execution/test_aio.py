"""CancellationToken and or_cancel."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from codeloop.aio import CancellationToken, Cancelled, or_cancel


def test_token_starts_uncancelled_and_cancel_is_idempotent() -> None:
    token = CancellationToken()
    assert not token.is_cancelled
    token.cancel()
    token.cancel()
    assert token.is_cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def test_children_follow_parent_but_not_the_other_way() -> None:
    parent = CancellationToken()
    child = parent.child()
    grandchild = child.child()
    sibling = parent.child()
    child.cancel()
    assert child.is_cancelled and grandchild.is_cancelled
    assert not parent.is_cancelled and not sibling.is_cancelled
    parent.cancel()
    assert sibling.is_cancelled


def test_child_of_cancelled_token_is_cancelled() -> None:
    parent = CancellationToken()
    parent.cancel()
    assert parent.child().is_cancelled


def test_children_are_not_kept_alive_by_parent() -> None:
    parent = CancellationToken()
    for _ in range(100):
        parent.child()
    gc.collect()
    assert len(parent._children) == 0


def test_on_cancel_callbacks() -> None:
    token = CancellationToken()
    calls: list[str] = []
    token.on_cancel(lambda: calls.append("a"))
    remove = token.on_cancel(lambda: calls.append("b"))
    remove()
    token.cancel()
    token.on_cancel(lambda: calls.append("late"))  # already cancelled: runs at once
    assert calls == ["a", "late"]


async def test_cancelled_awaitable_returns_when_cancelled() -> None:
    token = CancellationToken()
    waiter = asyncio.ensure_future(token.cancelled())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    token.cancel()
    await asyncio.wait_for(waiter, 1)
    await asyncio.wait_for(token.cancelled(), 1)  # already cancelled: immediate


async def test_parent_cancel_wakes_child_waiter() -> None:
    parent = CancellationToken()
    child = parent.child()
    waiter = asyncio.ensure_future(child.cancelled())
    await asyncio.sleep(0)
    parent.cancel()
    await asyncio.wait_for(waiter, 1)


async def test_cancel_from_another_thread_wakes_waiter() -> None:
    token = CancellationToken()
    waiter = asyncio.ensure_future(token.cancelled())
    await asyncio.sleep(0)
    threading.Timer(0.05, token.cancel).start()
    await asyncio.wait_for(waiter, 2)


async def test_or_cancel_returns_result() -> None:
    async def work() -> int:
        await asyncio.sleep(0.01)
        return 42

    assert await or_cancel(work(), CancellationToken()) == 42


async def test_or_cancel_propagates_exceptions() -> None:
    async def work() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await or_cancel(work(), CancellationToken())


async def test_or_cancel_raises_and_cancels_inner() -> None:
    token = CancellationToken()
    inner_cancelled = asyncio.Event()

    async def work() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            inner_cancelled.set()
            raise

    asyncio.get_running_loop().call_later(0.02, token.cancel)
    with pytest.raises(Cancelled):
        await or_cancel(work(), token)
    assert inner_cancelled.is_set()


async def test_or_cancel_with_already_cancelled_token_does_not_start_work() -> None:
    token = CancellationToken()
    token.cancel()
    started = False

    async def work() -> None:
        nonlocal started
        started = True

    with pytest.raises(Cancelled):
        await or_cancel(work(), token)
    assert not started


async def test_or_cancel_on_a_task() -> None:
    token = CancellationToken()
    task = asyncio.ensure_future(asyncio.sleep(10))
    token.cancel()
    with pytest.raises(Cancelled):
        await or_cancel(task, token)
    await asyncio.sleep(0)
    assert task.cancelled()


async def test_outer_task_cancellation_cancels_inner() -> None:
    token = CancellationToken()
    inner_cancelled = asyncio.Event()

    async def work() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            inner_cancelled.set()
            raise

    outer = asyncio.ensure_future(or_cancel(work(), token))
    await asyncio.sleep(0.01)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert inner_cancelled.is_set()
    assert not token._waiters  # the waiter on the token was cleaned up
