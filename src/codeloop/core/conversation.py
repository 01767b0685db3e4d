"""Starting and resuming sessions from configuration: what every front end calls.

This is where the parts meet: the loaded config picks the provider and model, the API key comes
from the environment, the model client, the tool registry and the rollout recorder are built, and
the user's instructions are read. Front ends (exec, TUI, MCP server, SDKs) call
:func:`start_session` and then speak only the protocol.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codeloop import __version__
from codeloop.core.compact import build_compacted_history
from codeloop.core.instructions import base_instructions, read_user_instructions
from codeloop.core.model_info import model_info
from codeloop.core.session import Session, SessionSettings
from codeloop.errors import AuthError, SessionStorageError
from codeloop.protocol.policy import WorkspaceWrite

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from codeloop.config.providers import ModelProviderInfo
    from codeloop.config.schema import Config
    from codeloop.protocol.policy import AskForApproval, SandboxPolicy
    from codeloop.protocol.rollout import SessionSource
    from codeloop.sessions.rollout.reconstruct import ResumeState

__all__ = ["SessionOptions", "find_resumable", "resolve_key", "start_session"]

#: Keys that, for the OpenAI provider, take precedence over ``OPENAI_API_KEY`` (as in Codex exec).
_EXEC_KEY_VARS = ("CODELOOP_API_KEY", "CODEX_API_KEY")


@dataclass
class SessionOptions:
    """What a front end decides beyond the config file."""

    cwd: Path
    source: SessionSource = "exec"
    originator: str = "codeloop_exec"
    #: Forced approval policy (``exec`` forces ``never``), else the config's.
    approval_policy: AskForApproval | None = None
    #: Extra writable roots (``--add-dir``).
    add_dirs: tuple[Path, ...] = ()
    output_schema: dict[str, Any] | None = None
    #: Write a rollout under ``home``; ``None`` keeps the session in memory only.
    home: Path | None = None
    #: A rollout to continue (``resume``).
    resume_path: Path | None = None


def resolve_key(
    provider_id: str, provider: ModelProviderInfo, env: Mapping[str, str]
) -> str | None:
    """The API key for ``provider``: ``CODELOOP_API_KEY``/``CODEX_API_KEY`` first for OpenAI,
    then the provider's ``env_key``. A provider without ``env_key`` needs no key."""
    if provider_id == "openai" or provider.requires_openai_auth:
        for name in _EXEC_KEY_VARS:
            if env.get(name):
                return env[name]
    if provider.env_key is None:
        return None
    key = env.get(provider.env_key)
    if key:
        return key
    hint = provider.env_key_instructions or (
        f"export {provider.env_key}=... (or run `codeloop login` when it is available)"
    )
    raise AuthError(f"no API key: {provider.env_key} is not set", hint=hint)


def _writable_roots(policy: SandboxPolicy, cwd: Path, env: Mapping[str, str]) -> list[Path]:
    from codeloop.approval import writable_roots

    return writable_roots(policy, cwd, env)


def _with_added_dirs(policy: SandboxPolicy, dirs: tuple[Path, ...]) -> SandboxPolicy:
    if not dirs or not isinstance(policy, WorkspaceWrite):
        return policy
    roots = [*policy.writable_roots, *(str(d.resolve()) for d in dirs)]
    return WorkspaceWrite(
        writable_roots=roots,
        network_access=policy.network_access,
        exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
        exclude_slash_tmp=policy.exclude_slash_tmp,
    )


def _child_env(config: Config, env: Mapping[str, str]) -> dict[str, str]:
    from codeloop.execution import ShellEnvironmentPolicy, build_child_env

    p = config.shell_environment_policy
    policy = ShellEnvironmentPolicy(
        inherit=p.inherit,
        ignore_default_excludes=p.ignore_default_excludes,
        exclude=tuple(p.exclude),
        set=dict(p.set),
        include_only=tuple(p.include_only),
    )
    child = build_child_env(env, policy)
    # The provider's own key never reaches commands, whatever the policy says.
    for name in (*_EXEC_KEY_VARS, config.provider.env_key):
        if name:
            child.pop(name, None)
    return child


