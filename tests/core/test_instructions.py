"""Base instructions, AGENTS.md discovery and the environment context message."""

from __future__ import annotations

from pathlib import Path

from codeloop.core.instructions import (
    base_instructions,
    discover_project_docs,
    environment_context_message,
    read_user_instructions,
    user_instructions_message,
)
from codeloop.protocol.items import message_text
from codeloop.protocol.policy import ReadOnly, WorkspaceWrite


def test_base_instructions_ship_as_a_resource() -> None:
    text = base_instructions()
    assert "apply_patch" in text and "*** Begin Patch" in text


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    sub = root / "pkg" / "mod"
    sub.mkdir(parents=True)
    (root / ".git").mkdir()
    return root, sub


def test_agents_files_from_repo_root_down_to_cwd(tmp_path: Path) -> None:
    root, sub = _repo(tmp_path)
    (tmp_path / "AGENTS.md").write_text("outside the repo", encoding="utf-8")
    (root / "AGENTS.md").write_text("root rules", encoding="utf-8")
    (root / "pkg" / "AGENTS.md").write_text("pkg rules", encoding="utf-8")
    (sub / "AGENTS.md").write_text("mod rules", encoding="utf-8")
    (sub / "AGENTS.override.md").write_text("mod override", encoding="utf-8")
    docs = discover_project_docs(sub)
    assert docs == [
        root / "AGENTS.md",
        root / "pkg" / "AGENTS.md",
        sub / "AGENTS.override.md",
    ]
    text = read_user_instructions(sub, home=None)
    assert text == "root rules\n\npkg rules\n\nmod override"


def test_outside_a_repo_only_cwd_is_searched(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("parent", encoding="utf-8")
    cwd = tmp_path / "work"
    cwd.mkdir()
    (cwd / "AGENTS.md").write_text("here", encoding="utf-8")
    assert discover_project_docs(cwd) == [cwd / "AGENTS.md"]


def test_global_and_project_docs_are_joined_and_cut(tmp_path: Path) -> None:
    root, sub = _repo(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "AGENTS.md").write_text("global rules\n", encoding="utf-8")
    (root / "AGENTS.md").write_text("é" * 100, encoding="utf-8")
    (sub / "AGENTS.md").write_text("never reached", encoding="utf-8")
    text = read_user_instructions(sub, home=home, max_bytes=51)
    assert text is not None
    global_part, project_part = text.split("\n\n--- project-doc ---\n\n")
    assert global_part == "global rules"
    assert project_part == "é" * 25  # 51 bytes cut on a character boundary
    assert read_user_instructions(sub, home=home, max_bytes=0) == "global rules"


def test_no_instructions_gives_none(tmp_path: Path) -> None:
    assert read_user_instructions(tmp_path, home=tmp_path) is None


def test_user_instructions_are_wrapped_as_codex_does() -> None:
    msg = user_instructions_message("be brief")
    assert msg.role == "user"
    assert message_text(msg) == "<user_instructions>\n\nbe brief\n\n</user_instructions>"


def test_environment_context(tmp_path: Path) -> None:
    msg = environment_context_message(
        cwd=tmp_path,
        approval_policy="on-request",
        sandbox_policy=WorkspaceWrite(network_access=False),
        writable_roots=[tmp_path, Path("/tmp")],
        shell="bash",
    )
    text = message_text(msg)
    assert text.startswith("<environment_context>") and text.endswith("</environment_context>")
    assert f"<cwd>{tmp_path}</cwd>" in text
    assert "<approval_policy>on-request</approval_policy>" in text
    assert "<sandbox_mode>workspace-write</sandbox_mode>" in text
    assert "<network_access>restricted</network_access>" in text
    assert "<root>/tmp</root>" in text
    ro = message_text(
        environment_context_message(
            cwd=tmp_path, approval_policy="never", sandbox_policy=ReadOnly()
        )
    )
    assert "<sandbox_mode>read-only</sandbox_mode>" in ro and "writable_roots" not in ro
