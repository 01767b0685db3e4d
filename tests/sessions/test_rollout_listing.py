"""Listing rollouts newest first and finding one by id prefix."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from codeloop.errors import SessionStorageError
from codeloop.sessions.rollout import (
    find_rollout_by_id,
    list_rollouts,
    parse_rollout_name,
    rollout_path,
)

if TYPE_CHECKING:
    from pathlib import Path

IDS = {
    "a": "0199a000-0000-7000-8000-00000000000a",
    "b": "0199b000-0000-7000-8000-00000000000b",
    "b2": "0199b000-1111-7000-8000-00000000000c",
    "c": "0199c000-0000-7000-8000-00000000000d",
}


def _touch(home: Path, session_id: str, when: datetime) -> Path:
    path = rollout_path(home, session_id, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n", encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    _touch(home, IDS["a"], datetime(2025, 12, 31, 23, 59, 59))
    _touch(home, IDS["b"], datetime(2026, 1, 2, 9, 0, 0))
    _touch(home, IDS["b2"], datetime(2026, 1, 2, 9, 0, 1))
    _touch(home, IDS["c"], datetime(2026, 1, 10, 8, 0, 0))
    day = home / "sessions" / "2026" / "01" / "02"
    (day / "notes.txt").write_text("x", encoding="utf-8")
    (day / "rollout-garbage.jsonl").write_text("x", encoding="utf-8")
    (home / "sessions" / "misc").mkdir()
    (home / "sessions" / "2026" / "1").mkdir()
    return home


def test_list_newest_first(home: Path) -> None:
    found = list_rollouts(home)
    assert [f.session_id for f in found] == [IDS["c"], IDS["b2"], IDS["b"], IDS["a"]]
    assert found[0].started_at == datetime(2026, 1, 10, 8, 0, 0)
    assert found[0].path.name == f"rollout-2026-01-10T08-00-00-{IDS['c']}.jsonl"
    assert [f.session_id for f in list_rollouts(home, limit=2)] == [IDS["c"], IDS["b2"]]
    assert list_rollouts(home, limit=0) == []


def test_list_empty_or_missing_home(tmp_path: Path) -> None:
    assert list_rollouts(tmp_path / "nothing") == []
    assert find_rollout_by_id(tmp_path / "nothing", "0199") is None


def test_find_by_full_id_and_unique_prefix(home: Path) -> None:
    by_full = find_rollout_by_id(home, IDS["a"])
    assert by_full is not None and by_full.name.endswith(f"{IDS['a']}.jsonl")
    assert find_rollout_by_id(home, "0199a") == by_full
    assert find_rollout_by_id(home, "  0199A000-0000 ") == by_full  # case and spaces
    assert find_rollout_by_id(home, "0199a0000000") == by_full  # hyphens optional
    assert find_rollout_by_id(home, "0199b000-0000") is not None
    assert find_rollout_by_id(home, "ffff") is None


def test_ambiguous_prefix_is_an_error(home: Path) -> None:
    with pytest.raises(SessionStorageError, match="ambiguous") as info:
        find_rollout_by_id(home, "0199b")
    assert IDS["b"] in info.value.message and IDS["b2"] in info.value.message
    assert "more characters" in info.value.hint
    with pytest.raises(SessionStorageError, match="ambiguous"):
        find_rollout_by_id(home, "0199")


def test_empty_prefix_is_an_error(home: Path) -> None:
    with pytest.raises(SessionStorageError, match="empty session id"):
        find_rollout_by_id(home, " - ")


def test_parse_rollout_name() -> None:
    assert parse_rollout_name(f"rollout-2026-01-02T09-00-00-{IDS['b']}.jsonl") == (
        "2026-01-02T09-00-00",
        IDS["b"],
    )
    assert parse_rollout_name(f"rollout-2026-01-02T09-00-00-{IDS['b'].upper()}.jsonl") == (
        "2026-01-02T09-00-00",
        IDS["b"],
    )
    assert parse_rollout_name("rollout-x.jsonl") is None
    assert parse_rollout_name(f"rollout-2026-01-02T09-00-00-{IDS['b']}.json") is None


def test_recorded_sessions_are_found(tmp_path: Path) -> None:
    from codeloop.sessions.rollout import RolloutRecorder, new_session_meta, read_session_meta

    home = tmp_path / "home"
    ids = []
    for _ in range(3):
        meta = new_session_meta(cwd="/w", originator="t", cli_version="0")
        with RolloutRecorder.create(home, meta) as rec:
            ids.append(meta.id)
    found = list_rollouts(home)
    assert [f.session_id for f in found] == ids[::-1]  # uuid7: later ids sort later
    for sid in ids:
        path = find_rollout_by_id(home, sid)
        assert path is not None
        assert read_session_meta(path).id == sid
    assert rec.path == found[0].path
