"""Lay a scripted fault over a rendered answer: the steps the server plays on the socket.

Wire-independent on purpose: ``after_events`` counts the events of whichever wire was rendered, and
each fault means the same thing on both. ``HttpError`` is not a stream and never gets here.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeloop.testing.script import (
    CutStream,
    Fault,
    HttpError,
    MalformedSSE,
    NoCompleted,
    ResponseFailed,
    Stall,
)
from codeloop.testing.sse import Rendered, SSEEvent

__all__ = ["Cut", "Pause", "Step", "plan"]


@dataclass(frozen=True, slots=True)
class Pause:
    """Send nothing for ``seconds`` (cut short when the server stops)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Cut:
    """Drop the connection without ending the HTTP body."""


Step = SSEEvent | Pause | Cut


def plan(rendered: Rendered, fault: Fault | None) -> list[Step]:
    """The steps to play; a plan that does not end in :class:`Cut` ends the body cleanly."""
    events = rendered.body + rendered.completion
    if fault is None:
        return list(events)
    if isinstance(fault, HttpError):
        raise ValueError("an HttpError is answered without a stream")
    if isinstance(fault, NoCompleted):
        return list(rendered.body)
    n = max(fault.after_events, 0)
    if isinstance(fault, ResponseFailed):
        return [*rendered.body[:n], *rendered.failure]
    if isinstance(fault, CutStream):
        return [*events[:n], Cut()]
    if isinstance(fault, Stall):
        return [*events[:n], Pause(fault.seconds), *events[n:]]
    assert isinstance(fault, MalformedSSE)
    malformed = SSEEvent(fault.data)
    if fault.close:
        return [*events[:n], malformed]
    return [*events[:n], malformed, *events[n:]]
