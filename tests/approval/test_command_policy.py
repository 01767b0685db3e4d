"""Command decisions for every approval policy × sandbox mode × escalation, and the retry."""

from __future__ import annotations

import pytest

from codeloop.approval import (
    RETRY_WITHOUT_SANDBOX_REASON,
    ApprovalCache,
    AskUser,
    AutoApprove,
    Reject,
    SafetyCheck,
    assess_command,
    assess_retry_without_sandbox,
    escalation_rejected_message,
)
from codeloop.protocol.policy import (
    AskForApproval,
    DangerFullAccess,
    ReadOnly,
    SandboxPolicy,
    WorkspaceWrite,
)

SANDBOXES: dict[str, SandboxPolicy] = {
    "ro": ReadOnly(),
    "ww": WorkspaceWrite(),
    "dfa": DangerFullAccess(),
}

COMMANDS = {
    "safe": ["ls", "-la"],
    "plain": ["cargo", "build"],
    "danger": ["rm", "-rf", "build"],
    "script": ["bash", "-lc", "cargo build && ls"],
}

# Codes: A1/A0 run unasked sandboxed/unsandboxed; K1/K0 ask, then run sandboxed/unsandboxed;
# RE refused for asking to escalate; RB refused as destructive; RN refused for lack of sandbox.
# Columns: read-only, workspace-write, danger-full-access.
TABLE: dict[tuple[str, AskForApproval, bool], tuple[str, str, str]] = {
    # kind, policy, escalated
    ("safe", "untrusted", False): ("A1", "A1", "A0"),
    ("safe", "on-failure", False): ("A1", "A1", "A0"),
    ("safe", "on-request", False): ("A1", "A1", "A0"),
    ("safe", "never", False): ("A1", "A1", "A0"),
    ("safe", "untrusted", True): ("RE", "RE", "RE"),
    ("safe", "on-failure", True): ("RE", "RE", "RE"),
    ("safe", "on-request", True): ("K0", "K0", "A0"),
    ("safe", "never", True): ("RE", "RE", "RE"),
    ("plain", "untrusted", False): ("K1", "K1", "K0"),
    ("plain", "on-failure", False): ("A1", "A1", "A0"),
    ("plain", "on-request", False): ("A1", "A1", "A0"),
    ("plain", "never", False): ("A1", "A1", "A0"),
    ("plain", "untrusted", True): ("RE", "RE", "RE"),
    ("plain", "on-failure", True): ("RE", "RE", "RE"),
    ("plain", "on-request", True): ("K0", "K0", "A0"),
    ("plain", "never", True): ("RE", "RE", "RE"),
    ("script", "untrusted", False): ("K1", "K1", "K0"),
    ("script", "on-failure", False): ("A1", "A1", "A0"),
    ("script", "on-request", False): ("A1", "A1", "A0"),
    ("script", "never", False): ("A1", "A1", "A0"),
    ("script", "on-request", True): ("K0", "K0", "A0"),
    ("danger", "untrusted", False): ("K1", "K1", "K0"),
    ("danger", "on-failure", False): ("K1", "K1", "K0"),
    ("danger", "on-request", False): ("K1", "K1", "K0"),
    ("danger", "never", False): ("RB", "RB", "A0"),
    ("danger", "untrusted", True): ("RE", "RE", "RE"),
    ("danger", "on-failure", True): ("RE", "RE", "RE"),
    ("danger", "on-request", True): ("K0", "K0", "K0"),
    ("danger", "never", True): ("RE", "RE", "RE"),
}

# The same without a platform sandbox (danger-full-access needs none, so it is unchanged).
NO_SANDBOX_TABLE: dict[tuple[str, AskForApproval, bool], tuple[str, str, str]] = {
    ("safe", "untrusted", False): ("A0", "A0", "A0"),
    ("safe", "on-request", True): ("A0", "A0", "A0"),
    ("safe", "never", False): ("A0", "A0", "A0"),
    ("plain", "untrusted", False): ("K0", "K0", "K0"),
    ("plain", "on-failure", False): ("K0", "K0", "A0"),
    ("plain", "on-request", False): ("K0", "K0", "A0"),
    ("plain", "on-request", True): ("K0", "K0", "A0"),
    ("plain", "never", False): ("RN", "RN", "A0"),
    ("danger", "on-request", False): ("K0", "K0", "K0"),
    ("danger", "never", False): ("RB", "RB", "A0"),
    ("plain", "never", True): ("RE", "RE", "RE"),
}


