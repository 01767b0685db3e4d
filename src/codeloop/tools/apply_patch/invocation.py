"""Recognising an ``apply_patch`` call inside a shell command (codex-rs ``invocation.rs``).

Models call apply_patch through the shell tool in a few shapes, which the shell tool hands here
before running anything so the patch is applied (and approved) as a patch:

- ``["apply_patch", PATCH]`` or ``["applypatch", PATCH]`` (PATCH may itself be wrapped in a
  heredoc, which the parser accepts);
- ``[SHELL, FLAG, SCRIPT]`` with ``bash``/``zsh``/``sh`` and ``-lc``/``-c``, ``pwsh``/
  ``powershell`` and ``-Command`` (optionally after ``-NoProfile``), or ``cmd`` and ``/c``, where
  SCRIPT is exactly ``apply_patch <<'EOF'`` ... ``EOF``, optionally preceded by ``cd DIR &&``
  (DIR a bare word or a quoted string; it becomes the working directory).

Like Codex (which matches a tree-sitter query) anything else in the script, such as a command
before or after, ``;``/``||``/``|`` instead of ``&&``, a second ``cd``, or an argument to
``apply_patch``, means "not an apply_patch call", and the script runs as a normal command.
A bare patch given as the whole command (or script) is a mistake the model must hear about:
:func:`plan_invocation` refuses it with Codex's message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING

from codeloop.errors import PatchError
from codeloop.tools.apply_patch.applier import plan_patch
from codeloop.tools.apply_patch.diff import DEFAULT_CONTEXT
from codeloop.tools.apply_patch.parser import parse_patch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from codeloop.tools.apply_patch.applier import FileChange

__all__ = [
    "APPLY_PATCH_COMMANDS",
    "IMPLICIT_INVOCATION_MESSAGE",
    "ApplyPatchInvocation",
    "PlannedInvocation",
    "extract_patch_from_argv",
    "is_implicit_invocation",
    "parse_apply_patch_invocation",
    "plan_invocation",
]

APPLY_PATCH_COMMANDS = ("apply_patch", "applypatch")
IMPLICIT_INVOCATION_MESSAGE = (
    'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'
)

_CD_TARGET = (
    r"(?:(?P<cd_word>[^\s;&|<>()'\"`$\\#]+)"
    r"|'(?P<cd_single>[^']*)'"
    r"|\"(?P<cd_double>[^\"$`\\]*)\")"
)
_SCRIPT_HEAD = re.compile(
    r"[ \t\r\n]*"
    rf"(?:cd[ \t]+{_CD_TARGET}[ \t]*&&[ \t]*)?"
    r"(?:apply_patch|applypatch)[ \t]*<<(?P<dash>-?)[ \t]*"
    r"(?:'(?P<word_single>[^'\n]+)'|\"(?P<word_double>[^\"\n]+)\"|(?P<word>[A-Za-z0-9_]+))"
    r"[ \t]*\r?\n"
)


@dataclass(frozen=True, slots=True)
class ApplyPatchInvocation:
    """A recognised call: the patch text, and the ``cd`` directory when there was one."""

    patch: str
    workdir: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedInvocation:
    """A recognised call planned against its working directory (``cwd`` joined with any ``cd``)."""

    patch: str
    cwd: Path
    changes: list[FileChange]


def parse_apply_patch_invocation(argv: Sequence[str]) -> ApplyPatchInvocation | None:
    """The apply_patch call ``argv`` makes, or ``None`` when it is some other command.

    The patch text is not parsed here (see :func:`plan_invocation`).
    """
    if len(argv) == 2 and argv[0] in APPLY_PATCH_COMMANDS:
        return ApplyPatchInvocation(patch=argv[1])
    script = _shell_script(argv)
    if script is None:
        return None
    return _heredoc_invocation(script)


def extract_patch_from_argv(argv: Sequence[str]) -> str | None:
    """Just the patch text of :func:`parse_apply_patch_invocation`."""
    invocation = parse_apply_patch_invocation(argv)
    return None if invocation is None else invocation.patch


def is_implicit_invocation(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is a patch on its own (as the command, or as a shell script)."""
    candidates = [argv[0]] if len(argv) == 1 else []
    script = _shell_script(argv)
    if script is not None:
        candidates.append(script)
    for text in candidates:
        try:
            parse_patch(text)
        except PatchError:
            continue
        return True
    return False


def plan_invocation(
    argv: Sequence[str], cwd: str | os.PathLike[str], *, diff_context: int = DEFAULT_CONTEXT
) -> PlannedInvocation | None:
    """Codex's ``maybe_parse_apply_patch_verified``: ``None`` when ``argv`` is not an apply_patch
    call; else its planned changes. Raises :class:`~codeloop.errors.PatchError` for a bare patch
    (``IMPLICIT_INVOCATION_MESSAGE``) and for a patch that does not parse or apply."""
    if is_implicit_invocation(argv):
        raise PatchError(IMPLICIT_INVOCATION_MESSAGE)
    invocation = parse_apply_patch_invocation(argv)
    if invocation is None:
        return None
    base = Path(os.path.abspath(cwd))
    effective = base / invocation.workdir if invocation.workdir is not None else base
    changes = plan_patch(invocation.patch, effective, diff_context=diff_context)
    return PlannedInvocation(patch=invocation.patch, cwd=effective, changes=changes)


def _shell_name(program: str) -> str:
    """``/bin/bash`` -> ``bash``, ``C:\\...\\PowerShell.exe`` -> ``powershell``."""
    return PureWindowsPath(program).stem.lower()


def _shell_script(argv: Sequence[str]) -> str | None:
    """The script of ``SHELL FLAG SCRIPT`` for the shells Codex recognises, else ``None``."""
    if len(argv) == 4 and _shell_name(argv[0]) in ("pwsh", "powershell"):
        if argv[1].lower() != "-noprofile":
            return None
        argv = [argv[0], argv[2], argv[3]]
    if len(argv) != 3:
        return None
    shell, flag, script = _shell_name(argv[0]), argv[1], argv[2]
    if shell in ("bash", "zsh", "sh") and flag in ("-lc", "-c"):
        return script
    if shell in ("pwsh", "powershell") and flag.lower() == "-command":
        return script
    if shell == "cmd" and flag.lower() == "/c":
        return script
    return None


def _heredoc_invocation(script: str) -> ApplyPatchInvocation | None:
    """``[cd DIR &&] apply_patch <<WORD`` + body + ``WORD`` and nothing else, else ``None``."""
    head = _SCRIPT_HEAD.match(script)
    if head is None:
        return None
    word = head["word_single"] or head["word_double"] or head["word"]
    body_lines: list[str] = []
    rest = script[head.end() :].split("\n")
    for index, line in enumerate(rest):
        candidate = line.lstrip("\t") if head["dash"] else line
        if candidate.rstrip() == word:
            if any(tail.strip() for tail in rest[index + 1 :]):
                return None  # something runs after the heredoc
            workdir = head["cd_word"] or head["cd_single"] or head["cd_double"]
            body = "\n".join(body_lines).rstrip("\n")
            return ApplyPatchInvocation(patch=body, workdir=workdir)
        body_lines.append(line)
    return None  # the heredoc never ends
