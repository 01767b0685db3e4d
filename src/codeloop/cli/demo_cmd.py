"""``codeloop demo``: watch the agent fix a failing test, with a scripted model (no key needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["demo_command"]


@click.command("demo", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the scratch repository (default: a new temporary folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Show the exec --json event stream instead.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto")
def demo_command(workdir: Path | None, as_json: bool, color: str) -> None:
    """Run the real agent on a scratch repository with a failing test.

    The model is a fixed script served on 127.0.0.1, so no API key or network is needed; the
    repository, the commands and the patch are real.
    """
    from codeloop.testing.demo import run_demo

    sys.exit(run_demo(workdir=workdir, as_json=as_json, color=color))