def find_resumable(home: Path, id_or_prefix: str | None, *, cwd: Path | None) -> Path:
    """The rollout to resume: by id (or unique prefix), else the newest one for ``cwd``."""
    from codeloop.sessions.rollout import find_rollout_by_id, list_rollouts, read_session_meta

    if id_or_prefix:
        path = find_rollout_by_id(home, id_or_prefix)
        if path is None:
            raise SessionStorageError(
                f"no session with id {id_or_prefix}",
                hint="list sessions with `codeloop sessions list` or use --last",
            )
        return path
    want = str(cwd.resolve()) if cwd is not None else None
    for entry in list_rollouts(home):
        try:
            meta = read_session_meta(entry.path)
        except SessionStorageError:
            continue
        if want is None or meta.cwd == want:
            return entry.path
    raise SessionStorageError(
        "no earlier session to resume in this directory",
        hint="start one with `codeloop exec PROMPT`",
    )


async def start_session(
    config: Config, options: SessionOptions, *, env: Mapping[str, str] | None = None
) -> Session:
    """Build, start and return a session (new, or resumed from ``options.resume_path``)."""
    from codeloop.gitutil import git_info
    from codeloop.model import ModelSettings, create_client
    from codeloop.sessions.rollout import (
        RolloutRecorder,
        new_session_meta,
        read_rollout,
        resume_state,
    )
    from codeloop.tools import ToolRegistry

    environ = os.environ if env is None else env
    provider = config.provider
    api_key = resolve_key(config.model_provider, provider, environ)
    cwd = options.cwd.resolve()

    state: ResumeState | None = None
    if options.resume_path is not None:
        state = resume_state(read_rollout(options.resume_path), rebuild=build_compacted_history)

    sandbox_policy = _with_added_dirs(config.sandbox_policy(), options.add_dirs)
    approval = options.approval_policy or config.approval_policy
    info = model_info(config.model)
    settings = SessionSettings(
        model=config.model,
        model_provider=config.model_provider,
        cwd=cwd,
        approval_policy=approval,
        sandbox_policy=sandbox_policy,
        base_instructions=config.instructions or base_instructions(),
        user_instructions=read_user_instructions(
            cwd,
            home=options.home,
            max_bytes=config.project_doc_max_bytes,
            extra=config.developer_instructions,
        ),
        reasoning_effort=config.model_reasoning_effort,
        reasoning_summary=config.model_reasoning_summary,
        context_window=config.model_context_window or info.context_window,
        auto_compact_limit=config.model_auto_compact_token_limit,
        output_schema=options.output_schema,
        child_env=_child_env(config, environ),
        writable_roots=_writable_roots(sandbox_policy, cwd, environ),
    )

    recorder = None
    if state is not None and options.resume_path is not None:
        session_id = state.meta.id
        if options.home is not None:
            recorder = RolloutRecorder.resume(options.resume_path, session_id)
    else:
        session_id = str(uuid.uuid4())
        if options.home is not None:
            meta = new_session_meta(
                cwd=str(cwd),
                originator=options.originator,
                cli_version=__version__,
                instructions=settings.user_instructions,
                source=options.source,
                model_provider=config.model_provider,
                git=git_info(cwd),
            )
            session_id = meta.id
            recorder = RolloutRecorder.create(options.home, meta)

    model_settings = ModelSettings(
        model=config.model,
        provider=provider,
        api_key=api_key,
        session_id=session_id,
        reasoning_effort=config.model_reasoning_effort,
        reasoning_summary=config.model_reasoning_summary,
        verbosity=config.model_verbosity,
        originator=options.originator,
        env=dict(environ),
    )
    session: Session

    def notify(msg: Any) -> None:
        session.emit("", msg)

    client = create_client(model_settings, notify=notify)
    session = Session(
        settings,
        session_id=session_id,
        client=client,
        tools=ToolRegistry(),
        recorder=recorder,
        history=state.history if state is not None else None,
    )
    if state is not None:
        if state.token_usage is not None:
            session.account.restore(state.token_usage)
        if state.plan is not None:
            session.session_state["plan"] = state.plan
    await session.start()
    return session