def code(check: SafetyCheck) -> str:
    match check:
        case AutoApprove(sandboxed=sandboxed):
            return "A1" if sandboxed else "A0"
        case AskUser(sandboxed_if_approved=sandboxed):
            return "K1" if sandboxed else "K0"
        case Reject(reason=reason):
            if reason.startswith("approval policy is"):
                return "RE"
            if reason.endswith("rejected: blocked by policy"):
                return "RB"
            if reason == "auto-rejected because command is not on trusted list":
                return "RN"
            return f"R?{reason}"
    raise AssertionError(check)


def _cases(
    table: dict[tuple[str, AskForApproval, bool], tuple[str, str, str]],
) -> list[tuple[str, AskForApproval, bool, str, str]]:
    return [
        (kind, policy, escalated, sandbox, expected)
        for (kind, policy, escalated), row in table.items()
        for sandbox, expected in zip(SANDBOXES, row, strict=True)
    ]


@pytest.mark.parametrize(("kind", "policy", "escalated", "sandbox", "expected"), _cases(TABLE))
def test_decision_table(
    kind: str, policy: AskForApproval, escalated: bool, sandbox: str, expected: str
) -> None:
    check = assess_command(
        COMMANDS[kind],
        policy=policy,
        sandbox_policy=SANDBOXES[sandbox],
        with_escalated_permissions=escalated,
    )
    assert code(check) == expected
    if isinstance(check, AutoApprove):
        assert not check.user_approved


@pytest.mark.parametrize(
    ("kind", "policy", "escalated", "sandbox", "expected"), _cases(NO_SANDBOX_TABLE)
)
def test_decision_table_without_platform_sandbox(
    kind: str, policy: AskForApproval, escalated: bool, sandbox: str, expected: str
) -> None:
    check = assess_command(
        COMMANDS[kind],
        policy=policy,
        sandbox_policy=SANDBOXES[sandbox],
        with_escalated_permissions=escalated,
        sandbox_available=False,
    )
    assert code(check) == expected


def test_escalation_rejection_tells_the_model_in_codex_words() -> None:
    check = assess_command(
        ["cargo", "build"],
        policy="never",
        sandbox_policy=WorkspaceWrite(),
        with_escalated_permissions=True,
    )
    expected = (
        "approval policy is Never; reject command — you should not ask for escalated "
        "permissions if the approval policy is Never"
    )
    assert check == Reject(expected)
    assert escalation_rejected_message("untrusted").startswith("approval policy is UnlessTrusted;")
    assert escalation_rejected_message("on-failure").startswith("approval policy is OnFailure;")


def test_justification_is_the_reason_shown() -> None:
    check = assess_command(
        ["npm", "install"],
        policy="on-request",
        sandbox_policy=WorkspaceWrite(),
        with_escalated_permissions=True,
        justification="needs the network to install dependencies",
    )
    assert check == AskUser(
        reason="needs the network to install dependencies", sandboxed_if_approved=False
    )


def test_dangerous_rejection_names_the_command() -> None:
    check = assess_command(["rm", "-rf", "my dir"], policy="never", sandbox_policy=ReadOnly())
    assert check == Reject("`rm -rf 'my dir'` rejected: blocked by policy")


def test_empty_command_is_rejected() -> None:
    assert assess_command([], policy="never", sandbox_policy=DangerFullAccess()) == Reject(
        "empty command"
    )


