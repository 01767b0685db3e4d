"""A person's answer mapped to an action; command display; the pinned public API."""

from __future__ import annotations

import pytest

import codeloop.approval as approval
from codeloop.approval import (
    EXEC_REJECTED_BY_USER,
    PATCH_REJECTED_BY_USER,
    ApprovalCache,
    AskUser,
    AutoApprove,
    ReviewAction,
    ReviewOutcome,
    apply_exec_decision,
    assess_command,
    assess_retry_without_sandbox,
    command_for_display,
    review_outcome,
    shlex_join,
)
from codeloop.protocol.policy import ReviewDecision, WorkspaceWrite


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ("approved", ReviewOutcome(ReviewAction.RUN, sandboxed=True)),
        ("approved_for_session", ReviewOutcome(ReviewAction.RUN_AND_REMEMBER, sandboxed=True)),
        ("denied", ReviewOutcome(ReviewAction.DENY, message=EXEC_REJECTED_BY_USER)),
        ("abort", ReviewOutcome(ReviewAction.ABORT, message=EXEC_REJECTED_BY_USER)),
        ("something-else", ReviewOutcome(ReviewAction.DENY, message=EXEC_REJECTED_BY_USER)),
    ],
)
def test_review_outcome(decision: ReviewDecision, expected: ReviewOutcome) -> None:
    assert review_outcome(decision, sandboxed=True) == expected


def test_outcome_properties_and_patch_wording() -> None:
    assert review_outcome("approved", sandboxed=False).runs
    assert not review_outcome("approved", sandboxed=False).ends_turn
    denied = review_outcome("denied", sandboxed=False, subject="patch")
    assert denied.message == PATCH_REJECTED_BY_USER == "patch rejected by user"
    assert not denied.runs
    assert not denied.ends_turn
    aborted = review_outcome("abort", sandboxed=False, subject="patch")
    assert aborted.ends_turn
    assert EXEC_REJECTED_BY_USER == "exec command rejected by user"


def test_apply_exec_decision_remembers_only_for_session() -> None:
    cache = ApprovalCache()
    ask = AskUser(sandboxed_if_approved=True)
    argv = ["cargo", "build"]
    assert apply_exec_decision("approved", argv, ask, cache).action is ReviewAction.RUN
    assert argv not in cache
    assert apply_exec_decision("denied", argv, ask, cache).action is ReviewAction.DENY
    assert argv not in cache
    outcome = apply_exec_decision("approved_for_session", argv, ask, cache)
    assert outcome == ReviewOutcome(ReviewAction.RUN_AND_REMEMBER, sandboxed=True)
    assert cache.is_command_approved(argv)
    assert not cache.is_command_approved(argv, escalated=True)
    apply_exec_decision("approved_for_session", argv, ask, cache, with_escalated_permissions=True)
    assert cache.is_command_approved(argv, escalated=True)


def test_on_failure_flow_end_to_end() -> None:
    """Sandboxed run fails, the person allows it unsandboxed for the session, never asked again."""
    cache = ApprovalCache()
    argv = ["pip", "install", "x"]
    first = assess_command(
        argv, policy="on-failure", sandbox_policy=WorkspaceWrite(), approved_for_session=cache
    )
    assert first == AutoApprove(sandboxed=True)
    retry = assess_retry_without_sandbox(
        argv, policy="on-failure", sandbox_policy=WorkspaceWrite(), approved_for_session=cache
    )
    assert isinstance(retry, AskUser)
    outcome = apply_exec_decision("approved_for_session", argv, retry, cache)
    assert outcome.runs
    assert not outcome.sandboxed
    again = assess_retry_without_sandbox(
        argv, policy="on-failure", sandbox_policy=WorkspaceWrite(), approved_for_session=cache
    )
    assert again == AutoApprove(sandboxed=False, user_approved=True)


@pytest.mark.parametrize(
    ("argv", "joined", "friendly"),
    [
        (["bash", "-lc", "ls"], "bash -lc ls", "ls"),
        (["bash", "-lc", "ls -la | wc -l"], "bash -lc 'ls -la | wc -l'", "ls -la | wc -l"),
        (["/bin/zsh", "-lc", "echo 'hi'"], "/bin/zsh -lc 'echo '\"'\"'hi'\"'\"''", "echo 'hi'"),
        (["ls", "-la", "my dir"], "ls -la 'my dir'", "ls -la 'my dir'"),
        (["echo", ""], "echo ''", "echo ''"),
        (["bash", "-lc", "a", "b"], "bash -lc a b", "bash -lc a b"),
    ],
)
def test_display(argv: list[str], joined: str, friendly: str) -> None:
    assert shlex_join(argv) == joined
    assert command_for_display(argv) == friendly


def test_public_api_is_pinned() -> None:
    assert sorted(approval.__all__) == sorted(
        [
            "EXEC_REJECTED_BY_USER",
            "OUTSIDE_PROJECT_REJECTED",
            "PATCH_REJECTED_BY_USER",
            "RETRY_WITHOUT_SANDBOX_REASON",
            "ApprovalCache",
            "AskUser",
            "AutoApprove",
            "Reject",
            "ReviewAction",
            "ReviewOutcome",
            "SafetyCheck",
            "SessionApprovals",
            "WritableRoot",
            "apply_exec_decision",
            "apply_patch_decision",
            "assess_command",
            "assess_patch",
            "assess_patch_retry_without_sandbox",
            "assess_retry_without_sandbox",
            "command_for_display",
            "command_might_be_dangerous",
            "escalation_rejected_message",
            "extract_shell_script",
            "is_command_approved_for_session",
            "is_known_safe_command",
            "is_path_writable",
            "parse_shell_lc_plain_commands",
            "parse_shell_script",
            "paths_from_changes",
            "resolve_path",
            "review_outcome",
            "shlex_join",
            "writable_root_specs",
            "writable_roots",
        ]
    )
    for name in approval.__all__:
        assert hasattr(approval, name), name
