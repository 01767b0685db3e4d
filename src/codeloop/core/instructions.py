"""What the model is told besides the conversation: base instructions, AGENTS.md, environment.

- Base instructions ship as a resource file (``prompts/base_instructions.md``); config
  ``instructions`` replaces them.
- User instructions come from ``$CODELOOP_HOME/AGENTS.md`` and the project's ``AGENTS.md`` files
  from the repository root down to the cwd (``AGENTS.override.md`` wins in its folder), joined and
  cut to ``project_doc_max_bytes``. They are sent as a ``<user_instructions>`` user message, as
  Codex does, so models trained on Codex transcripts read them the same way.
- The environment context (cwd, approval policy, sandbox mode, network access, writable roots,
  shell) is an ``<environment_context>`` user message.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.protocol.items import InputText, Message
from codeloop.protocol.policy import AskForApproval, DangerFullAccess, SandboxPolicy, WorkspaceWrite

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AGENTS_FILENAMES",
    "DEFAULT_PROJECT_DOC_MAX_BYTES",
    "base_instructions",
    "discover_project_docs",
    "environment_context_message",
    "read_user_instructions",
    "user_instructions_message",
]

DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024
#: Looked for in each folder, first found wins.
AGENTS_FILENAMES: tuple[str, ...] = ("AGENTS.override.md", "AGENTS.md")
_PROJECT_DOC_SEPARATOR = "\n\n--- project-doc ---\n\n"


@cache
def base_instructions() -> str:
    """The built-in system instructions (read once per process)."""
    return (
        resources.files("codeloop.core")
        .joinpath("prompts/base_instructions.md")
        .read_text(encoding="utf-8")
    )


def _find_repo_root(cwd: Path) -> Path | None:
    """The nearest ancestor holding ``.git`` (a folder or a worktree file), without running git."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _read_first(folder: Path, names: Sequence[str]) -> str | None:
    for name in names:
        path = folder / name
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def discover_project_docs(cwd: Path, names: Sequence[str] = AGENTS_FILENAMES) -> list[Path]:
    """The AGENTS.md files that apply to ``cwd``: repository root first, cwd last.

    Outside a repository only the cwd itself is searched.
    """
    cwd = cwd.resolve()
    root = _find_repo_root(cwd) or cwd
    chain = [cwd, *cwd.parents]
    folders = list(reversed(chain[: chain.index(root) + 1]))
    found: list[Path] = []
    for folder in folders:
        for name in names:
            path = folder / name
            if path.is_file():
                found.append(path)
                break
    return found


def _cut_to_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def read_user_instructions(
    cwd: Path,
    *,
    home: Path | None,
    max_bytes: int = DEFAULT_PROJECT_DOC_MAX_BYTES,
    extra: str | None = None,
) -> str | None:
    """Global AGENTS.md, config ``developer_instructions`` (``extra``) and project docs, joined.

    The project docs together are cut to ``max_bytes`` (0 disables them), as Codex's
    ``project_doc_max_bytes``; the global file is not counted against it.
    """
    parts: list[str] = []
    if home is not None:
        global_doc = _read_first(home, AGENTS_FILENAMES)
        if global_doc and global_doc.strip():
            parts.append(global_doc.strip())
    if extra and extra.strip():
        parts.append(extra.strip())
    project: list[str] = []
    if max_bytes > 0:
        budget = max_bytes
        for path in discover_project_docs(cwd):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if not text.strip():
                continue
            cut = _cut_to_bytes(text, budget)
            project.append(cut.strip())
            if cut != text:
                break  # the budget ran out inside this file
            budget -= len(cut.encode("utf-8"))
            if budget <= 0:
                break
    user = "\n\n".join(parts)
    docs = "\n\n".join(project)
    if user and docs:
        return user + _PROJECT_DOC_SEPARATOR + docs
    return (user or docs) or None


def user_instructions_message(text: str) -> Message:
    return Message(
        role="user",
        content=[InputText(text=f"<user_instructions>\n\n{text}\n\n</user_instructions>")],
    )


def _sandbox_mode(policy: SandboxPolicy) -> str:
    if isinstance(policy, DangerFullAccess):
        return "danger-full-access"
    if isinstance(policy, WorkspaceWrite):
        return "workspace-write"
    return "read-only"


def environment_context_message(
    *,
    cwd: Path,
    approval_policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    writable_roots: Sequence[Path] = (),
    shell: str | None = None,
) -> Message:
    """The ``<environment_context>`` message telling the model where and how it runs."""
    open_network = isinstance(sandbox_policy, DangerFullAccess) or (
        isinstance(sandbox_policy, WorkspaceWrite) and sandbox_policy.network_access
    )
    network = "enabled" if open_network else "restricted"
    shell_name = shell or Path(os.environ.get("SHELL", "bash")).name
    lines = [
        "<environment_context>",
        f"  <cwd>{cwd}</cwd>",
        f"  <approval_policy>{approval_policy}</approval_policy>",
        f"  <sandbox_mode>{_sandbox_mode(sandbox_policy)}</sandbox_mode>",
        f"  <network_access>{network}</network_access>",
    ]
    if writable_roots and isinstance(sandbox_policy, WorkspaceWrite):
        lines.append("  <writable_roots>")
        lines.extend(f"    <root>{root}</root>" for root in writable_roots)
        lines.append("  </writable_roots>")
    lines.append(f"  <shell>{shell_name}</shell>")
    lines.append("</environment_context>")
    return Message(role="user", content=[InputText(text="\n".join(lines))])
