"""The click group: global options, and subcommands loaded lazily from one module each."""

from __future__ import annotations

import importlib
from typing import Any

import click

from codeloop import __version__

# name -> (module, attribute, one-line help). The help is here so that ``codeloop --help`` does
# not import every subcommand's module (and through it httpx, rich, ...).
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("codeloop.cli.config_cmd", "config_group", "Show and check the configuration."),
    "demo": (
        "codeloop.cli.demo_cmd",
        "demo_command",
        "Watch the agent fix a failing test (scripted model, no API key needed).",
    ),
    "exec": ("codeloop.cli.exec_cmd", "exec_command", "Run one prompt non-interactively."),
    "apply-patch": (
        "codeloop.cli.apply_patch_cmd",
        "apply_patch_command",
        "Apply a patch in Codex's format to the current directory.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = SUBCOMMANDS.get(cmd_name)
        if spec is None:
            return super().get_command(ctx, cmd_name)
        module = importlib.import_module(spec[0])
        command = getattr(module, spec[1])
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
            raise TypeError(f"{spec[0]}.{spec[1]} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][2]) for name in sorted(SUBCOMMANDS)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="codeloop")
def cli() -> None:
    """codeloop: a terminal coding agent.

    It asks a language model what to do, runs the commands and file edits the model proposes
    inside a sandbox, under an approval policy, and records the session so it can be resumed.
    """
