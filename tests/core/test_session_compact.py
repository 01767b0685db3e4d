"""The ``Compact`` op through a real Session (``start_session``, HTTP to the scripted server, a
rollout on disk).

The summary request carries the history plus ``SUMMARY_REQUEST`` and no tools; the model's answer
replaces the history with the context messages, the user's messages and the summary; the rollout
gets a ``compacted`` line with that replacement history; the next turn sends exactly the new
history; and resuming the rollout rebuilds exactly what the live session had, with or without the
replacement history.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import pytest

from codeloop.config import load_config
from codeloop.core.compact import SUMMARY_PREFIX, SUMMARY_REQUEST, build_compacted_history
from codeloop.core.conversation import SessionOptions, start_session
from codeloop.protocol.events import (
    ContextCompacted,
    Error,
    ShutdownComplete,
    TurnComplete,
)
from codeloop.protocol.items import Message, message_text
from codeloop.protocol.ops import Compact, Shutdown, TextInput, UserInput
from codeloop.protocol.rollout import CompactedLine, EventMsgLine
from codeloop.sessions.rollout import read_rollout, resume_state
from codeloop.testing import (
    FunctionCallStep,
    MessageStep,
    ScriptedModelServer,
    ScriptedResponse,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from codeloop.config.schema import Config
    from codeloop.core.session import Session
    from codeloop.protocol.items import ResponseItem

E = TypeVar("E")

WAIT_S = 10.0
SUMMARY = "The user wants a greeting script; hello.sh prints hi. Next: add a test."


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer() as srv:
        yield srv
    assert not srv.errors, srv.errors
    assert not srv.unmatched, "the session asked the model more than was scripted"
    assert not srv.remaining, "a scripted response was never asked for"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}


@pytest.fixture
def home(tmp_path: Path, server: ScriptedModelServer) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    (path / "config.toml").write_text(
        'model = "gpt-5-codex"\n'
        'model_provider = "scripted"\n'
        'sandbox_mode = "danger-full-access"\n'
        "[model_providers.scripted]\n"
        'name = "Scripted"\n'
        f'base_url = "{server.base_url}"\n'
        'wire_api = "responses"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(home: Path, env: dict[str, str]) -> Config:
    return load_config(home=home, env=env).config


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
async def session(
    config: Config, home: Path, work: Path, env: dict[str, str]
) -> AsyncIterator[Session]:
    sess = await start_session(
        config, SessionOptions(cwd=work, home=home, approval_policy="never"), env=env
    )
    try:
        yield sess
    finally:
        await shutdown(sess)


async def shutdown(session: Session) -> None:
    if session._closed:
        return
    await session.submit(Shutdown())
    await next_of(session, ShutdownComplete)


async def next_of(session: Session, kind: type[E], timeout: float = WAIT_S) -> E:
    """The next event of ``kind``; an ``error`` event on the way fails the test."""
    async with asyncio.timeout(timeout):
        while True:
            msg = (await session.next_event()).msg
            if isinstance(msg, kind):
                return msg
            assert not isinstance(msg, Error), msg


async def turn(session: Session, text: str) -> TurnComplete:
    await session.submit(UserInput(items=[TextInput(text=text)]))
    return await next_of(session, TurnComplete)


def encoded(items: list[ResponseItem]) -> list[dict[str, Any]]:
    """Items as they go over the wire (and into the rollout)."""
    return json.loads(msgspec.json.encode(items))


def user_texts(items: list[dict[str, Any]]) -> list[str]:
    return [
        "".join(p.get("text", "") for p in i["content"])
        for i in items
        if i["type"] == "message" and i["role"] == "user"
    ]


async def first_turn_and_compact(
    session: Session, server: ScriptedModelServer
) -> list[ResponseItem]:
    """One turn with a tool call, then ``Compact`` answered with SUMMARY; returns the history
    as it was just before compacting."""
    server.add(
        ScriptedResponse(
            output=[
                FunctionCallStep(
                    name="shell",
                    arguments={"command": ["bash", "-lc", "echo hi > hello.sh"]},
                    call_id="c_1",
                )
            ]
        ),
        ScriptedResponse(output=[MessageStep(text="Wrote hello.sh.")]),
        ScriptedResponse(output=[MessageStep(text=SUMMARY)]),
    )
    done = await turn(session, "write a greeting script")
    assert done.last_agent_message == "Wrote hello.sh."
    before = session.history.items()
    await session.submit(Compact())
    await next_of(session, ContextCompacted)
    # The compact op runs like a turn: it ends with its own task_complete.
    compacted = await next_of(session, TurnComplete)
    assert compacted.last_agent_message is None
    return before


async def test_compact_replaces_the_history_with_the_summary(
    session: Session, server: ScriptedModelServer
) -> None:
    context = session.history.items()
    before = await first_turn_and_compact(session, server)

    # The summary request: the whole history, then SUMMARY_REQUEST; no tools.
    assert len(server.requests) == 3
    body = server.requests[2].body
    assert body["tools"] == []
    sent = body["input"]
    assert user_texts(sent)[-1] == SUMMARY_REQUEST
    assert sent[:-1] == encoded(before)
    assert any(i["type"] == "function_call_output" for i in sent)

    # The new history: the initial context, the user's messages, the summary.
    history = session.history.items()
    assert history == build_compacted_history(before, SUMMARY)
    assert context and all(isinstance(i, Message) for i in context)
    assert history[: len(context)] == context
    assert message_text(history[0]).startswith("<environment_context>")
    texts = [message_text(i) for i in history if isinstance(i, Message)]
    assert texts[len(context) :] == ["write a greeting script", SUMMARY_PREFIX + SUMMARY]
    assert all(isinstance(i, Message) and i.role == "user" for i in history)

    # The rollout: a compacted line whose replacement history is the new history.
    assert session.recorder is not None
    contents = read_rollout(session.recorder.path)
    (line,) = [ln for ln in contents.lines if isinstance(ln, CompactedLine)]
    assert line.payload.message == SUMMARY
    assert line.payload.replacement_history == history
    assert any(
        isinstance(ln, EventMsgLine) and isinstance(ln.payload, ContextCompacted)
        for ln in contents.lines
    )


async def test_the_next_turn_sends_the_compacted_history(
    session: Session, server: ScriptedModelServer
) -> None:
    context = [i for i in session.history.items() if isinstance(i, Message)]
    await first_turn_and_compact(session, server)
    server.add(ScriptedResponse(output=[MessageStep(text="Adding the test now.")]))
    done = await turn(session, "go on")
    assert done.last_agent_message == "Adding the test now."

    sent = server.requests[3].body["input"]
    assert sent[: len(context)] == encoded(context), "starts with the context messages"
    assert user_texts(sent)[len(context) :] == [
        "write a greeting script",
        SUMMARY_PREFIX + SUMMARY,
        "go on",
    ]
    assert not any(i["type"] in ("function_call", "function_call_output") for i in sent)
    assert "Wrote hello.sh." not in json.dumps(sent), "the old answer is gone"
    assert sent == encoded(session.history.items()[:-1])


async def test_resume_rebuilds_exactly_the_live_history(
    session: Session,
    server: ScriptedModelServer,
    config: Config,
    home: Path,
    work: Path,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    await first_turn_and_compact(session, server)
    server.add(ScriptedResponse(output=[MessageStep(text="Adding the test now.")]))
    await turn(session, "go on")
    live = session.history.items()
    assert session.recorder is not None
    path = session.recorder.path
    await shutdown(session)

    state = resume_state(read_rollout(path), rebuild=build_compacted_history)
    assert state.history == live

    # Without the replacement history the summary is rebuilt the same way.
    stripped = tmp_path / "stripped.jsonl"
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(raw)
        if obj["type"] == "compacted":
            assert obj["payload"]["replacement_history"]
            del obj["payload"]["replacement_history"]
        lines.append(json.dumps(obj))
    stripped.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rebuilt = resume_state(read_rollout(stripped), rebuild=build_compacted_history)
    assert rebuilt.history == live

    # A session resumed from the rollout sends the same history on its next turn.
    resumed = await start_session(
        config,
        SessionOptions(cwd=work, home=home, approval_policy="never", resume_path=path),
        env=env,
    )
    try:
        assert resumed.session_id == session.session_id
        assert resumed.history.items() == live
        server.add(ScriptedResponse(output=[MessageStep(text="Resumed.")]))
        done = await turn(resumed, "status?")
        assert done.last_agent_message == "Resumed."
        sent = server.requests[-1].body["input"]
        assert sent[:-1] == encoded(live)
        assert user_texts(sent)[-1] == "status?"
    finally:
        await shutdown(resumed)


async def test_compact_while_a_turn_runs_is_refused(
    session: Session, server: ScriptedModelServer
) -> None:
    server.add(
        ScriptedResponse(output=[MessageStep(text="slow answer")], delay=0.2),
    )
    await session.submit(UserInput(items=[TextInput(text="hello")]))
    await session.submit(Compact())
    async with asyncio.timeout(WAIT_S):
        while True:
            msg = (await session.next_event()).msg
            if isinstance(msg, Error):
                assert "compact" in msg.message
                break
            assert not isinstance(msg, TurnComplete | ContextCompacted), msg
    done = await next_of(session, TurnComplete)
    assert done.last_agent_message == "slow answer"
    assert len(server.requests) == 1
