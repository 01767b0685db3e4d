"""A Turn: one user request carried to completion.

    run → sample → (run tools → sample)* → complete

Build the prompt, stream the model's answer (deltas become events, finished items go to history and
the rollout), run the tool calls it asked for, send their outputs back, and loop until the model
answers without tool calls. Context overflow compacts once and retries; interruption and "abort"
decisions end the turn through exceptions the session turns into ``turn_aborted``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeloop.core.tooling import TurnAbortRequested
from codeloop.errors import ContextWindowExceededError
from codeloop.protocol.events import (
    AgentMessage,
    AgentMessageDelta,
    AgentReasoning,
    AgentReasoningDelta,
    TokenCount,
    TurnComplete,
    TurnStarted,
)
from codeloop.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    InputImage,
    Message,
    Reasoning,
    ResponseItem,
    message_text,
)
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemDone,
    OutputTextDelta,
    RateLimitSnapshot,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
)

if TYPE_CHECKING:
    from codeloop.core.session import Session
    from codeloop.core.tooling import ToolContext, ToolOutput
    from codeloop.model.prompt import Prompt
    from codeloop.protocol.events import EventMsg
    from codeloop.protocol.usage import TokenUsage

__all__ = ["SampleResult", "Turn"]


@dataclass
class SampleResult:
    """What one model request produced."""

    items: list[ResponseItem] = field(default_factory=list)
    tool_calls: list[FunctionCall | CustomToolCall] = field(default_factory=list)
    usage: TokenUsage | None = None
    rate_limits: RateLimitSnapshot | None = None


class Turn:
    """One user request; created by the session for each ``user_input`` op."""

    def __init__(self, session: Session, sub_id: str, ctx: ToolContext) -> None:
        self.session = session
        self.sub_id = sub_id
        self.ctx = ctx

    def _emit(self, msg: EventMsg) -> None:
        self.session.emit(self.sub_id, msg)

    async def run(self, user_message: Message) -> str | None:
        """Carry the request to the end; returns the last agent message."""
        session = self.session
        self._emit(TurnStarted(model_context_window=session.account.context_window))
        session.record_turn_context()
        session.add_user_message(self.sub_id, user_message)
        overflow_compacted = False
        last_message: str | None = None
        while True:
            session.drain_pending_input(self.sub_id)
            if session.account.needs_compaction():
                await session.compact(self.sub_id, self.ctx.cancel)
            prompt = session.build_prompt()
            try:
                result = await self.sample(prompt)
            except ContextWindowExceededError:
                if overflow_compacted:
                    raise
                overflow_compacted = True
                await session.compact(self.sub_id, self.ctx.cancel)
                continue
            for item in result.items:
                if isinstance(item, Message) and item.role == "assistant":
                    last_message = message_text(item)
            if not result.tool_calls:
                break
            await self.run_tools(result.tool_calls)
        self._emit(TurnComplete(last_agent_message=last_message))
        return last_message

    async def sample(self, prompt: Prompt) -> SampleResult:
        """Stream one response: deltas are shown as they come; finished items are recorded and
        shown when the response completes.

        Holding items until ``Completed`` is what makes the model client's retries safe: a
        failed attempt is restarted from scratch (a second ``Created``), and its items must not
        reach history, the rollout or the person twice.
        """
        session = self.session
        result = SampleResult()
        done: list[ResponseItem] = []
        seen_created = False
        async for event in session.client.stream(prompt):
            if isinstance(event, Created):
                if seen_created:
                    done.clear()  # the client restarted the request: drop the failed attempt
                seen_created = True
            elif isinstance(event, OutputTextDelta):
                self._emit(AgentMessageDelta(delta=event.delta))
            elif isinstance(event, ReasoningSummaryDelta | ReasoningContentDelta):
                self._emit(AgentReasoningDelta(delta=event.delta))
            elif isinstance(event, OutputItemDone):
                done.append(event.item)
            elif isinstance(event, RateLimitSnapshot):
                result.rate_limits = event
            elif isinstance(event, Completed):
                result.usage = event.usage
        for item in done:
            self._commit_item(item, result)
        if result.usage is not None:
            session.account.add(result.usage)
        self._emit(TokenCount(info=session.account.info(), rate_limits=result.rate_limits))
        return result

    def _commit_item(self, item: ResponseItem, result: SampleResult) -> None:
        result.items.append(item)
        self.session.add_items([item])
        if isinstance(item, Message) and item.role == "assistant":
            self._emit(AgentMessage(message=message_text(item)))
        elif isinstance(item, Reasoning):
            text = "\n\n".join(s.text for s in item.summary)
            if not text and item.content:
                text = "".join(c.text for c in item.content)
            if text:
                self._emit(AgentReasoning(text=text))
        elif isinstance(item, FunctionCall | CustomToolCall):
            result.tool_calls.append(item)

    async def run_tools(self, calls: list[FunctionCall | CustomToolCall]) -> None:
        """Run the calls in order, each output added to history as soon as it exists; run them
        concurrently only when the model allowed it and every tool says it is safe to."""
        session = self.session
        router = session.tools
        parallel = session.parallel_tool_calls and all(
            router.supports_parallel(c.name) for c in calls
        )
        if parallel and len(calls) > 1:
            try:
                results = await asyncio.gather(*(router.dispatch(c, self.ctx) for c in calls))
            except TurnAbortRequested:
                self.ctx.cancel.cancel()  # stop the sibling calls' commands too
                raise
            for call, res in zip(calls, results, strict=True):
                self._add_output(call, res)
            return
        for call in calls:
            self._add_output(call, await router.dispatch(call, self.ctx))

    def _add_output(self, call: FunctionCall | CustomToolCall, res: ToolOutput) -> None:
        items = [_output_item(call, res.output)]
        if res.images:
            items.append(
                Message(role="user", content=[InputImage(image_url=url) for url in res.images])
            )
        self.session.add_items(items)


def _output_item(call: FunctionCall | CustomToolCall, output: str) -> ResponseItem:
    if isinstance(call, FunctionCall):
        return FunctionCallOutput(call_id=call.call_id, output=output)
    return CustomToolCallOutput(call_id=call.call_id, output=output)
