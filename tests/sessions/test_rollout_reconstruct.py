"""History reconstruction for resume: Codex's rules for ``compacted`` lines."""

from __future__ import annotations

from pathlib import Path

from rollout_helpers import assistant, token_count, turn_context, user

from codeloop.protocol import events, items, rollout
from codeloop.sessions.rollout import (
    RolloutContents,
    build_compacted_history,
    collect_user_messages,
    reconstruct_history,
    resume_state,
)
from codeloop.sessions.rollout.reconstruct import NO_SUMMARY, approx_token_count


def _contents(meta: rollout.SessionMeta, *payloads: object) -> RolloutContents:
    lines: list[rollout.RolloutLine] = []
    for p in payloads:
        if isinstance(p, rollout.CompactedItem):
            lines.append(rollout.CompactedLine(timestamp="t", payload=p))
        elif isinstance(p, rollout.TurnContext):
            lines.append(rollout.TurnContextLine(timestamp="t", payload=p))
        elif isinstance(p, events.TokenCount | events.PlanUpdate | events.UserMessage):
            lines.append(rollout.EventMsgLine(timestamp="t", payload=p))
        else:
            lines.append(rollout.ResponseItemLine(timestamp="t", payload=p))  # type: ignore[arg-type]
    return RolloutContents(
        path=Path("r.jsonl"),
        meta_line=rollout.SessionMetaLine(timestamp=meta.timestamp, payload=meta),
        lines=lines,
        warnings=[],
    )


def test_no_compaction_keeps_every_item(meta: rollout.SessionMeta) -> None:
    call = items.FunctionCall(name="shell", arguments="{}", call_id="c")
    out = items.FunctionCallOutput(call_id="c", output="ok")
    contents = _contents(meta, user("a"), call, out, assistant("b"), events.UserMessage("a"))
    assert reconstruct_history(contents) == [user("a"), call, out, assistant("b")]


def test_compaction_keeps_user_messages_then_summary(meta: rollout.SessionMeta) -> None:
    contents = _contents(
        meta,
        user("<environment_context>cwd=/w</environment_context>"),
        user("<user_instructions>be nice</user_instructions>"),
        user("first"),
        assistant("ok"),
        items.FunctionCall(name="shell", arguments="{}", call_id="c"),
        items.FunctionCallOutput(call_id="c", output="x"),
        user("second"),
        rollout.CompactedItem(message="SUMMARY 1"),
        assistant("after"),
        user("third"),
        rollout.CompactedItem(message="SUMMARY 2"),
        assistant("last"),
    )
    # Without a summary prefix, the first summary looks like a user message and is kept.
    assert reconstruct_history(contents) == [
        user("first"),
        user("second"),
        user("SUMMARY 1"),
        user("third"),
        user("SUMMARY 2"),
        assistant("last"),
    ]


def test_summary_prefix_drops_earlier_summaries(meta: rollout.SessionMeta) -> None:
    prefix = "Another model summarised:"
    contents = _contents(
        meta,
        user("first"),
        rollout.CompactedItem(message=f"{prefix}\nS1"),
        user("second"),
        rollout.CompactedItem(message=f"{prefix}\nS2"),
    )
    assert reconstruct_history(contents, summary_prefix=prefix) == [
        user("first"),
        user("second"),
        user(f"{prefix}\nS2"),
    ]


def test_replacement_history_wins(meta: rollout.SessionMeta) -> None:
    contents = _contents(
        meta,
        user("old"),
        rollout.CompactedItem(message="s", replacement_history=[user("r1"), assistant("r2")]),
        user("new"),
    )
    assert reconstruct_history(contents) == [user("r1"), assistant("r2"), user("new")]


def test_custom_rebuild_is_used(meta: rollout.SessionMeta) -> None:
    seen: list[tuple[list[items.ResponseItem], str]] = []

    def rebuild(history: list[items.ResponseItem], summary: str) -> list[items.ResponseItem]:
        seen.append((list(history), summary))
        return [assistant(f"rebuilt: {summary}")]

    contents = _contents(meta, user("a"), rollout.CompactedItem(message="S"), user("b"))
    assert reconstruct_history(contents, rebuild=rebuild) == [assistant("rebuilt: S"), user("b")]
    assert seen == [([user("a")], "S")]
    assert resume_state(contents, rebuild=rebuild).history == [assistant("rebuilt: S"), user("b")]


def test_empty_summary_gets_placeholder() -> None:
    assert build_compacted_history([], [], "") == [user(NO_SUMMARY)]


def test_user_message_budget_keeps_newest_and_cuts_middle() -> None:
    old = "o" * 400  # 100 tokens
    mid = "m" * 400
    new = "n" * 200  # 50 tokens
    out = build_compacted_history([user("ctx")], [old, mid, new], "S", max_tokens=120)
    assert out[0] == user("ctx")
    assert out[-1] == user("S")
    texts = [items.message_text(m) for m in out[1:-1] if isinstance(m, items.Message)]
    assert texts[-1] == new
    assert len(texts) == 2
    cut = texts[0]
    assert cut.startswith("m") and cut.endswith("m")
    assert "tokens truncated" in cut
    assert approx_token_count(cut.replace("m", "")) < 20
    assert cut.count("m") <= 70 * 4


def test_collect_user_messages_skips_images_and_roles() -> None:
    only_image = items.Message(role="user", content=[items.InputImage(image_url="data:,")])
    mixed = items.Message(
        role="user",
        content=[
            items.InputText(text="a"),
            items.InputImage(image_url="x"),
            items.InputText(text="b"),
        ],
    )
    got = collect_user_messages(
        [only_image, mixed, assistant("no"), items.Message(role="developer", content=[])]
    )
    assert got == ["a\nb"]


def test_resume_state_takes_the_last_of_each(meta: rollout.SessionMeta) -> None:
    plan1 = events.PlanUpdate(plan=[events.PlanItem(step="a", status="pending")])
    plan2 = events.PlanUpdate(plan=[events.PlanItem(step="a", status="completed")])
    contents = _contents(
        meta,
        turn_context("m1"),
        token_count(10),
        plan1,
        turn_context("m2"),
        token_count(20),
        events.TokenCount(info=None),  # rate-limit-only update does not erase usage
        plan2,
    )
    state = resume_state(contents)
    assert state.turn_context == turn_context("m2")
    assert state.token_usage is not None
    assert state.token_usage.total_token_usage.total_tokens == 20
    assert state.plan == plan2
    assert state.rate_limits is None


def test_resume_state_of_an_empty_session(meta: rollout.SessionMeta) -> None:
    state = resume_state(_contents(meta))
    assert state.history == []
    assert state.turn_context is None
    assert state.token_usage is None
    assert state.plan is None
