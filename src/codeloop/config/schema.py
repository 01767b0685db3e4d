"""The configuration as typed msgspec Structs, with Codex's ``config.toml`` key names.

Every table forbids unknown fields: the loader turns msgspec's "unknown field" into a warning and
drops the key, so a typo is reported instead of silently ignored. :class:`Config` is the effective
configuration; :class:`ConfigProfile` is one ``[profiles.NAME]`` table, whose keys override the
top-level ones when the profile is chosen.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from codeloop.config.providers import BUILTIN_PROVIDERS, ModelProviderInfo
from codeloop.errors import ConfigError
from codeloop.protocol.policy import (
    AskForApproval,
    DangerFullAccess,
    ReadOnly,
    SandboxMode,
    SandboxPolicy,
    WorkspaceWrite,
)

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_PROVIDER",
    "DEFAULT_PROJECT_DOC_MAX_BYTES",
    "PROFILE_KEYS",
    "AuthCredentialsStore",
    "Config",
    "ConfigProfile",
    "FileOpener",
    "HistoryConfig",
    "HistoryPersistence",
    "McpServerConfig",
    "OtelConfig",
    "OtelExporter",
    "OtelExporterKind",
    "ProjectConfig",
    "ReasoningEffort",
    "ReasoningSummary",
    "SandboxWorkspaceWrite",
    "ShellEnvironmentInherit",
    "ShellEnvironmentPolicy",
    "ToolsConfig",
    "TrustLevel",
    "TuiConfig",
    "Verbosity",
]

DEFAULT_MODEL = "gpt-5-codex"
DEFAULT_MODEL_PROVIDER = "openai"
#: Codex's default cap on the AGENTS.md text sent with each session.
DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024

ReasoningEffort = Literal["minimal", "low", "medium", "high", "xhigh", "none"]
ReasoningSummary = Literal["auto", "concise", "detailed", "none"]
Verbosity = Literal["low", "medium", "high"]
AuthCredentialsStore = Literal["file", "keyring", "auto"]
FileOpener = Literal["vscode", "vscode-insiders", "windsurf", "cursor", "none"]
HistoryPersistence = Literal["save-all", "none"]
ShellEnvironmentInherit = Literal["all", "core", "none"]
TrustLevel = Literal["trusted", "untrusted"]
OtelExporterKind = Literal["none", "otlp-http", "otlp-grpc"]


class _Table(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Base of every config table: strict about keys, immutable once loaded."""


class SandboxWorkspaceWrite(_Table, frozen=True):
    """``[sandbox_workspace_write]``: what ``sandbox_mode = "workspace-write"`` may touch."""

    writable_roots: list[str] = msgspec.field(default_factory=list)
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class ShellEnvironmentPolicy(_Table, frozen=True):
    """``[shell_environment_policy]``: which variables commands the model runs can see."""

    inherit: ShellEnvironmentInherit = "all"
    #: Keep variables matching ``*KEY*``, ``*SECRET*``, ``*TOKEN*`` (dropped by default).
    ignore_default_excludes: bool = False
    exclude: list[str] = msgspec.field(default_factory=list)
    set: dict[str, str] = msgspec.field(default_factory=dict)
    include_only: list[str] = msgspec.field(default_factory=list)


class HistoryConfig(_Table, frozen=True):
    """``[history]``: the composer history file (``history.jsonl``)."""

    persistence: HistoryPersistence = "save-all"
    max_bytes: int | None = None


class TuiConfig(_Table, frozen=True):
    """``[tui]``: desktop notifications (all, none, or a list of event kinds) and animations."""

    notifications: bool | list[str] = False
    animations: bool = True


class OtelExporter(_Table, frozen=True):
    """The settings under ``exporter = { otlp-http = { ... } }``."""

    endpoint: str
    protocol: Literal["binary", "json"] = "binary"
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class OtelConfig(_Table, frozen=True):
    """``[otel]``: OpenTelemetry export; off (``exporter = "none"``) unless configured."""

    environment: str = "dev"
    exporter: OtelExporterKind | dict[str, OtelExporter] = "none"
    log_user_prompt: bool = False


class ToolsConfig(_Table, frozen=True):
    """``[tools]``: optional model tools."""

    web_search: bool = False
    view_image: bool = True


class McpServerConfig(_Table, frozen=True):
    """``[mcp_servers.NAME]``: a stdio server (``command``) or a streamable HTTP one (``url``)."""

    command: str | None = None
    args: list[str] = msgspec.field(default_factory=list)
    env: dict[str, str] | None = None
    cwd: str | None = None
    url: str | None = None
    bearer_token_env_var: str | None = None
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = None
    enabled: bool = True
    startup_timeout_sec: float | None = None
    tool_timeout_sec: float | None = None
    enabled_tools: list[str] | None = None
    disabled_tools: list[str] | None = None

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url is not None else "stdio"


class ProjectConfig(_Table, frozen=True):
    """``[projects."/path"]``: Codex records whether a folder is trusted here."""

    trust_level: TrustLevel | None = None


