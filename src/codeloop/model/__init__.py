"""Model clients: the Responses and Chat Completions wires, the API error bridge, retries.

This package is imported by the core on every run, so its ``__init__`` stays light: names are
resolved lazily (PEP 562) and httpx / httpx-sse load only when a client module is first used.

- :mod:`~codeloop.model.prompt`: :class:`Prompt`, what a turn asks the model
- :mod:`~codeloop.model.settings`: :class:`ModelSettings`, :func:`resolve_api_key`,
  :func:`supports_reasoning`
- :mod:`~codeloop.model.client`: the :class:`ModelClient` protocol and :func:`create_client`
- :mod:`~codeloop.model.responses` / :mod:`~codeloop.model.chat`: the two wire clients
- :mod:`~codeloop.model.api_errors`: HTTP status, headers and bodies to :mod:`codeloop.errors`
- :mod:`~codeloop.model.rate_limits`: rate-limit headers to snapshots and warnings
- :mod:`~codeloop.model.retry`: :class:`RetryPolicy` and the retrying stream wrapper
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeloop.model.chat import ChatClient
    from codeloop.model.client import ModelClient, create_client
    from codeloop.model.prompt import Prompt
    from codeloop.model.responses import ResponsesClient
    from codeloop.model.retry import RetryPolicy
    from codeloop.model.settings import (
        ModelSettings,
        Notify,
        resolve_api_key,
        supports_reasoning,
    )

__all__ = [
    "ChatClient",
    "ModelClient",
    "ModelSettings",
    "Notify",
    "Prompt",
    "ResponsesClient",
    "RetryPolicy",
    "create_client",
    "resolve_api_key",
    "supports_reasoning",
]

_LAZY: dict[str, str] = {
    "ChatClient": "codeloop.model.chat",
    "ModelClient": "codeloop.model.client",
    "create_client": "codeloop.model.client",
    "Prompt": "codeloop.model.prompt",
    "ResponsesClient": "codeloop.model.responses",
    "RetryPolicy": "codeloop.model.retry",
    "ModelSettings": "codeloop.model.settings",
    "Notify": "codeloop.model.settings",
    "resolve_api_key": "codeloop.model.settings",
    "supports_reasoning": "codeloop.model.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'codeloop.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
