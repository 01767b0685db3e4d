"""Cooperative cancellation for asyncio code: ``CancellationToken`` and ``or_cancel``.

Why not just ``Task.cancel()``? A turn owns many pieces of work (a model stream, a running command,
an approval prompt) that must all stop when the user presses Esc, and some of them must react to
that by doing something (kill a process group) rather than by unwinding with ``CancelledError``
at an arbitrary ``await``. A token is a value that can be handed down the call tree: whoever holds
it can ask "was I cancelled?", wait for it, or derive a child token for a sub-task that can be
cancelled alone without cancelling its parent.

``cancel()`` is thread-safe (a signal handler or another thread may call it); waiters are woken on
their own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["CancellationToken", "Cancelled", "or_cancel"]

T = TypeVar("T")
log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The operation was abandoned because its :class:`CancellationToken` was cancelled.

    Deliberately not ``asyncio.CancelledError``: that one means "this task was cancelled" and is a
    ``BaseException``; this one is an ordinary outcome a caller is expected to handle.
    """


class CancellationToken:
    """A one-way switch: once :meth:`cancel` is called it stays cancelled.

    Children made with :meth:`child` are cancelled with their parent, never the other way round.
    """

    __slots__ = ("__weakref__", "_callbacks", "_cancelled", "_children", "_lock", "_waiters")

    def __init__(self) -> None:
        self._cancelled = False
        self._lock = threading.Lock()
        self._waiters: list[asyncio.Future[None]] = []
        self._children: weakref.WeakSet[CancellationToken] = weakref.WeakSet()
        self._callbacks: list[Callable[[], object]] = []

    def __repr__(self) -> str:
        return f"<CancellationToken cancelled={self._cancelled}>"

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Cancel this token and all its children. Idempotent; safe from any thread."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            waiters, self._waiters = self._waiters, []
            children = list(self._children)
            self._children.clear()
            callbacks, self._callbacks = self._callbacks, []
        for fut in waiters:
            _resolve_threadsafe(fut)
        for cb in callbacks:
            try:
                cb()
            except Exception:  # one broken callback must not stop the others (or the children)
                log.exception("cancellation callback %r failed", cb)
        for child in children:
            child.cancel()

    def child(self) -> CancellationToken:
        """A new token cancelled when this one is (but cancellable on its own)."""
        token = CancellationToken()
        with self._lock:
            if not self._cancelled:
                self._children.add(token)
                return token
        token.cancel()
        return token

    def on_cancel(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call ``callback`` (synchronously, in the cancelling thread) once cancelled.

        Runs immediately if already cancelled. Returns a function that unregisters it.
        """
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(callback)

                def remove() -> None:
                    with self._lock, contextlib.suppress(ValueError):
                        self._callbacks.remove(callback)

                return remove
        callback()
        return lambda: None

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise Cancelled()

    async def cancelled(self) -> None:
        """Return once the token is cancelled (immediately if it already is)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            if self._cancelled:
                return
            self._waiters.append(fut)
        try:
            await fut
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(fut)


def _resolve_threadsafe(fut: asyncio.Future[None]) -> None:
    loop = fut.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        if not fut.done():
            fut.set_result(None)
        return
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(lambda: None if fut.done() else fut.set_result(None))


async def or_cancel(awaitable: Awaitable[T], token: CancellationToken) -> T:
    """Await ``awaitable`` unless ``token`` is cancelled first.

    Returns its result, or raises :class:`Cancelled` after cancelling the inner work and letting it
    unwind. If both happen at once, the finished result wins (work done is not thrown away).
    If the task running ``or_cancel`` is itself cancelled, the inner work is cancelled too.
    """
    if token.is_cancelled:
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        elif isinstance(awaitable, asyncio.Future):
            awaitable.cancel()
        raise Cancelled()
    inner: asyncio.Future[T] = asyncio.ensure_future(awaitable)
    waiter = asyncio.ensure_future(token.cancelled())
    both: set[asyncio.Future[Any]] = {inner, waiter}
    try:
        await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        inner.cancel()
        waiter.cancel()
        await asyncio.wait(both)
        raise
    if inner.done():
        waiter.cancel()
        await asyncio.wait({waiter})
        return inner.result()
    inner.cancel()
    await asyncio.wait({inner})
    if not inner.cancelled():
        # The inner work ignored the cancellation and ended anyway; retrieve its outcome so
        # asyncio does not warn about an exception that was never looked at.
        inner.exception()
    raise Cancelled()
