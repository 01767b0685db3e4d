"""Request bodies of both wires, and the stream decoders fed by hand (no HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from codeloop.config.providers import ModelProviderInfo
from codeloop.errors import (
    ContextWindowExceededError,
    ModelAPIError,
    RateLimitError,
    StreamInterruptedError,
)
from codeloop.model.chat import ChatDecoder, build_chat_body, chat_messages, chat_tools
from codeloop.model.prompt import Prompt
from codeloop.model.responses import ResponsesDecoder, build_responses_body
from codeloop.model.settings import ModelSettings
from codeloop.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    InputImage,
    InputText,
    Message,
    OutputText,
    Reasoning,
    ReasoningSummaryText,
    ReasoningText,
    ResponseItem,
)
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ResponseEvent,
)
from codeloop.protocol.usage import TokenUsage

PROVIDER = ModelProviderInfo(name="TestAI", base_url="http://x/v1")
SHELL = {
    "type": "function",
    "name": "shell",
    "description": "Run a command",
    "parameters": {"type": "object", "properties": {"command": {"type": "array"}}},
    "strict": False,
}
PATCH = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Apply a patch",
    "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch"},
}
HISTORY: list[ResponseItem] = [
    Message(role="developer", content=[InputText(text="env context")]),
    Message(role="user", content=[InputText(text="fix it")]),
    Reasoning(id="rs_1", summary=[ReasoningSummaryText(text="thinking")], encrypted_content="e"),
    Message(role="assistant", content=[OutputText(text="Looking.")], id="msg_1"),
    FunctionCall(name="shell", arguments='{"command":["ls"]}', call_id="c1", id="fc_1"),
    CustomToolCall(name="apply_patch", input="*** Begin Patch", call_id="c2"),
    FunctionCallOutput(call_id="c1", output="a.py"),
    CustomToolCallOutput(call_id="c2", output="Done!"),
    FunctionCall(name="shell", arguments="{}", call_id="c3"),
    FunctionCallOutput(call_id="c3", output="ok"),
]
PROMPT = Prompt(
    instructions="be brief", input=HISTORY, tools=[SHELL, PATCH], parallel_tool_calls=True
)


def settings(model: str = "gpt-4.1", **kw: Any) -> ModelSettings:
    return ModelSettings(model=model, provider=PROVIDER, session_id="sess-1", **kw)


# -- Responses body ----------------------------------------------------------------------------


def test_responses_body_for_a_plain_model() -> None:
    body = build_responses_body(settings(), PROMPT)
    assert list(body) == [
        "model",
        "instructions",
        "input",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "store",
        "stream",
        "include",
        "prompt_cache_key",
    ]
    assert body["model"] == "gpt-4.1"
    assert body["tools"] == [SHELL, PATCH]
    assert body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is True
    assert body["store"] is False and body["stream"] is True
    assert body["include"] == []
    assert body["prompt_cache_key"] == "sess-1"
    assert "reasoning" not in body and "text" not in body
    # msgspec omits null fields: no "id": null on input items
    assert body["input"][1] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "fix it"}],
    }
    assert body["input"][5] == {
        "type": "custom_tool_call",
        "name": "apply_patch",
        "input": "*** Begin Patch",
        "call_id": "c2",
    }
    assert "null" not in json.dumps(body["input"])


def test_responses_body_for_a_reasoning_model() -> None:
    body = build_responses_body(settings("gpt-5-codex", reasoning_effort="high"), PROMPT)
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    no_summary = build_responses_body(settings("o3", reasoning_summary="none"), PROMPT)
    assert no_summary["reasoning"] == {}


def test_responses_body_output_schema_and_verbosity() -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    prompt = Prompt(instructions="x", output_schema=schema)
    body = build_responses_body(settings(verbosity="low"), prompt)
    assert body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "codex_output_schema",
            "schema": schema,
            "strict": True,
        },
        "verbosity": "low",
    }


def test_responses_body_without_session_has_no_cache_key() -> None:
    s = ModelSettings(model="gpt-4.1", provider=PROVIDER)
    assert "prompt_cache_key" not in build_responses_body(s, PROMPT)


# -- Chat body ---------------------------------------------------------------------------------


def test_chat_messages() -> None:
    messages = chat_messages(PROMPT)
    assert messages == [
        {"role": "system", "content": "be brief"},
        {"role": "system", "content": "env context"},
        {"role": "user", "content": "fix it"},
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "shell", "arguments": '{"command":["ls"]}'},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {
                        "name": "apply_patch",
                        "arguments": '{"input":"*** Begin Patch"}',
                    },
                },
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a.py"},
        {"role": "tool", "tool_call_id": "c2", "content": "Done!"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c3", "type": "function", "function": {"name": "shell", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c3", "content": "ok"},
    ]


def test_chat_messages_with_images() -> None:
    prompt = Prompt(
        instructions="",
        input=[
            Message(
                role="user",
                content=[
                    InputText(text="what is this"),
                    InputImage(image_url="data:image/png;base64,AA"),
                ],
            )
        ],
    )
    assert chat_messages(prompt) == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
            ],
        }
    ]


def test_chat_tools() -> None:
    tools = chat_tools([SHELL, PATCH, {"type": "web_search"}])
    assert len(tools) == 2
    assert tools[0] == {
        "type": "function",
        "function": {
            "name": "shell",
            "description": "Run a command",
            "parameters": SHELL["parameters"],
            "strict": False,
        },
    }
    fn = tools[1]["function"]
    assert fn["name"] == "apply_patch"
    assert fn["parameters"]["required"] == ["input"]
    assert fn["parameters"]["properties"]["input"]["type"] == "string"
    assert "start: begin_patch" in fn["description"]


def test_chat_body() -> None:
    schema = {"type": "object"}
    prompt = Prompt(
        instructions="x", tools=[SHELL], parallel_tool_calls=False, output_schema=schema
    )
    body = build_chat_body(settings("o4-mini", reasoning_effort="low"), prompt)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is False
    assert body["reasoning_effort"] == "low"
    assert body["response_format"]["json_schema"]["name"] == "codex_output_schema"
    plain = build_chat_body(settings(reasoning_effort="low"), Prompt(instructions="x"))
    assert "tools" not in plain and "parallel_tool_calls" not in plain
    assert "reasoning_effort" not in plain


# -- decoders ----------------------------------------------------------------------------------


def feed_all(decoder: ResponsesDecoder | ChatDecoder, chunks: list[Any]) -> list[ResponseEvent]:
    out: list[ResponseEvent] = []
    for chunk in chunks:
        data = chunk if isinstance(chunk, str) else json.dumps(chunk)
        out += decoder.feed("", data)
    return out


def test_responses_decoder_skips_unknown_items_and_synthesises_created() -> None:
    d = ResponsesDecoder(settings())
    events = feed_all(
        d,
        [
            {"type": "response.output_item.done", "item": {"type": "web_search_call", "id": "ws"}},
            {"type": "response.output_text.delta", "delta": "hi", "item_id": "m"},
            {"type": "response.some_future_event"},
            {
                "type": "response.completed",
                "response": {
                    "id": "r1",
                    "usage": {
                        "input_tokens": 10,
                        "input_tokens_details": {"cached_tokens": 4},
                        "output_tokens": 5,
                        "output_tokens_details": {"reasoning_tokens": 2},
                        "total_tokens": 15,
                    },
                },
            },
        ],
    )
    assert events == [
        Created(),
        OutputTextDelta(delta="hi", item_id="m"),
        Completed(response_id="r1", usage=TokenUsage(10, 4, 5, 2, 15)),
    ]
    assert d.done


def test_responses_decoder_errors() -> None:
    with pytest.raises(StreamInterruptedError, match="malformed"):
        ResponsesDecoder(settings()).feed("", "{not json")
    with pytest.raises(StreamInterruptedError, match=r"closed before response\.completed"):
        ResponsesDecoder(settings()).end()
    with pytest.raises(RateLimitError) as info:
        feed_all(
            ResponsesDecoder(settings()),
            [
                {
                    "type": "response.failed",
                    "response": {
                        "error": {"code": "rate_limit_exceeded", "message": "try again in 2s"}
                    },
                }
            ],
        )
    assert info.value.retry_after == 2.0
    with pytest.raises(ModelAPIError, match="incomplete") as incomplete:
        feed_all(
            ResponsesDecoder(settings()),
            [
                {
                    "type": "response.incomplete",
                    "response": {"incomplete_details": {"reason": "max_output_tokens"}},
                }
            ],
        )
    assert not incomplete.value.retryable


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "cc1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def test_chat_decoder_interleaved_reasoning_text_and_tools() -> None:
    d = ChatDecoder(settings(), frozenset({"apply_patch"}))
    events = feed_all(
        d,
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"reasoning": "hmm"}),
            chunk({"content": [{"type": "text", "text": "Hi"}]}),
            chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "apply_patch"}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"input": "P'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ATCH"}'}}]}),
            chunk({"tool_calls": [{"index": 1, "function": {"name": "shell", "arguments": "{}"}}]}),
            chunk({}, "tool_calls"),
            {"id": "cc1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
            "[DONE]",
        ],
    )
    assert events == [
        Created(response_id="cc1"),
        OutputItemAdded(item=Reasoning(id="rs_cc1_1", summary=[])),
        ReasoningContentDelta(delta="hmm", item_id="rs_cc1_1"),
        OutputItemDone(item=Reasoning(id="rs_cc1_1", summary=[], content=[ReasoningText("hmm")])),
        OutputItemAdded(item=Message(role="assistant", content=[], id="msg_cc1_2")),
        OutputTextDelta(delta="Hi", item_id="msg_cc1_2"),
        OutputItemDone(item=Message(role="assistant", content=[OutputText("Hi")], id="msg_cc1_2")),
        OutputItemAdded(
            item=CustomToolCall(name="apply_patch", input="", call_id="c1", status="in_progress")
        ),
        OutputItemDone(
            item=CustomToolCall(name="apply_patch", input="PATCH", call_id="c1", status="completed")
        ),
        OutputItemAdded(item=FunctionCall(name="shell", arguments="", call_id="call_1")),
        OutputItemDone(item=FunctionCall(name="shell", arguments="{}", call_id="call_1")),
        Completed(response_id="cc1", usage=TokenUsage(3, 0, 2, 0, 5)),
    ]
    assert d.done


def test_chat_decoder_endings() -> None:
    finished = ChatDecoder(settings(), frozenset())
    feed_all(finished, [chunk({"content": "x"}), chunk({}, "stop")])
    assert [type(e) for e in finished.end()] == [Completed]
    done_only = ChatDecoder(settings(), frozenset())
    events = feed_all(done_only, [chunk({"content": "x"}), "[DONE]"])
    assert isinstance(events[-1], Completed) and isinstance(events[-2], OutputItemDone)
    cut = ChatDecoder(settings(), frozenset())
    feed_all(cut, [chunk({"content": "x"})])
    with pytest.raises(StreamInterruptedError):
        cut.end()


def test_chat_decoder_errors() -> None:
    with pytest.raises(ContextWindowExceededError):
        feed_all(ChatDecoder(settings(), frozenset()), [chunk({"content": "x"}, "length")])
    with pytest.raises(RateLimitError):
        feed_all(
            ChatDecoder(settings(), frozenset()),
            [{"error": {"code": "rate_limit_exceeded", "message": "slow down"}}],
        )
    with pytest.raises(StreamInterruptedError, match="malformed"):
        ChatDecoder(settings(), frozenset()).feed("", "{nope")
