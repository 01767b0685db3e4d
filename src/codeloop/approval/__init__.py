"""Approvals: when a command or patch runs unasked, asks a person first, or is refused.

Mirrors the Codex CLI. Modules, one concern each:

- :mod:`~codeloop.approval.safety`: the verdict types (``AutoApprove``, ``AskUser``, ``Reject``)
- :mod:`~codeloop.approval.shell_parse`: ``bash -lc "<script>"`` into plain commands, or ``None``
- :mod:`~codeloop.approval.known_safe`: read-only commands that never need asking
- :mod:`~codeloop.approval.dangerous`: destructive commands that always deserve asking
- :mod:`~codeloop.approval.display`: how a command is shown (exact and friendly)
- :mod:`~codeloop.approval.cache`: the session's "always allow" memory
- :mod:`~codeloop.approval.roots`: writable roots of a sandbox policy (shared with ``sandbox``)
- :mod:`~codeloop.approval.command_policy`: the decision for a command and its unsandboxed retry
- :mod:`~codeloop.approval.patch_policy`: the decision for an ``apply_patch`` edit
- :mod:`~codeloop.approval.decisions`: what a person's answer means
"""

from __future__ import annotations

from codeloop.approval.cache import ApprovalCache
from codeloop.approval.command_policy import (
    RETRY_WITHOUT_SANDBOX_REASON,
    SessionApprovals,
    assess_command,
    assess_retry_without_sandbox,
    escalation_rejected_message,
    is_command_approved_for_session,
)
from codeloop.approval.dangerous import command_might_be_dangerous
from codeloop.approval.decisions import (
    EXEC_REJECTED_BY_USER,
    PATCH_REJECTED_BY_USER,
    ReviewAction,
    ReviewOutcome,
    apply_exec_decision,
    apply_patch_decision,
    review_outcome,
)
from codeloop.approval.display import command_for_display, shlex_join
from codeloop.approval.known_safe import is_known_safe_command
from codeloop.approval.patch_policy import (
    OUTSIDE_PROJECT_REJECTED,
    assess_patch,
    assess_patch_retry_without_sandbox,
    paths_from_changes,
)
from codeloop.approval.roots import (
    WritableRoot,
    is_path_writable,
    resolve_path,
    writable_root_specs,
    writable_roots,
)
from codeloop.approval.safety import AskUser, AutoApprove, Reject, SafetyCheck
from codeloop.approval.shell_parse import (
    extract_shell_script,
    parse_shell_lc_plain_commands,
    parse_shell_script,
)

__all__ = [
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
