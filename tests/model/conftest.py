"""Fixtures for the model client tests; helpers live in ``model_client_helpers``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from codeloop.testing import ScriptedModelServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    """A running scripted server with an empty script (tests ``add`` to it)."""
    with ScriptedModelServer() as srv:
        yield srv
