"""Session ids are RFC 9562 UUIDv7 (time-ordered); line timestamps are Codex's UTC format."""

from __future__ import annotations

import re
import time
import uuid

from codeloop.sessions.rollout import new_session_id, utc_timestamp, uuid7


def test_uuid7_version_variant_and_time() -> None:
    before = time.time_ns() // 1_000_000
    u = uuid7()
    after = time.time_ns() // 1_000_000
    assert u.version == 7
    assert u.variant == uuid.RFC_4122
    assert before <= u.int >> 80 <= after


def test_uuid7_sorts_by_time_and_is_unique() -> None:
    ids = [uuid7(unix_ms=1_700_000_000_000 + i) for i in range(200)]
    assert sorted(ids, key=str) == ids
    assert len({uuid7() for _ in range(1000)}) == 1000


def test_new_session_id_is_canonical_text() -> None:
    sid = new_session_id()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", sid)


def test_utc_timestamp_format() -> None:
    assert utc_timestamp(0.0) == "1970-01-01T00:00:00.000Z"
    assert utc_timestamp(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"
    assert utc_timestamp(1_700_000_000.999) == "2023-11-14T22:13:20.999Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())


def test_uuid7_is_strictly_increasing_within_a_millisecond() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids, key=lambda u: u.int)
    assert len(set(ids)) == len(ids)
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)


def test_uuid7_increment_carries() -> None:
    from codeloop.sessions.rollout.ids import _increment

    base = uuid7(unix_ms=5).int
    top_b = base | ((1 << 62) - 1)
    nxt = uuid.UUID(int=_increment(top_b))
    assert nxt.int > top_b and nxt.version == 7 and nxt.variant == uuid.RFC_4122
    top_ab = top_b | (0xFFF << 64)
    nxt = uuid.UUID(int=_increment(top_ab))
    assert nxt.int > top_ab and nxt.int >> 80 == 6 and nxt.version == 7
