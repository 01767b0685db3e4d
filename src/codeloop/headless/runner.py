"""``codeloop exec``: one prompt, run to the end without a person, then exit.

The runner loads the config, starts (or resumes) a session with approvals forced to ``never``,
submits the prompt, renders every event (human or ``--json``), shuts the session down when the
turn ends, and returns the exit status: 0, or 1 when an error event happened. Ctrl-C interrupts
the turn (commands are killed, the rollout records ``turn_aborted``) and a second Ctrl-C exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeloop.errors import CodeloopError
from codeloop.protocol.events import TurnAborted, TurnComplete
from codeloop.protocol.ops import Interrupt, LocalImage, Shutdown, TextInput, UserInput

if TYPE_CHECKING:
    from pathlib import Path

    from codeloop.core.session import Session
    from codeloop.headless.human import ColorMode

__all__ = ["ExecRequest", "ExecUsageError", "run_exec"]


class ExecUsageError(Exception):
    """A problem with how exec was called: printed as one line, exit status 1."""


@dataclass
class ExecRequest:
    prompt: str
    cwd: Path
    json: bool = False
    color: ColorMode = "auto"
    images: list[Path] = field(default_factory=list)
    output_last_message: Path | None = None
    output_schema: Path | None = None
    add_dirs: list[Path] = field(default_factory=list)
    profile: str | None = None
    overrides: list[str] = field(default_factory=list)
    #: Dotted config keys set by flags (``model``, ``sandbox_mode``, ...); ``None`` = not given.
    flags: dict[str, Any] = field(default_factory=dict)
    flag_names: dict[str, str] = field(default_factory=dict)
    skip_git_repo_check: bool = False
    resume: bool = False
    resume_id: str | None = None
    home: Path | None = None
    env: dict[str, str] | None = None


def _load_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ExecUsageError(f"cannot read --output-schema {path}: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise ExecUsageError(
            f"--output-schema {path}:{err.lineno}: not valid JSON: {err.msg}"
        ) from err
    if not isinstance(schema, dict):
        raise ExecUsageError(f"--output-schema {path}: the schema must be a JSON object")
    return schema


def _diagnostic(kind: str, text: str) -> None:
    """One plain line on stderr (no rich: ``--json`` runs never import it, and the line is never
    wrapped)."""
    sys.stderr.write(f"{kind}: {text}\n")
    sys.stderr.flush()


def run_exec(req: ExecRequest) -> int:
    """Run the request; returns the process exit status."""
    return asyncio.run(_run(req))


async def _run(req: ExecRequest) -> int:
    from codeloop.config.home import codeloop_home
    from codeloop.config.loader import load_config
    from codeloop.core.conversation import SessionOptions, find_resumable, start_session
    from codeloop.gitutil import is_inside_git_repo

    try:
        if not req.cwd.is_dir():
            raise ExecUsageError(f"--cd {req.cwd}: no such directory")
        if not req.skip_git_repo_check and not is_inside_git_repo(req.cwd):
            raise ExecUsageError(
                "not inside a git repository: run codeloop in a repository you trust, or pass "
                "--skip-git-repo-check"
            )
        for image in req.images:
            if not image.is_file():
                raise ExecUsageError(f"--image {image}: no such file")
        loaded = load_config(
            home=req.home,
            profile=req.profile,
            overrides=req.overrides,
            flags=req.flags,
            flag_names=req.flag_names,
            cwd=req.cwd,
            env=req.env,
        )
        for warning in loaded.warnings:
            _diagnostic("warning", warning)
        schema = _load_schema(req.output_schema) if req.output_schema else None
        home = req.home or codeloop_home(req.env)
        resume_path = find_resumable(home, req.resume_id, cwd=req.cwd) if req.resume else None
        session = await start_session(
            loaded.config,
            SessionOptions(
                cwd=req.cwd,
                source="exec",
                originator="codeloop_exec",
                approval_policy="never",
                add_dirs=tuple(req.add_dirs),
                output_schema=schema,
                home=home,
                resume_path=resume_path,
            ),
            env=req.env,
        )
    except ExecUsageError as err:
        _diagnostic("error", str(err))
        return 1
    except CodeloopError as err:
        _diagnostic("error", err.message)
        if err.hint:
            _diagnostic("hint", err.hint)
        return 1
    return await _drive(session, req)


async def _drive(session: Session, req: ExecRequest) -> int:
    from codeloop.headless.human import HumanRenderer, make_console
    from codeloop.headless.jsonl import ExecJsonTranslator
    from codeloop.protocol.events import AgentMessage
    from codeloop.protocol.exec_json import encode_line

    translator = ExecJsonTranslator() if req.json else None
    human = None if req.json else HumanRenderer(make_console(req.color))
    last_message: str | None = None
    interrupts = 0
    pending: set[asyncio.Task[str]] = set()

    def on_sigint() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            raise KeyboardInterrupt
        task = asyncio.ensure_future(session.submit(Interrupt()))
        pending.add(task)
        task.add_done_callback(pending.discard)

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)

    items: list[TextInput | LocalImage] = [TextInput(text=req.prompt)]
    items.extend(LocalImage(path=str(p.resolve())) for p in req.images)
    await session.submit(UserInput(items=items))
    out = sys.stdout.buffer
    async for event in session.events():
        msg = event.msg
        if isinstance(msg, AgentMessage):
            last_message = msg.message
        if translator is not None:
            lines = translator.translate(msg)
            if lines:
                out.write(b"".join(encode_line(ev) for ev in lines))
                out.flush()
        elif human is not None:
            human.render(msg)
        if isinstance(msg, TurnComplete | TurnAborted):
            await session.submit(Shutdown())
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.remove_signal_handler(signal.SIGINT)

    if req.output_last_message is not None:
        req.output_last_message.write_text(last_message or "", encoding="utf-8")
    if human is not None and last_message:
        sys.stdout.write(last_message.rstrip("\n") + "\n")
        sys.stdout.flush()
    had_error = (translator.had_error if translator else False) or (
        human.had_error if human else False
    )
    return 1 if had_error else 0
