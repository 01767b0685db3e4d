"""``codeloop exec``: run one prompt non-interactively (human output or ``--json``).

    codeloop exec [OPTIONS] [PROMPT|-]
    codeloop exec [OPTIONS] resume [ID | --last] [PROMPT|-]

The prompt is read from stdin when it is absent or ``-``. This module only parses arguments;
:mod:`codeloop.headless.runner` does the work.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from codeloop.cli.options import config_options

__all__ = ["exec_command"]

_SANDBOX_MODES = ("read-only", "workspace-write", "danger-full-access")


def _read_prompt(given: str | None) -> str:
    if given is not None and given != "-":
        return given
    stdin = sys.stdin
    # ClickException, not UsageError: the exec contract wants one line on stderr and status 1.
    if given is None and stdin.isatty():
        raise click.ClickException(
            "no prompt: pass PROMPT as an argument, or pipe it on stdin (codeloop exec - < task.md)"
        )
    text = stdin.read()
    if not text.strip():
        raise click.ClickException("the prompt read from stdin is empty")
    return text


@click.command(
    "exec",
    context_settings={"help_option_names": ["-h", "--help"]},
    short_help="Run one prompt non-interactively.",
)
@click.argument("args", nargs=-1, metavar="[PROMPT|-] | resume [ID|--last] [PROMPT|-]")
@click.option(
    "--json",
    "--experimental-json",
    "as_json",
    is_flag=True,
    help="Print one JSON event per line on stdout (Codex's exec --json schema).",
)
@click.option(
    "-o",
    "--output-last-message",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the final agent message to FILE.",
)
@click.option(
    "--output-schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON Schema file the final message must follow.",
)
@click.option("-m", "--model", help="The model to use.")
@config_options
@click.option(
    "-C",
    "--cd",
    "cd",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if started in DIR.",
)
@click.option(
    "--add-dir",
    "add_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Another writable folder (with workspace-write). Repeatable.",
)
@click.option(
    "-s",
    "--sandbox",
    "sandbox",
    type=click.Choice(_SANDBOX_MODES),
    help="Sandbox policy for commands the model runs.",
)
@click.option(
    "--full-auto", is_flag=True, help="Low-friction automation: --sandbox workspace-write."
)
@click.option(
    "--dangerously-bypass-approvals-and-sandbox",
    "--yolo",
    "yolo",
    is_flag=True,
    help="No sandbox and no approvals. Only inside an environment that is itself safe.",
)
@click.option("--skip-git-repo-check", is_flag=True, help="Allow running outside a git repository.")
@click.option(
    "-i",
    "--image",
    "images",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Attach an image to the prompt. Repeatable.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour in human output.",
)
@click.option(
    "--last",
    "resume_last",
    is_flag=True,
    help="With `resume`: the newest session of this directory.",
)
def exec_command(
    args: tuple[str, ...],
    as_json: bool,
    output_last_message: Path | None,
    output_schema: Path | None,
    model: str | None,
    profile: str | None,
    config_overrides: tuple[str, ...],
    cd: Path | None,
    add_dirs: tuple[Path, ...],
    sandbox: str | None,
    full_auto: bool,
    yolo: bool,
    skip_git_repo_check: bool,
    images: tuple[Path, ...],
    color: str,
    resume_last: bool,
) -> None:
    """Run PROMPT to completion without asking anything, then exit.

    Approvals are never asked for (commands the policy would ask about are refused and the
    model is told). Exit status is 0, or 1 if an error happened.
    """
    from codeloop.headless.runner import ExecRequest, run_exec

    resume = bool(args) and args[0] == "resume"
    rest = list(args[1:] if resume else args)
    resume_id: str | None = None
    if resume and not resume_last and rest:
        resume_id = rest.pop(0)
    if len(rest) > 1:
        raise click.UsageError(f"expected one PROMPT, got {len(rest)} arguments (quote the prompt)")
    prompt = _read_prompt(rest[0] if rest else None)

    flags: dict[str, Any] = {}
    names: dict[str, str] = {}
    if model:
        flags["model"], names["model"] = model, "--model"
    mode = sandbox
    if full_auto and mode is None:
        mode = "workspace-write"
    if yolo:
        mode = "danger-full-access"
    if mode:
        flags["sandbox_mode"], names["sandbox_mode"] = mode, "--sandbox"

    request = ExecRequest(
        prompt=prompt,
        cwd=(cd or Path.cwd()).resolve(),
        json=as_json,
        color=color,  # type: ignore[arg-type]
        images=list(images),
        output_last_message=output_last_message,
        output_schema=output_schema,
        add_dirs=list(add_dirs),
        profile=profile,
        overrides=list(config_overrides),
        flags=flags,
        flag_names=names,
        skip_git_repo_check=skip_git_repo_check,
        resume=resume,
        resume_id=resume_id,
    )
    sys.exit(run_exec(request))
