"""Context accounting: Codex's "% context left" formula and the compaction trigger."""

from __future__ import annotations

from codeloop.core.context import (
    BASELINE_TOKENS,
    ContextAccount,
    percent_context_left,
)
from codeloop.core.model_info import model_info
from codeloop.protocol.usage import TokenUsage


def test_percent_left_reads_100_at_the_baseline() -> None:
    assert percent_context_left(TokenUsage(total_tokens=BASELINE_TOKENS), 100_000) == 100
    assert percent_context_left(TokenUsage(total_tokens=0), 100_000) == 100


def test_percent_left_falls_with_usage_and_ignores_reasoning() -> None:
    window = 112_000  # effective 100,000
    used = TokenUsage(total_tokens=BASELINE_TOKENS + 25_000)
    assert percent_context_left(used, window) == 75
    with_reasoning = TokenUsage(
        total_tokens=BASELINE_TOKENS + 35_000, reasoning_output_tokens=10_000
    )
    assert percent_context_left(with_reasoning, window) == 75
    assert percent_context_left(TokenUsage(total_tokens=500_000), window) == 0
    assert percent_context_left(TokenUsage(total_tokens=1), BASELINE_TOKENS) == 0


def test_account_totals_and_trigger() -> None:
    acct = ContextAccount(context_window=100_000)
    assert acct.auto_compact_limit == 90_000
    acct.add(TokenUsage(input_tokens=10, output_tokens=5, total_tokens=15))
    acct.add(TokenUsage(input_tokens=20, output_tokens=5, total_tokens=25))
    assert acct.total.total_tokens == 40 and acct.last.total_tokens == 25
    assert not acct.needs_compaction()
    acct.add(TokenUsage(total_tokens=90_000))
    assert acct.needs_compaction()
    assert acct.info().model_context_window == 100_000


def test_unknown_window_never_compacts() -> None:
    acct = ContextAccount(context_window=None)
    acct.add(TokenUsage(total_tokens=10**9))
    assert acct.percent_left() is None and not acct.needs_compaction()


def test_model_info_by_longest_prefix() -> None:
    assert model_info("gpt-5-codex").apply_patch_tool == "freeform"
    assert model_info("gpt-5-codex").context_window == 272_000
    assert model_info("o3-mini").reasoning
    assert not model_info("gpt-4o-mini").reasoning
    assert model_info("openrouter/qwen2.5-coder").context_window == 32_768
    assert model_info("something-else").context_window is None