class TestApprovedForSession:
    def test_remembered_command_is_not_asked_again(self) -> None:
        cache = ApprovalCache()
        argv = ["cargo", "build"]
        first = assess_command(
            argv, policy="untrusted", sandbox_policy=WorkspaceWrite(), approved_for_session=cache
        )
        assert first == AskUser(sandboxed_if_approved=True)
        cache.approve_command(argv)
        again = assess_command(
            argv, policy="untrusted", sandbox_policy=WorkspaceWrite(), approved_for_session=cache
        )
        assert again == AutoApprove(sandboxed=True, user_approved=True)

    def test_only_the_exact_argv_is_remembered(self) -> None:
        cache = ApprovalCache()
        cache.approve_command(["cargo", "build"])
        for other in (["cargo", "build", "--release"], ["cargo"], ["bash", "-lc", "cargo build"]):
            check = assess_command(
                other,
                policy="untrusted",
                sandbox_policy=WorkspaceWrite(),
                approved_for_session=cache,
            )
            assert isinstance(check, AskUser), other

    def test_dangerous_command_approved_for_session_runs(self) -> None:
        cache = ApprovalCache()
        argv = ["git", "reset", "--hard"]
        cache.approve_command(argv)
        check = assess_command(
            argv, policy="on-request", sandbox_policy=ReadOnly(), approved_for_session=cache
        )
        assert check == AutoApprove(sandboxed=True, user_approved=True)

    def test_escalated_run_needs_an_escalated_approval(self) -> None:
        cache = ApprovalCache()
        argv = ["npm", "install"]
        cache.approve_command(argv)
        check = assess_command(
            argv,
            policy="on-request",
            sandbox_policy=WorkspaceWrite(),
            with_escalated_permissions=True,
            approved_for_session=cache,
        )
        assert check == AskUser(sandboxed_if_approved=False)
        cache.approve_command(argv, escalated=True)
        check = assess_command(
            argv,
            policy="on-request",
            sandbox_policy=WorkspaceWrite(),
            with_escalated_permissions=True,
            approved_for_session=cache,
        )
        assert check == AutoApprove(sandboxed=False, user_approved=True)
        # An escalated approval also covers the sandboxed run, and stays escalated.
        cache.approve_command(argv)
        assert cache.is_command_approved(argv, escalated=True)

    def test_a_plain_set_of_argv_tuples_works_like_codex_hashset(self) -> None:
        approved = {("cargo", "build")}
        check = assess_command(
            ["cargo", "build"],
            policy="untrusted",
            sandbox_policy=DangerFullAccess(),
            approved_for_session=approved,
        )
        assert check == AutoApprove(sandboxed=False, user_approved=True)

    def test_cache_does_not_override_the_escalation_guard(self) -> None:
        cache = ApprovalCache()
        cache.approve_command(["ls"], escalated=True)
        check = assess_command(
            ["ls"],
            policy="never",
            sandbox_policy=WorkspaceWrite(),
            with_escalated_permissions=True,
            approved_for_session=cache,
        )
        assert isinstance(check, Reject)

    def test_cache_container_protocol(self) -> None:
        cache = ApprovalCache()
        assert ["a"] not in cache
        cache.approve_command(["a"])
        assert ["a"] in cache
        assert ("a",) in cache
        assert "a" not in cache
        assert len(cache) == 1
        cache.clear()
        assert len(cache) == 0


class TestRetryWithoutSandbox:
    @pytest.mark.parametrize("policy", ["untrusted", "on-failure"])
    def test_asks_under_untrusted_and_on_failure(self, policy: AskForApproval) -> None:
        check = assess_retry_without_sandbox(
            ["cargo", "test"], policy=policy, sandbox_policy=WorkspaceWrite()
        )
        assert check == AskUser(reason=RETRY_WITHOUT_SANDBOX_REASON, sandboxed_if_approved=False)
        assert RETRY_WITHOUT_SANDBOX_REASON == "command failed; retry without sandbox?"

    @pytest.mark.parametrize("policy", ["on-request", "never"])
    def test_failure_goes_back_to_the_model_otherwise(self, policy: AskForApproval) -> None:
        check = assess_retry_without_sandbox(
            ["cargo", "test"], policy=policy, sandbox_policy=ReadOnly()
        )
        assert isinstance(check, Reject)

    def test_nothing_to_retry_under_full_access(self) -> None:
        check = assess_retry_without_sandbox(
            ["cargo", "test"], policy="on-failure", sandbox_policy=DangerFullAccess()
        )
        assert isinstance(check, Reject)

    def test_already_approved_is_not_asked_again(self) -> None:
        check = assess_retry_without_sandbox(
            ["cargo", "test"],
            policy="untrusted",
            sandbox_policy=WorkspaceWrite(),
            user_approved=True,
        )
        assert check == AutoApprove(sandboxed=False, user_approved=True)
        cache = ApprovalCache()
        cache.approve_command(["cargo", "test"])
        check = assess_retry_without_sandbox(
            ["cargo", "test"],
            policy="on-failure",
            sandbox_policy=WorkspaceWrite(),
            approved_for_session=cache,
        )
        assert check == AutoApprove(sandboxed=False, user_approved=True)

    def test_custom_reason(self) -> None:
        check = assess_retry_without_sandbox(
            ["curl", "x"],
            policy="on-failure",
            sandbox_policy=WorkspaceWrite(),
            reason='Network access to "x" is blocked by policy.',
        )
        assert isinstance(check, AskUser)
        assert check.reason == 'Network access to "x" is blocked by policy.'
