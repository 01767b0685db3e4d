"""Choosing a scripted response: order, ``match``, ``predicate``, ``repeat`` and exhaustion."""

from __future__ import annotations

import concurrent.futures

import httpx

from codeloop.testing import Match, MessageStep, ScriptedResponse


def _text(server, path="/responses", body=None) -> str:
    response = httpx.post(server.base_url + path, json=body, timeout=5)
    assert response.status_code == 200, response.text
    if path == "/responses":
        return "".join(
            line
            for line in response.text.splitlines()
            if line.startswith("data:") and "output_text.done" in line
        )
    return response.text


def _says(server, text, path="/responses", body=None) -> bool:
    return f'"{text}' in _text(server, path, body)


def _answer(text, **kwargs) -> ScriptedResponse:
    return ScriptedResponse(output=[MessageStep(text)], **kwargs)


TOOL_OUTPUT_TURN = {
    "model": "m",
    "input": [
        {"type": "message", "role": "user", "content": "run ls"},
        {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "a.txt"},
    ],
}
USER_TURN = {"model": "m", "input": [{"role": "user", "content": "hello"}]}


def test_in_order_then_exhausted(serve):
    server = serve([_answer("one"), _answer("two")])
    assert _says(server, "one", body=USER_TURN)
    assert _says(server, "two", body=USER_TURN)
    assert server.remaining == []
    response = httpx.post(server.base_url + "/responses", json=USER_TURN, timeout=5)
    assert response.status_code == 500
    assert response.json() == {
        "error": {"message": "scripted model server: script exhausted", "type": "server_error"}
    }
    assert len(server.requests) == 3  # the unmatched request is recorded too
    assert server.unmatched == [server.requests[2]]


def test_last_input_type_selects(serve):
    server = serve(
        [
            _answer("after tool", match=Match(last_input_type="function_call_output")),
            _answer("after user", match=Match(last_input_type="message")),
        ]
    )
    assert _says(server, "after user", body=USER_TURN)
    assert _says(server, "after tool", body=TOOL_OUTPUT_TURN)


def test_last_input_type_on_chat(serve):
    tool_turn = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "run ls"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
        ],
    }
    server = serve(
        [
            _answer("after tool", match=Match(last_input_type="function_call_output")),
            _answer("after user"),
        ]
    )
    assert _says(
        server, "after user", "/chat/completions", {"model": "m", "messages": [{"role": "user"}]}
    )
    assert _says(server, "after tool", "/chat/completions", tool_turn)


def test_input_contains_and_path(serve):
    server = serve(
        [
            _answer("chat only", match=Match(path="/v1/chat/completions")),
            _answer("quoted", match=Match(input_contains='say "cheese"\nplease')),
            _answer("default"),
        ]
    )
    body = {"model": "m", "input": [{"role": "user", "content": 'say "cheese"\nplease'}]}
    assert _says(server, "quoted", body=body)  # found despite JSON escaping
    assert _says(server, "default", body=USER_TURN)
    assert _says(server, "chat only", "/chat/completions", {"model": "m", "messages": []})


def test_predicate(serve):
    server = serve(
        [
            _answer("mini", predicate=lambda r: r.body["model"] == "gpt-mini"),
            _answer("other"),
        ]
    )
    assert _says(server, "other", body={"model": "gpt-big", "input": []})
    assert _says(server, "mini", body={"model": "gpt-mini", "input": []})


def test_predicate_and_match_must_both_hold(serve):
    server = serve(
        [
            _answer(
                "both",
                match=Match(last_input_type="function_call_output"),
                predicate=lambda r: r.headers.get("x-turn") == "2",
            ),
            _answer("fallback", repeat=True),
        ]
    )
    assert _says(server, "fallback", body=TOOL_OUTPUT_TURN)
    response = httpx.post(
        server.base_url + "/responses", json=TOOL_OUTPUT_TURN, headers={"x-turn": "2"}, timeout=5
    )
    assert '"both' in response.text


def test_raising_predicate_is_a_500_with_the_error_kept(serve):
    def boom(request):
        raise RuntimeError("predicate bug")

    server = serve([_answer("never", predicate=boom)])
    response = httpx.post(server.base_url + "/responses", json=USER_TURN, timeout=5)
    assert response.status_code == 500
    assert "predicate bug" in response.json()["error"]["message"]
    assert "predicate bug" in server.errors[0]


def test_repeat_keeps_answering(serve):
    server = serve([_answer("again", repeat=True), _answer("shadowed")])
    for _ in range(3):
        assert _says(server, "again", body=USER_TURN)
    assert len(server.remaining) == 2


def test_add_while_running(serve):
    server = serve()
    assert httpx.post(server.base_url + "/responses", json=USER_TURN, timeout=5).status_code == 500
    server.add(_answer("late"), _answer("later"))
    assert len(server.remaining) == 2
    assert _says(server, "late", body=USER_TURN)
    assert _says(server, "later", body=USER_TURN)


def test_concurrent_requests_each_take_one_response(serve):
    n = 8
    server = serve([_answer(f"answer-{i}") for i in range(n)])
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        texts = list(pool.map(lambda _: _text(server, body=USER_TURN), range(n)))
    taken = sorted(next(f"answer-{i}" for i in range(n) if f'"answer-{i}"' in t) for t in texts)
    assert taken == sorted(f"answer-{i}" for i in range(n))
    assert server.remaining == []
