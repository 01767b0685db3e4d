"""``-c key.path=value`` overrides, as Codex parses them.

The value is read as a TOML literal (``3``, ``true``, ``["/a"]``, ``{a = 1}``, ``"quoted"``);
when it is not one, it is the plain string with surrounding quotes trimmed, so ``-c model=o3``
gives ``"o3"``. TOML dates stay strings: no configuration key holds a date, and
``-c model=2025-01-01`` should not become one.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, NamedTuple

from codeloop.config import toml
from codeloop.config.keys import split_key
from codeloop.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Override", "parse_override", "parse_overrides", "parse_value"]


class Override(NamedTuple):
    """One ``-c`` argument: where it goes, what it sets, and how it was typed (for messages)."""

    path: tuple[str, ...]
    value: Any
    raw: str

    @property
    def label(self) -> str:
        """How the override is named in errors and provenance: ``-c model=o3``."""
        return f"-c {self.raw}"


def parse_value(text: str) -> Any:
    """A TOML literal, or the trimmed string when ``text`` is not one."""
    text = text.strip()
    try:
        value = toml.loads(f"_ = {text}")["_"]
    except toml.TOMLDecodeError:
        return text.strip("\"'")
    if isinstance(value, _dt.date | _dt.time):
        return text
    return value


def parse_override(raw: str) -> Override:
    """Parse ``key.path=value``; raise :class:`ConfigError` when it is not of that shape."""
    key, sep, value = raw.partition("=")
    if not sep:
        raise ConfigError("expected key=value", path=f"-c {raw}", hint="for example: -c model=o3")
    try:
        path = split_key(key.strip())
    except ValueError:
        raise ConfigError(
            f"not a valid key: {key.strip()!r}",
            path=f"-c {raw}",
            hint="keys are dotted TOML keys, e.g. model_providers.local.base_url",
        ) from None
    return Override(path, parse_value(value), raw)


def parse_overrides(raws: Iterable[str]) -> list[Override]:
    """Parse every ``-c`` argument, in order (a later one wins)."""
    return [parse_override(raw) for raw in raws]
