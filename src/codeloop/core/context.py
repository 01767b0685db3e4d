"""Context accounting: token totals, "% context left", and when to compact.

The "% left" figure is Codex's: a 12,000-token baseline (instructions, tool specs and room to call
compaction) is taken out of both the window and the usage, so the figure reads 100 % right after the
first prompt and falls toward 0 % as the conversation fills the rest. Reasoning tokens of earlier
turns are not in the context window any more, so they are not counted as used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codeloop.protocol.usage import TokenUsage, TokenUsageInfo

__all__ = [
    "BASELINE_TOKENS",
    "ContextAccount",
    "default_auto_compact_limit",
    "percent_context_left",
    "tokens_in_context_window",
]

BASELINE_TOKENS = 12_000


def tokens_in_context_window(usage: TokenUsage) -> int:
    return max(usage.total_tokens - usage.reasoning_output_tokens, 0)


def percent_context_left(last: TokenUsage, context_window: int) -> int:
    """Whole percent of the window still free, 0..100."""
    if context_window <= BASELINE_TOKENS:
        return 0
    effective = context_window - BASELINE_TOKENS
    used = max(tokens_in_context_window(last) - BASELINE_TOKENS, 0)
    remaining = max(effective - used, 0)
    return int(min(max(remaining / effective * 100.0, 0.0), 100.0))


def default_auto_compact_limit(context_window: int | None) -> int | None:
    """90 % of the window, the default ``model_auto_compact_token_limit``."""
    return None if context_window is None else context_window * 9 // 10


@dataclass
class ContextAccount:
    """Running totals for a session and the compaction trigger."""

    context_window: int | None = None
    auto_compact_limit: int | None = None
    total: TokenUsage = field(default_factory=TokenUsage)
    last: TokenUsage = field(default_factory=TokenUsage)

    def __post_init__(self) -> None:
        if self.auto_compact_limit is None:
            self.auto_compact_limit = default_auto_compact_limit(self.context_window)

    def add(self, usage: TokenUsage) -> None:
        self.total = self.total + usage
        self.last = usage

    def info(self) -> TokenUsageInfo:
        return TokenUsageInfo(
            total_token_usage=self.total,
            last_token_usage=self.last,
            model_context_window=self.context_window,
        )

    def restore(self, info: TokenUsageInfo) -> None:
        """Take the figures of a resumed session."""
        self.total = info.total_token_usage
        self.last = info.last_token_usage

    def reset_last(self) -> None:
        """After compaction the last request's size no longer describes the context."""
        self.last = TokenUsage()

    def percent_left(self) -> int | None:
        if self.context_window is None:
            return None
        return percent_context_left(self.last, self.context_window)

    def needs_compaction(self) -> bool:
        """True when the last request's context use crossed the auto-compact limit."""
        limit = self.auto_compact_limit
        return limit is not None and tokens_in_context_window(self.last) >= limit
