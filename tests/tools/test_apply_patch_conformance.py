"""Codex's own apply_patch scenarios (``shared/conformance/apply_patch``), every one must pass.

Each folder: ``patch.txt``, ``input/`` (the tree before; absent = empty) and ``expected/`` (the
whole tree after; absent = empty). The patch is applied with a copy of ``input/`` as the working
directory, its outcome ignored (the rejecting cases expect the tree unchanged, 015 the earlier
file created), then every file and folder is compared. A missing shared folder fails the test:
CI has it, so its absence is a broken checkout, not a reason to skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from codeloop.errors import PatchError
from codeloop.tools.apply_patch import apply_patch


def _scenarios_dir() -> Path:
    shared = os.environ.get("CODELOOP_SHARED_DIR")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2].parent / "shared"
    return base / "conformance" / "apply_patch"


SCENARIOS_DIR = _scenarios_dir()
SCENARIOS = sorted(p.name for p in SCENARIOS_DIR.iterdir()) if SCENARIOS_DIR.is_dir() else []
EXPECTED_COUNT = 23


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (relative, ``/``-separated): bytes for files, None for folders."""
    if not root.is_dir():
        return {}
    tree: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        tree[rel] = None if path.is_dir() else path.read_bytes()
    return tree


def test_the_scenarios_are_there() -> None:
    assert SCENARIOS_DIR.is_dir(), (
        f"conformance scenarios not found at {SCENARIOS_DIR} "
        "(set CODELOOP_SHARED_DIR to the folder holding conformance/)"
    )
    assert len(SCENARIOS) == EXPECTED_COUNT, SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS or ["<missing shared/conformance/apply_patch>"])
def test_scenario(name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS_DIR / name
    assert scenario.is_dir(), f"scenario folder missing: {scenario}"
    work = tmp_path / "work"
    if (scenario / "input").is_dir():
        shutil.copytree(scenario / "input", work)
    else:
        work.mkdir()
    patch = (scenario / "patch.txt").read_text(encoding="utf-8")

    with contextlib.suppress(PatchError):  # rejecting scenarios: only the resulting tree matters
        apply_patch(patch, work)

    assert _snapshot(work) == _snapshot(scenario / "expected")
