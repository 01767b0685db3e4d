"""``import codeloop.model`` (and its light modules) must not pay for httpx."""

from __future__ import annotations

import subprocess
import sys

LIGHT = [
    "codeloop.model",
    "codeloop.model.client",
    "codeloop.model.prompt",
    "codeloop.model.settings",
    "codeloop.model.retry",
    "codeloop.model.api_errors",
    "codeloop.model.rate_limits",
    "codeloop.model.durations",
]


def test_light_modules_do_not_import_httpx() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in LIGHT)
        + "from codeloop.model import Prompt, ModelSettings, RetryPolicy, ModelClient\n"
        + "heavy = sorted(m for m in ('httpx', 'httpx_sse', 'openai') if m in sys.modules)\n"
        + "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_names_resolve() -> None:
    import codeloop.model as model

    assert model.ResponsesClient.path == "responses"
    assert model.ChatClient.path == "chat/completions"
    assert callable(model.create_client)
    assert "ResponsesClient" in dir(model)
    try:
        model.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_clients_satisfy_the_protocol() -> None:
    from codeloop.config.providers import ModelProviderInfo
    from codeloop.model import ModelClient, ModelSettings, create_client

    for wire in ("responses", "chat"):
        provider = ModelProviderInfo(name="x", base_url="http://127.0.0.1:9/v1", wire_api=wire)
        client = create_client(ModelSettings(model="m", provider=provider))
        assert isinstance(client, ModelClient)
        assert type(client).__name__ == ("ResponsesClient" if wire == "responses" else "ChatClient")
