"""RolloutRecorder: where the file goes, what is written, and how writes fail safely."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from rollout_helpers import assistant, token_count, turn_context, user

from codeloop.errors import SessionStorageError
from codeloop.protocol import events, items, rollout
from codeloop.sessions.rollout import (
    RolloutRecorder,
    read_rollout,
    rollout_path,
    should_persist_event,
)

if TYPE_CHECKING:
    from pathlib import Path

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _json_lines(path: Path) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_file_location_name_and_meta_line(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    home = tmp_path / "home"
    with RolloutRecorder.create(home, meta) as rec:
        path = rec.path
        assert rec.session_id == meta.id
    started = datetime.fromisoformat(meta.timestamp).astimezone()
    assert path == rollout_path(home, meta.id, started)
    rel = path.relative_to(home)
    assert rel.parts[:4] == ("sessions", f"{started:%Y}", f"{started:%m}", f"{started:%d}")
    assert re.fullmatch(rf"rollout-\d{{4}}-\d\d-\d\dT\d\d-\d\d-\d\d-{meta.id}\.jsonl", path.name), (
        path.name
    )
    [first] = _json_lines(path)
    assert first["type"] == "session_meta"
    assert first["timestamp"] == meta.timestamp
    payload = first["payload"]
    assert isinstance(payload, dict)
    assert payload["id"] == meta.id
    assert payload["git"] == {
        "commit_hash": "abc123",
        "branch": "main",
        "repository_url": "https://h/x",
    }


def test_private_permissions(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    home = tmp_path / "home"
    with RolloutRecorder.create(home, meta) as rec:
        path = rec.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (home, home / "sessions", path.parent, path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_existing_home_permissions_are_left_alone(
    tmp_path: Path, meta: rollout.SessionMeta
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    with RolloutRecorder.create(home, meta):
        pass
    assert stat.S_IMODE(home.stat().st_mode) == 0o755
    assert stat.S_IMODE((home / "sessions").stat().st_mode) == 0o700


def test_policy_filters_events(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    kept: list[events.EventMsg] = [
        events.UserMessage(message="hi"),
        events.AgentMessage(message="hello"),
        events.AgentReasoning(text="thinking"),
        token_count(50),
        events.ContextCompacted(),
        events.TurnAborted(),
        events.PlanUpdate(plan=[events.PlanItem(step="a", status="pending")]),
    ]
    dropped: list[events.EventMsg] = [
        events.TurnStarted(),
        events.AgentMessageDelta(delta="he"),
        events.AgentReasoningDelta(delta="th"),
        events.ExecCommandBegin(call_id="c", command=["ls"], cwd="/"),
        events.ExecCommandOutputDelta(call_id="c", stream="stdout", chunk="x"),
        events.ExecCommandEnd(call_id="c", exit_code=0, duration_ms=1),
        events.PatchApplyBegin(call_id="p", auto_approved=True, changes={}),
        events.PatchApplyEnd(call_id="p", success=True),
        events.ExecApprovalRequest(call_id="c", command=["ls"], cwd="/"),
        events.RetryNotice(message="m", attempt=1, max_attempts=3, delay_ms=10),
        events.Warning(message="w"),
        events.Error(message="e"),
        events.TurnComplete(),
        events.ShutdownComplete(),
    ]
    for ev in kept:
        assert should_persist_event(ev)
    for ev in dropped:
        assert not should_persist_event(ev)
    with RolloutRecorder.create(tmp_path, meta) as rec:
        rec.record([*kept, *dropped])
        rec.record(events.Event(id="sub-1", msg=events.UserMessage(message="wrapped")))
    contents = read_rollout(rec.path)
    assert [line.payload for line in contents.lines] == [
        *kept,
        events.UserMessage(message="wrapped"),
    ]


def test_full_history_mode_adds_outcomes(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    outcomes: list[events.EventMsg] = [
        events.ExecCommandEnd(call_id="c", exit_code=1, duration_ms=1, stderr="boom"),
        events.PatchApplyEnd(call_id="p", success=False),
        events.Error(message="e", kind="ServerError"),
    ]
    with RolloutRecorder.create(tmp_path, meta, persistence="full") as rec:
        rec.record([*outcomes, events.AgentMessageDelta(delta="x"), events.TurnComplete()])
    assert [line.payload for line in read_rollout(rec.path).lines] == outcomes


def test_every_line_kind_and_timestamps(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    with RolloutRecorder.create(tmp_path, meta) as rec:
        rec.record(user("q"))
        rec.record(turn_context())
        rec.record(rollout.CompactedItem(message="summary"))
        rec.record(events.AgentMessage(message="a"))
    lines = _json_lines(rec.path)
    assert [line["type"] for line in lines] == [
        "session_meta",
        "response_item",
        "turn_context",
        "compacted",
        "event_msg",
    ]
    for line in lines:
        assert TIMESTAMP.fullmatch(str(line["timestamp"]))
    assert lines[1]["payload"] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "q"}],
    }
    assert lines[3]["payload"] == {"message": "summary"}  # no null replacement_history


def test_record_rejects_foreign_objects(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    with RolloutRecorder.create(tmp_path, meta) as rec:
        with pytest.raises(TypeError, match="cannot record"):
            rec.record(rollout.GitInfo())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            rec.record(["not a struct"])  # type: ignore[list-item]


def test_record_after_close_raises(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    rec = RolloutRecorder.create(tmp_path, meta)
    rec.close()
    rec.close()  # idempotent
    assert rec.closed
    with pytest.raises(SessionStorageError, match="closed"):
        rec.record(user("late"))


def test_create_never_overwrites(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    with RolloutRecorder.create(tmp_path, meta):
        pass
    with pytest.raises(SessionStorageError, match="cannot create rollout"):
        RolloutRecorder.create(tmp_path, meta)


def test_unwritable_home_is_a_storage_error(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(SessionStorageError) as info:
        RolloutRecorder.create(blocker / "home", meta)
    assert "cannot create rollout" in info.value.message
    assert info.value.hint


def test_fsync_policies(
    tmp_path: Path, meta: rollout.SessionMeta, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)

    with RolloutRecorder.create(tmp_path / "a", meta, fsync="turn_end") as rec:
        calls.clear()
        rec.record([user("q"), events.AgentMessageDelta(delta="x"), assistant("a")])
        assert calls == []
        rec.record(events.TurnComplete())
        assert len(calls) == 1
        rec.record(events.TurnAborted())
        assert len(calls) == 2
        rec.record(events.TurnComplete())
        rec.flush()
        assert len(calls) == 2  # nothing new to sync
        rec.record(user("more"))
        calls.clear()
    assert len(calls) == 1  # close syncs the last line

    with RolloutRecorder.create(tmp_path / "b", meta, fsync="always") as rec:
        calls.clear()
        rec.record([user("q"), assistant("a"), events.AgentMessageDelta(delta="x")])
        assert len(calls) == 2

    calls.clear()
    with RolloutRecorder.create(tmp_path / "c", meta, fsync="never") as rec:
        rec.record([user("q"), events.TurnComplete()])
    assert calls == []


def test_failed_write_leaves_no_merged_lines(
    tmp_path: Path, meta: rollout.SessionMeta, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write cut short (disk full) must not glue the next line onto the half line."""
    rec = RolloutRecorder.create(tmp_path, meta, fsync="never")
    rec.record(user("before"))
    real_write = os.write
    state = {"calls": 0}

    def failing_write(fd: int, data: bytes | memoryview) -> int:
        if fd != rec._fd:
            return real_write(fd, data)
        state["calls"] += 1
        if state["calls"] == 1:
            return real_write(fd, bytes(data[:10]))  # a short write...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(SessionStorageError) as info:
        rec.record(user("lost"))
    assert "No space left" in info.value.message
    assert "disk space" in info.value.hint
    monkeypatch.setattr(os, "write", real_write)
    rec.record(user("after"))
    rec.close()

    contents = read_rollout(rec.path)
    assert [line.payload for line in contents.lines] == [user("before"), user("after")]
    [warning] = contents.warnings
    assert warning.line == 3
    assert "invalid JSON" in warning.message


