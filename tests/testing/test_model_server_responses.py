"""The Responses API wire: event order, item shapes and usage, read over real HTTP."""

from __future__ import annotations

import json
import time

import httpx
import httpx_sse

from codeloop.testing import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ReasoningStep,
    ScriptedResponse,
    ScriptedUsage,
)


def test_message_stream_event_order_and_text(serve, read_stream, responses_body):
    text = "Hello! This text is longer than one chunk of sixteen characters."
    server = serve([ScriptedResponse(output=[MessageStep(text)])])
    result = read_stream(server, "/responses", responses_body)

    assert result.status == 200
    assert result.headers["content-type"].startswith("text/event-stream")
    assert result.error is None
    types = [e.type for e in result.events]
    deltas = [e.json for e in result.events if e.type == "response.output_text.delta"]
    assert types == [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * len(deltas),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert len(deltas) == 4  # 65 characters in pieces of 16
    # The SSE event name repeats the data's type, as OpenAI sends it.
    assert all(e.event == e.type for e in result.events)
    assert [e.json["sequence_number"] for e in result.events] == list(range(len(result.events)))

    created = result.events[0].json["response"]
    assert created["id"].startswith("resp_")
    assert created["status"] == "in_progress"
    assert created["model"] == "gpt-test"
    added = result.events[1].json
    assert added["output_index"] == 0
    assert added["item"]["type"] == "message"
    item_id = added["item"]["id"]
    assert {(d["item_id"], d["output_index"], d["content_index"]) for d in deltas} == {
        (item_id, 0, 0)
    }
    assert "".join(d["delta"] for d in deltas) == text
    done = next(e.json for e in result.events if e.type == "response.output_text.done")
    assert done["text"] == text
    item = next(e.json for e in result.events if e.type == "response.output_item.done")["item"]
    assert item == {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    completed = result.events[-1].json["response"]
    assert completed["id"] == created["id"]
    assert completed["status"] == "completed"
    assert completed["output"] == [item]


def test_reasoning_function_call_and_custom_tool_call(serve, read_stream, responses_body):
    patch = "*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch\n"
    script = [
        ScriptedResponse(
            output=[
                ReasoningStep("Thinking about the files to list.", encrypted_content="gAAAA-enc"),
                FunctionCallStep("shell", {"command": ["ls", "-la"], "workdir": "/tmp"}),
                FunctionCallStep("bad_args", '{"not json', call_id="call_custom"),
                CustomToolCallStep("apply_patch", patch),
            ]
        )
    ]
    server = serve(script)
    result = read_stream(server, "/responses", responses_body)
    events = result.events
    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"

    added = [e.json for e in events if e.type == "response.output_item.added"]
    done = [e.json for e in events if e.type == "response.output_item.done"]
    assert [a["output_index"] for a in added] == [0, 1, 2, 3]
    assert [d["output_index"] for d in done] == [0, 1, 2, 3]
    assert [a["item"]["type"] for a in added] == [
        "reasoning",
        "function_call",
        "function_call",
        "custom_tool_call",
    ]

    reasoning, call, bad_call, custom = (d["item"] for d in done)
    summary_deltas = [e.json for e in events if e.type == "response.reasoning_summary_text.delta"]
    assert all(d["summary_index"] == 0 and d["item_id"] == reasoning["id"] for d in summary_deltas)
    assert "".join(d["delta"] for d in summary_deltas) == "Thinking about the files to list."
    assert [e.type for e in events[2:5]] == [
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
    ]
    assert reasoning == {
        "type": "reasoning",
        "id": reasoning["id"],
        "summary": [{"type": "summary_text", "text": "Thinking about the files to list."}],
        "encrypted_content": "gAAAA-enc",
    }

    assert call["name"] == "shell"
    assert call["status"] == "completed"
    assert call["call_id"] == "call_1"  # counted per server
    assert json.loads(call["arguments"]) == {"command": ["ls", "-la"], "workdir": "/tmp"}
    arg_deltas = [
        e.json["delta"]
        for e in events
        if e.type == "response.function_call_arguments.delta" and e.json["item_id"] == call["id"]
    ]
    assert len(arg_deltas) > 1
    assert "".join(arg_deltas) == call["arguments"]
    args_done = [e.json for e in events if e.type == "response.function_call_arguments.done"]
    assert args_done[0]["arguments"] == call["arguments"]

    assert bad_call["arguments"] == '{"not json'  # sent as is
    assert bad_call["call_id"] == "call_custom"

    assert custom == {
        "type": "custom_tool_call",
        "id": custom["id"],
        "call_id": "call_2",
        "name": "apply_patch",
        "input": patch,
        "status": "completed",
    }
    input_deltas = [
        e.json["delta"] for e in events if e.type == "response.custom_tool_call_input.delta"
    ]
    assert "".join(input_deltas) == patch
    input_done = next(e.json for e in events if e.type == "response.custom_tool_call_input.done")
    assert input_done["input"] == patch
    assert events[-1].json["response"]["output"] == [reasoning, call, bad_call, custom]


def test_scripted_usage_in_completed(serve, read_stream, responses_body):
    usage = ScriptedUsage(
        input_tokens=1200, cached_input_tokens=1000, output_tokens=80, reasoning_output_tokens=64
    )
    server = serve([ScriptedResponse(output=[MessageStep("ok")], usage=usage)])
    completed = read_stream(server, "/responses", responses_body).events[-1].json
    assert completed["type"] == "response.completed"
    assert completed["response"]["usage"] == {
        "input_tokens": 1200,
        "input_tokens_details": {"cached_tokens": 1000},
        "output_tokens": 80,
        "output_tokens_details": {"reasoning_tokens": 64},
        "total_tokens": 1280,
    }


def test_usage_derived_from_lengths_when_not_scripted(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(output=[ReasoningStep("r" * 40), MessageStep("x" * 80)])])
    usage = read_stream(server, "/responses", responses_body).events[-1].json["response"]["usage"]
    assert usage["input_tokens"] > 0
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["output_tokens_details"] == {"reasoning_tokens": 10}
    assert usage["output_tokens"] == 30  # (80 + 40) / 4
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_message_delay_ms_paces_deltas(serve, responses_body):
    server = serve([ScriptedResponse(output=[MessageStep("abcdef", chunk_size=2, delay_ms=60)])])
    arrivals = []
    with (
        httpx.Client(timeout=5) as client,
        httpx_sse.connect_sse(
            client, "POST", server.base_url + "/responses", json=responses_body
        ) as source,
    ):
        for sse in source.iter_sse():
            if sse.event == "response.output_text.delta":
                arrivals.append(time.monotonic())
    assert len(arrivals) == 3
    assert arrivals[2] - arrivals[0] >= 0.1


def test_httpx_sse_client_reads_the_stream(serve, responses_body):
    """A stock SSE client parses the stream: the framing is standard."""
    server = serve([ScriptedResponse(output=[MessageStep("Hi there")])])
    with (
        httpx.Client(timeout=5) as client,
        httpx_sse.connect_sse(
            client, "POST", server.base_url + "/responses", json=responses_body
        ) as source,
    ):
        events = [(sse.event, sse.json()) for sse in source.iter_sse()]
    assert events[0][0] == "response.created"
    assert events[-1][0] == "response.completed"
    text = "".join(d["delta"] for name, d in events if name == "response.output_text.delta")
    assert text == "Hi there"


def test_empty_reasoning_summary_has_no_summary_part(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(output=[ReasoningStep("", encrypted_content="e")])])
    events = read_stream(server, "/responses", responses_body).events
    assert [e.type for e in events] == [
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        "response.completed",
    ]
    assert events[2].json["item"]["summary"] == []
