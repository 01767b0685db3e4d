"""How a model client is set up: the model, its provider, the key, and per-session options.

The caller (the core, or a test) resolves configuration into a :class:`ModelSettings`; the clients
never read config files. :func:`resolve_api_key` turns a provider's ``env_key`` into a key or a
clear :class:`~codeloop.errors.AuthError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeloop.errors import AuthError
from codeloop.protocol.events import RetryNotice, Warning

if TYPE_CHECKING:
    from codeloop.config.providers import ModelProviderInfo

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_SERVER_DELAY",
    "ModelSettings",
    "Notify",
    "resolve_api_key",
    "supports_reasoning",
]

#: Where a provider without ``base_url`` sends requests (Codex does the same).
DEFAULT_BASE_URL = "https://api.openai.com/v1"

#: The longest wait (seconds) a server's Retry-After / reset hint may impose before a retry.
DEFAULT_MAX_SERVER_DELAY = 60.0

#: Receives what the user should see while a response streams but is not part of the response:
#: retries ("retrying in 1.2s (attempt 2/4)") and warnings (rate limit nearly used up).
Notify = Callable[[RetryNotice | Warning], None]

# Model name prefixes that accept ``reasoning`` (effort / summary), after Codex's model families.
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "codex-")


def supports_reasoning(model: str) -> bool:
    """Whether ``model`` takes ``reasoning`` parameters (sending them to others is a 400)."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    return name.startswith(_REASONING_PREFIXES)


def resolve_api_key(
    provider: ModelProviderInfo, env: Mapping[str, str] | None = None
) -> str | None:
    """The provider's API key from ``env`` (default ``os.environ``).

    Returns ``None`` for providers that need no key (no ``env_key``, e.g. Ollama). Raises
    :class:`AuthError` naming the variable, with the provider's ``env_key_instructions`` as hint,
    when the key is required but unset or empty.
    """
    if not provider.env_key:
        return None
    source = os.environ if env is None else env
    value = source.get(provider.env_key, "").strip()
    if value:
        return value
    hint = provider.env_key_instructions or (
        f"export {provider.env_key}=<your key>, or run `codeloop login`"
    )
    raise AuthError(
        f"{provider.name} needs an API key: environment variable {provider.env_key} is not set",
        hint=hint,
    )


@dataclass(frozen=True, slots=True, repr=False)
class ModelSettings:
    """Everything a wire client needs besides the prompt."""

    model: str
    provider: ModelProviderInfo
    #: Sent as ``Authorization: Bearer``; ``None`` sends no Authorization header.
    api_key: str | None = None
    #: The conversation id: ``session_id`` header and Responses ``prompt_cache_key``.
    session_id: str | None = None
    #: ``minimal`` / ``low`` / ``medium`` / ``high``; sent only to reasoning models.
    reasoning_effort: str | None = None
    #: ``auto`` / ``concise`` / ``detailed`` / ``none``; sent only to reasoning models.
    reasoning_summary: str | None = "auto"
    #: Responses ``text.verbosity`` (``low`` / ``medium`` / ``high``), when set.
    verbosity: str | None = None
    originator: str = "codeloop_cli"
    #: Cap on a server-requested wait before retrying (Retry-After, "try again in", resets).
    max_server_delay: float = DEFAULT_MAX_SERVER_DELAY
    #: Where ``provider.env_http_headers`` are looked up; ``None`` means ``os.environ``.
    env: Mapping[str, str] | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never show the key
        key = "set" if self.api_key else "none"
        return (
            f"ModelSettings(model={self.model!r}, provider={self.provider.name!r}, api_key={key})"
        )

    @property
    def base_url(self) -> str:
        return (self.provider.base_url or DEFAULT_BASE_URL).rstrip("/")

    @property
    def sends_reasoning(self) -> bool:
        return supports_reasoning(self.model)

    @property
    def idle_timeout(self) -> float:
        """Seconds without an SSE event before the stream counts as dead."""
        return self.provider.effective_stream_idle_timeout_ms / 1000.0
