"""Fixtures for rollout tests."""

from __future__ import annotations

import pytest

from codeloop.protocol import rollout
from codeloop.sessions.rollout import new_session_meta


@pytest.fixture
def meta() -> rollout.SessionMeta:
    return new_session_meta(
        cwd="/work/project",
        originator="codeloop_test",
        cli_version="0.1.0",
        instructions="be brief",
        source="exec",
        model_provider="openai",
        git=rollout.GitInfo(commit_hash="abc123", branch="main", repository_url="https://h/x"),
    )
