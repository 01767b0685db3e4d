"""``-c key=value`` parsing: TOML literals first, the plain string otherwise."""

from __future__ import annotations

import pytest

from codeloop.config.overrides import parse_override, parse_value
from codeloop.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("o3", "o3"),
        ("gpt-5-codex", "gpt-5-codex"),
        ('"quoted"', "quoted"),
        ("'single'", "single"),
        ("3", 3),
        ("-1", -1),
        ("1.5", 1.5),
        ("true", True),
        ('["/a", "/b"]', ["/a", "/b"]),
        ("{ a = 1, b = 'x' }", {"a": 1, "b": "x"}),
        ("2025-01-01", "2025-01-01"),
        ("http://localhost:1/v1", "http://localhost:1/v1"),
        ("  spaced  ", "spaced"),
        ("", ""),
        ('"unterminated', "unterminated"),
    ],
)
def test_parse_value(text: str, value: object) -> None:
    assert parse_value(text) == value


def test_parse_override_splits_at_first_equals() -> None:
    o = parse_override("model_providers.x.query_params={ a = 'b=c' }")
    assert o.path == ("model_providers", "x", "query_params")
    assert o.value == {"a": "b=c"}
    assert o.label == "-c model_providers.x.query_params={ a = 'b=c' }"
    assert parse_override(' projects."/home/me".trust_level = trusted').path == (
        "projects",
        "/home/me",
        "trust_level",
    )


@pytest.mark.parametrize("raw", ["model", "=x", "a..b=1", "a b=1"])
def test_bad_override(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_override(raw)
    assert str(info.value).startswith(f"-c {raw}: ")
