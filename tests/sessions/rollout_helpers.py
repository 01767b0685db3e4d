"""Builders of rollout items for the rollout tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

from codeloop.protocol import events, items, policy, rollout
from codeloop.protocol.usage import TokenUsage, TokenUsageInfo


def user(text: str) -> items.Message:
    return items.Message(role="user", content=[items.InputText(text=text)])


def assistant(text: str) -> items.Message:
    return items.Message(role="assistant", content=[items.OutputText(text=text)])


def turn_context(model: str = "gpt-test") -> rollout.TurnContext:
    return rollout.TurnContext(
        cwd="/work/project",
        approval_policy="on-request",
        sandbox_policy=policy.WorkspaceWrite(writable_roots=["/work/project"]),
        model=model,
        effort="medium",
    )


def token_count(total: int) -> events.TokenCount:
    usage = TokenUsage(input_tokens=total - 10, output_tokens=10, total_tokens=total)
    return events.TokenCount(
        info=TokenUsageInfo(
            total_token_usage=usage, last_token_usage=usage, model_context_window=1000
        )
    )
