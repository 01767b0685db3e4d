"""``codeloop apply-patch [PATCH|-]``: apply a patch in Codex's format to the current directory.

The patch comes from the argument, or from stdin when it is absent or ``-``. On success Codex's
summary goes to stdout; on failure one line, ``codeloop: apply-patch: <message>``, goes to stderr
and the exit status is 1 (changes made before the failing hunk stay, as with Codex).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["apply_patch_command"]

_PREFIX = "codeloop: apply-patch: "


def _fail(message: str) -> None:
    click.echo(_PREFIX + " ".join(message.split("\n")), err=True)
    raise SystemExit(1)


@click.command("apply-patch")
@click.argument("patch", required=False, metavar="[PATCH|-]")
def apply_patch_command(patch: str | None) -> None:
    """Apply a patch in Codex's format to the current directory.

    PATCH is the patch text; without it (or with -) the patch is read from stdin.
    """
    from codeloop.errors import PatchError
    from codeloop.tools.apply_patch import apply_patch

    if patch is None or patch == "-":
        try:
            patch = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            _fail(f"the patch on stdin is not UTF-8 (byte offset {exc.start})")
            return
    try:
        result = apply_patch(patch, Path.cwd())
    except PatchError as exc:
        _fail(exc.message)
        return
    click.echo(result.summary, nl=False)
