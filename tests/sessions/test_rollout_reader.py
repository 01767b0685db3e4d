"""read_rollout: round trips, and damaged files read as far as they can be, with warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest
from rollout_helpers import assistant, token_count, turn_context, user

from codeloop.errors import SessionStorageError
from codeloop.protocol import events, items, rollout
from codeloop.sessions.rollout import (
    RolloutRecorder,
    read_rollout,
    read_session_meta,
    reconstruct_history,
    resume_state,
)

if TYPE_CHECKING:
    from pathlib import Path


def _write(path: Path, *lines: bytes, end: bytes = b"\n") -> Path:
    path.write_bytes(b"\n".join(lines) + end)
    return path


def _meta_line(meta: rollout.SessionMeta) -> bytes:
    return msgspec.json.encode(rollout.SessionMetaLine(timestamp=meta.timestamp, payload=meta))


def _item_line(item: items.ResponseItem) -> bytes:
    return msgspec.json.encode(rollout.ResponseItemLine(timestamp="t", payload=item))


def test_round_trip_of_a_whole_session(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    recorded: list[object] = [
        turn_context(),
        user("fix the bug"),
        events.UserMessage(message="fix the bug"),
        items.Reasoning(
            id="rs_1",
            summary=[items.ReasoningSummaryText(text="looking")],
            encrypted_content="opaque==",
        ),
        events.AgentReasoning(text="looking"),
        items.FunctionCall(name="shell", arguments='{"command":["ls"]}', call_id="c1"),
        items.FunctionCallOutput(call_id="c1", output="a.py\n"),
        items.CustomToolCall(name="apply_patch", input="*** Begin Patch", call_id="c2"),
        items.CustomToolCallOutput(call_id="c2", output="Done!"),
        assistant("fixed ✓ — naïve résumé"),
        events.AgentMessage(message="fixed ✓ — naïve résumé"),
        token_count(120),
        events.PlanUpdate(plan=[events.PlanItem(step="fix", status="completed")]),
        rollout.CompactedItem(message="summary of it all"),
        user("now add a test"),
        turn_context(model="gpt-other"),
        token_count(200),
    ]
    with RolloutRecorder.create(tmp_path, meta) as rec:
        for item in recorded:
            rec.record(item)  # type: ignore[arg-type]

    contents = read_rollout(rec.path)
    assert contents.warnings == []
    assert contents.meta == meta
    assert contents.path == rec.path
    assert [line.payload for line in contents.lines] == recorded
    assert read_session_meta(rec.path) == meta

    history = reconstruct_history(contents)
    assert history == [
        user("fix the bug"),
        user("summary of it all"),
        user("now add a test"),
    ]
    state = resume_state(contents)
    assert state.history == history
    assert state.meta == meta
    assert state.turn_context == turn_context(model="gpt-other")
    assert state.token_usage is not None
    assert state.token_usage.total_token_usage.total_tokens == 200
    assert state.plan == events.PlanUpdate(plan=[events.PlanItem(step="fix", status="completed")])


def test_bad_lines_are_skipped_with_file_and_line(
    tmp_path: Path, meta: rollout.SessionMeta
) -> None:
    path = _write(
        tmp_path / "r.jsonl",
        _meta_line(meta),
        _item_line(user("one")),
        b"{not json",
        b'{"timestamp":"t","type":"mystery","payload":{}}',
        b'{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"robot"}}',
        b'{"timestamp":"t","type":"event_msg","payload":{"type":"brand_new_event"}}',
        b"[1, 2]",
        b"",
        b"   ",
        _item_line(user("two")),
    )
    contents = read_rollout(path)
    assert [line.payload for line in contents.lines] == [user("one"), user("two")]
    by_line = {w.line: w.message for w in contents.warnings}
    assert set(by_line) == {3, 4, 5, 6, 7}
    assert by_line[3].startswith("invalid JSON")
    assert by_line[4].startswith("unknown line type 'mystery'")
    assert by_line[5].startswith("response_item line does not match the schema")
    assert by_line[6].startswith("event_msg line does not match the schema")
    assert by_line[7].startswith("not a JSON object")
    assert all(m.endswith("line skipped") for m in by_line.values())
    assert str(contents.warnings[0]) == f"{path}:3: {by_line[3]}"


def test_truncated_last_line_is_ignored(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    path = _write(
        tmp_path / "r.jsonl",
        _meta_line(meta),
        _item_line(user("one")),
        _item_line(user("two"))[:25],
        end=b"",
    )
    contents = read_rollout(path)
    assert [line.payload for line in contents.lines] == [user("one")]
    [warning] = contents.warnings
    assert warning.line == 3
    assert "truncated last line" in warning.message


def test_complete_last_line_without_newline_is_kept(
    tmp_path: Path, meta: rollout.SessionMeta
) -> None:
    path = _write(tmp_path / "r.jsonl", _meta_line(meta), _item_line(user("one")), end=b"")
    contents = read_rollout(path)
    assert [line.payload for line in contents.lines] == [user("one")]
    [warning] = contents.warnings
    assert (warning.line, warning.message) == (2, "last line has no trailing newline; kept")


def test_meta_only(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    contents = read_rollout(_write(tmp_path / "r.jsonl", _meta_line(meta)))
    assert contents.meta == meta
    assert contents.lines == []
    assert contents.warnings == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "is empty"),
        (b"\n\n", "is empty"),
        (b"{not json\n", r"r\.jsonl:1: no valid session_meta line: invalid JSON"),
        (b'{"timestamp":"t","type":"session_meta","payload":{}}\n', "does not match the schema"),
        (_item_line(items.FunctionCallOutput(call_id="c", output="o")) + b"\n", "not session_meta"),
        (b'{"timestamp":"t","type":"session_m', "only line is truncated"),
    ],
)
def test_missing_or_bad_meta_is_an_error(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(data)
    with pytest.raises(SessionStorageError, match=expected) as info:
        read_rollout(path)
    assert info.value.hint


def test_bad_meta_after_blank_lines_names_its_line(
    tmp_path: Path, meta: rollout.SessionMeta
) -> None:
    path = _write(tmp_path / "r.jsonl", b"", _item_line(user("x")), _meta_line(meta))
    with pytest.raises(SessionStorageError, match=r":2: .*not session_meta"):
        read_rollout(path)


def test_unreadable_file_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(SessionStorageError, match="cannot read rollout"):
        read_rollout(tmp_path / "missing.jsonl")
    with pytest.raises(SessionStorageError, match="cannot read rollout"):
        read_session_meta(tmp_path / "missing.jsonl")


def test_read_session_meta_errors(tmp_path: Path, meta: rollout.SessionMeta) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"")
    with pytest.raises(SessionStorageError, match="empty"):
        read_session_meta(path)
    path.write_bytes(_meta_line(meta)[:30])
    with pytest.raises(SessionStorageError, match="truncated"):
        read_session_meta(path)
    path.write_bytes(b'{"type":"compacted"}\n')
    with pytest.raises(SessionStorageError, match="no valid session_meta"):
        read_session_meta(path)


def test_reads_a_codex_rollout(tmp_path: Path) -> None:
    """Lines as Codex writes them (extra fields, unknown events) read with warnings only."""
    path = _write(
        tmp_path / "codex.jsonl",
        b'{"timestamp":"2025-10-01T10:00:00.000Z","type":"session_meta","payload":{"id":'
        b'"0199a0e2-0000-7000-8000-000000000000","timestamp":"2025-10-01T10:00:00.000Z",'
        b'"cwd":"/w","originator":"codex_cli_rs","cli_version":"0.46.0","instructions":null,'
        b'"source":"cli","model_provider":"openai","git":{"commit_hash":"abc","branch":"main",'
        b'"repository_url":"git@github.com:o/r.git"}}}',
        b'{"timestamp":"2025-10-01T10:00:01.000Z","type":"response_item","payload":{"type":'
        b'"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}',
        b'{"timestamp":"2025-10-01T10:00:01.000Z","type":"event_msg","payload":{"type":'
        b'"entered_review_mode","target":{}}}',
        b'{"timestamp":"2025-10-01T10:00:02.000Z","type":"compacted","payload":{"message":"s",'
        b'"replacement_history":[{"type":"message","role":"user","content":[{"type":'
        b'"input_text","text":"kept"}]}]}}',
    )
    contents = read_rollout(path)
    assert contents.meta.originator == "codex_cli_rs"
    assert contents.meta.git == rollout.GitInfo("abc", "main", "git@github.com:o/r.git")
    assert [w.line for w in contents.warnings] == [3]
    assert reconstruct_history(contents) == [user("kept")]
