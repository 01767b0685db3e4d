"""Settings, API key resolution and the reasoning-model rule."""

from __future__ import annotations

import pytest

from codeloop.config.providers import BUILTIN_PROVIDERS, ModelProviderInfo
from codeloop.errors import AuthError
from codeloop.model.settings import (
    DEFAULT_BASE_URL,
    ModelSettings,
    resolve_api_key,
    supports_reasoning,
)


@pytest.mark.parametrize(
    "model",
    [
        "o1",
        "o3-mini",
        "o4-mini",
        "gpt-5",
        "gpt-5-codex",
        "GPT-5.1",
        "codex-mini-latest",
        "openai/o3",
    ],
)
def test_reasoning_models(model: str) -> None:
    assert supports_reasoning(model)


@pytest.mark.parametrize("model", ["gpt-4.1", "gpt-4o", "llama3.1", "qwen2.5-coder", "o", "gpt-45"])
def test_non_reasoning_models(model: str) -> None:
    assert not supports_reasoning(model)


def test_resolve_api_key() -> None:
    openai = BUILTIN_PROVIDERS["openai"]
    assert resolve_api_key(openai, {"OPENAI_API_KEY": " sk-abc "}) == "sk-abc"
    assert resolve_api_key(BUILTIN_PROVIDERS["ollama"], {}) is None


@pytest.mark.parametrize("env", [{}, {"OPENAI_API_KEY": ""}, {"OPENAI_API_KEY": "   "}])
def test_missing_key_names_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(AuthError) as info:
        resolve_api_key(BUILTIN_PROVIDERS["openai"], env)
    assert "OPENAI_API_KEY" in info.value.message
    assert "\n" not in info.value.message
    assert info.value.hint


def test_missing_key_uses_env_key_instructions() -> None:
    provider = ModelProviderInfo(
        name="Acme", env_key="ACME_KEY", env_key_instructions="get one at https://acme.test/keys"
    )
    with pytest.raises(AuthError) as info:
        resolve_api_key(provider, {})
    assert info.value.hint == "get one at https://acme.test/keys"
    assert "ACME_KEY" in info.value.one_line()


def test_settings_repr_hides_the_key_and_defaults() -> None:
    s = ModelSettings(model="gpt-5", provider=ModelProviderInfo(name="X"), api_key="sk-secret-1")
    assert "sk-secret-1" not in repr(s)
    assert s.base_url == DEFAULT_BASE_URL
    assert s.sends_reasoning
    assert s.idle_timeout == 300.0
    slash = ModelProviderInfo(name="Y", base_url="http://h/v1/", stream_idle_timeout_ms=250)
    s2 = ModelSettings(model="m", provider=slash)
    assert s2.base_url == "http://h/v1"
    assert s2.idle_timeout == 0.25