class ConfigProfile(_Table, frozen=True, omit_defaults=True):
    """``[profiles.NAME]``: any of these keys overrides the top-level one when chosen.

    Every field is optional (``None`` = not set by the profile). Definitions (``model_providers``,
    ``mcp_servers``, ``projects``) stay top-level, as in Codex.
    """

    model: str | None = None
    model_provider: str | None = None
    approval_policy: AskForApproval | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_workspace_write: SandboxWorkspaceWrite | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    model_context_window: int | None = None
    model_auto_compact_token_limit: int | None = None
    instructions: str | None = None
    developer_instructions: str | None = None
    project_doc_max_bytes: int | None = None
    shell_environment_policy: ShellEnvironmentPolicy | None = None
    notify: list[str] | None = None
    hide_agent_reasoning: bool | None = None
    show_raw_agent_reasoning: bool | None = None
    history: HistoryConfig | None = None
    file_opener: FileOpener | None = None
    cli_auth_credentials_store: AuthCredentialsStore | None = None
    hardening: bool | None = None
    otel: OtelConfig | None = None
    tui: TuiConfig | None = None
    tools: ToolsConfig | None = None
    features: dict[str, bool] | None = None


def _builtin_providers() -> dict[str, ModelProviderInfo]:
    return dict(BUILTIN_PROVIDERS)


class Config(_Table, frozen=True):
    """The effective configuration (defaults < config.toml < profile < ``-c`` < flags)."""

    model: str = DEFAULT_MODEL
    #: Id of an entry of :attr:`model_providers`.
    model_provider: str = DEFAULT_MODEL_PROVIDER
    approval_policy: AskForApproval = "on-request"
    sandbox_mode: SandboxMode = "read-only"
    sandbox_workspace_write: SandboxWorkspaceWrite = msgspec.field(
        default_factory=SandboxWorkspaceWrite
    )
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary = "auto"
    model_verbosity: Verbosity | None = None
    model_context_window: int | None = None
    model_auto_compact_token_limit: int | None = None
    #: Replaces the built-in base instructions (rarely wanted).
    instructions: str | None = None
    #: Added to the conversation as developer instructions.
    developer_instructions: str | None = None
    project_doc_max_bytes: int = DEFAULT_PROJECT_DOC_MAX_BYTES
    shell_environment_policy: ShellEnvironmentPolicy = msgspec.field(
        default_factory=ShellEnvironmentPolicy
    )
    #: A program (and arguments) run with a JSON argument after each turn.
    notify: list[str] | None = None
    hide_agent_reasoning: bool = False
    show_raw_agent_reasoning: bool = False
    history: HistoryConfig = msgspec.field(default_factory=HistoryConfig)
    file_opener: FileOpener = "vscode"
    cli_auth_credentials_store: AuthCredentialsStore = "file"
    #: codeloop-specific: pre-main process hardening (no core dumps, no ptrace, ...).
    hardening: bool = True
    otel: OtelConfig = msgspec.field(default_factory=OtelConfig)
    tui: TuiConfig = msgspec.field(default_factory=TuiConfig)
    tools: ToolsConfig = msgspec.field(default_factory=ToolsConfig)
    features: dict[str, bool] = msgspec.field(default_factory=dict)
    #: Built-in providers plus the user's; the loader refuses user ids that shadow built-ins.
    model_providers: dict[str, ModelProviderInfo] = msgspec.field(
        default_factory=_builtin_providers
    )
    mcp_servers: dict[str, McpServerConfig] = msgspec.field(default_factory=dict)
    projects: dict[str, ProjectConfig] = msgspec.field(default_factory=dict)
    #: Codex remembers dismissed notices here; kept so a copied config loads cleanly.
    notice: dict[str, Any] = msgspec.field(default_factory=dict)
    #: The chosen profile, if any.
    profile: str | None = None
    profiles: dict[str, ConfigProfile] = msgspec.field(default_factory=dict)

    @property
    def provider(self) -> ModelProviderInfo:
        """The provider :attr:`model_provider` names."""
        try:
            return self.model_providers[self.model_provider]
        except KeyError:
            known = ", ".join(sorted(self.model_providers))
            raise ConfigError(
                f"unknown provider {self.model_provider!r} (known: {known})",
                key="model_provider",
            ) from None

    def sandbox_policy(self) -> SandboxPolicy:
        """The protocol's policy for :attr:`sandbox_mode` and ``[sandbox_workspace_write]``."""
        if self.sandbox_mode == "danger-full-access":
            return DangerFullAccess()
        if self.sandbox_mode == "workspace-write":
            sww = self.sandbox_workspace_write
            return WorkspaceWrite(
                writable_roots=list(sww.writable_roots),
                network_access=sww.network_access,
                exclude_tmpdir_env_var=sww.exclude_tmpdir_env_var,
                exclude_slash_tmp=sww.exclude_slash_tmp,
            )
        return ReadOnly()


#: Top-level keys a profile may set (the fields of :class:`ConfigProfile`).
PROFILE_KEYS: frozenset[str] = frozenset(ConfigProfile.__struct_fields__)
