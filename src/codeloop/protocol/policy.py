"""Approval and sandbox policies and review decisions, shared by config, core and front ends."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "AskForApproval",
    "DangerFullAccess",
    "ReadOnly",
    "ReviewDecision",
    "SandboxMode",
    "SandboxPolicy",
    "WorkspaceWrite",
]

#: When the user is asked before a command runs (Codex's ``approval_policy``).
AskForApproval = Literal["untrusted", "on-failure", "on-request", "never"]

#: The config-file spelling of a sandbox policy (Codex's ``sandbox_mode``).
SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]

#: What a person answered to an approval request.
ReviewDecision = Literal["approved", "approved_for_session", "denied", "abort"]


class ReadOnly(msgspec.Struct, tag="read-only", tag_field="type", frozen=True):
    pass


class WorkspaceWrite(msgspec.Struct, tag="workspace-write", tag_field="type", frozen=True):
    writable_roots: list[str] = msgspec.field(default_factory=list)
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class DangerFullAccess(msgspec.Struct, tag="danger-full-access", tag_field="type", frozen=True):
    pass


SandboxPolicy = ReadOnly | WorkspaceWrite | DangerFullAccess
