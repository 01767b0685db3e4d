"""The Chat Completions wire: content, reasoning and tool-call deltas, finish and usage chunks."""

from __future__ import annotations

import json

from codeloop.testing import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ReasoningStep,
    ScriptedResponse,
    ScriptedUsage,
)


def _chunks(result):
    assert result.events[-1].data == "[DONE]"
    return [e.json for e in result.events[:-1]]


def test_text_stream(serve, read_stream, chat_body):
    text = "A reply spread over several content deltas."
    server = serve([ScriptedResponse(output=[MessageStep(text)])])
    result = read_stream(server, "/chat/completions", chat_body)
    assert result.status == 200
    assert result.headers["content-type"].startswith("text/event-stream")
    assert all(e.event is None for e in result.events)  # Chat sends bare data: lines
    chunks = _chunks(result)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content == text
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "stop"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert all(c["choices"] for c in chunks)  # no usage chunk without include_usage


def test_tool_calls_reasoning_and_usage(serve, read_stream, chat_body):
    chat_body["stream_options"] = {"include_usage": True}
    script = [
        ScriptedResponse(
            output=[
                ReasoningStep("Let me look at the directory first."),
                MessageStep("Listing."),
                FunctionCallStep("shell", {"command": ["ls", "-la", "/some/long/path"]}),
                CustomToolCallStep("apply_patch", "*** Begin Patch\n*** End Patch\n"),
            ],
            usage=ScriptedUsage(
                input_tokens=500,
                cached_input_tokens=100,
                output_tokens=50,
                reasoning_output_tokens=20,
            ),
        )
    ]
    server = serve(script)
    chunks = _chunks(read_stream(server, "/chat/completions", chat_body))

    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {
        "prompt_tokens": 500,
        "completion_tokens": 50,
        "total_tokens": 550,
        "prompt_tokens_details": {"cached_tokens": 100},
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    finish = chunks[-2]["choices"][0]
    assert finish == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}

    deltas = [c["choices"][0]["delta"] for c in chunks[:-2]]
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    assert reasoning == "Let me look at the directory first."
    assert "".join(d.get("content") or "" for d in deltas) == "Listing."

    calls: dict[int, dict[str, str]] = {}
    pieces: dict[int, int] = {}
    for d in deltas:
        for tc in d.get("tool_calls", []):
            index = tc["index"]
            if index not in calls:
                assert tc["id"] and tc["type"] == "function" and tc["function"]["name"]
                calls[index] = {"id": tc["id"], "name": tc["function"]["name"], "arguments": ""}
            else:
                assert "id" not in tc and "name" not in tc["function"]
            calls[index]["arguments"] += tc["function"].get("arguments", "")
            pieces[index] = pieces.get(index, 0) + 1
    assert sorted(calls) == [0, 1]
    assert calls[0]["name"] == "shell"
    assert calls[0]["id"] == "call_1"
    assert json.loads(calls[0]["arguments"]) == {"command": ["ls", "-la", "/some/long/path"]}
    assert pieces[0] > 2  # the arguments are split over several chunks
    assert calls[1]["name"] == "apply_patch"
    assert json.loads(calls[1]["arguments"]) == {"input": "*** Begin Patch\n*** End Patch\n"}


def test_derived_usage_in_chat(serve, read_stream, chat_body):
    chat_body["stream_options"] = {"include_usage": True}
    server = serve([ScriptedResponse(output=[MessageStep("y" * 40)])])
    usage = _chunks(read_stream(server, "/chat/completions", chat_body))[-1]["usage"]
    assert usage["completion_tokens"] == 10
    assert usage["prompt_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + 10
