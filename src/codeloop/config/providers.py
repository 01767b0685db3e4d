"""Model providers: where requests go and how (Codex's ``model_providers.<id>`` table).

Built-in providers cannot be redefined by a config file; a user adds new ids instead.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "BUILTIN_PROVIDERS",
    "DEFAULT_REQUEST_MAX_RETRIES",
    "DEFAULT_STREAM_IDLE_TIMEOUT_MS",
    "DEFAULT_STREAM_MAX_RETRIES",
    "ModelProviderInfo",
    "WireApi",
]

WireApi = Literal["responses", "chat"]

DEFAULT_REQUEST_MAX_RETRIES = 4
DEFAULT_STREAM_MAX_RETRIES = 5
DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000


class ModelProviderInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One provider. Field names are Codex's ``model_providers.<id>`` keys."""

    name: str
    base_url: str | None = None
    #: Environment variable holding the API key (sent as ``Authorization: Bearer``).
    env_key: str | None = None
    #: Shown when ``env_key`` is unset: how to get a key.
    env_key_instructions: str | None = None
    wire_api: WireApi = "chat"
    query_params: dict[str, str] | None = None
    http_headers: dict[str, str] | None = None
    #: Header name -> environment variable; sent only when the variable is set and non-empty.
    env_http_headers: dict[str, str] | None = None
    request_max_retries: int | None = None
    stream_max_retries: int | None = None
    stream_idle_timeout_ms: int | None = None
    requires_openai_auth: bool = False

    @property
    def effective_request_max_retries(self) -> int:
        v = self.request_max_retries
        return DEFAULT_REQUEST_MAX_RETRIES if v is None else v

    @property
    def effective_stream_max_retries(self) -> int:
        v = self.stream_max_retries
        return DEFAULT_STREAM_MAX_RETRIES if v is None else v

    @property
    def effective_stream_idle_timeout_ms(self) -> int:
        v = self.stream_idle_timeout_ms
        return DEFAULT_STREAM_IDLE_TIMEOUT_MS if v is None else v


BUILTIN_PROVIDERS: dict[str, ModelProviderInfo] = {
    "openai": ModelProviderInfo(
        name="OpenAI",
        base_url="https://api.openai.com/v1",
        env_key="OPENAI_API_KEY",
        wire_api="responses",
        env_http_headers={
            "OpenAI-Organization": "OPENAI_ORGANIZATION",
            "OpenAI-Project": "OPENAI_PROJECT",
        },
        requires_openai_auth=True,
    ),
    "ollama": ModelProviderInfo(
        name="Ollama", base_url="http://localhost:11434/v1", wire_api="chat"
    ),
    "lmstudio": ModelProviderInfo(
        name="LM Studio", base_url="http://localhost:1234/v1", wire_api="chat"
    ),
}