def test_resume_appends_and_repairs_torn_tail(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    with RolloutRecorder.create(tmp_path, meta) as rec:
        rec.record(user("one"))
    with open(rec.path, "ab") as f:
        f.write(b'{"timestamp":"2026-01-01T00:00:00.000Z","type":"response_it')  # torn by a crash

    with RolloutRecorder.resume(rec.path, meta.id) as resumed:
        resumed.record(user("two"))
    contents = read_rollout(rec.path)
    assert [line.payload for line in contents.lines] == [user("one"), user("two")]
    assert [w.line for w in contents.warnings] == [3]

    # A clean file gets no extra newline.
    with RolloutRecorder.resume(rec.path, meta.id) as resumed:
        resumed.record(user("three"))
    assert [line.payload for line in read_rollout(rec.path).lines][-1] == user("three")
    assert rec.path.read_bytes().count(b"\n\n") == 0


def test_resume_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SessionStorageError, match="cannot open rollout"):
        RolloutRecorder.resume(tmp_path / "nope.jsonl", "id")


def test_threads_do_not_interleave(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    import threading

    rec = RolloutRecorder.create(tmp_path, meta, fsync="never")
    big = "x" * 50_000

    def work(n: int) -> None:
        for i in range(50):
            rec.record(items.FunctionCallOutput(call_id=f"{n}-{i}", output=big))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    contents = read_rollout(rec.path)
    assert contents.warnings == []
    assert len(contents.lines) == 200


def test_rollout_sink_methods(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    """The narrow interface the core's Session uses (``RolloutSink``)."""
    with RolloutRecorder.create(tmp_path, meta) as rec:
        rec.record_items([user("q"), assistant("a")])
        rec.record_event(events.AgentMessageDelta(delta="dropped"))
        rec.record_event(events.AgentMessage(message="a"))
        rec.record_turn_context(turn_context())
        rec.record_compacted("summary")
        rec.flush()
    assert [line.payload for line in read_rollout(rec.path).lines] == [
        user("q"),
        assistant("a"),
        events.AgentMessage(message="a"),
        turn_context(),
        rollout.CompactedItem(message="summary"),
    ]
