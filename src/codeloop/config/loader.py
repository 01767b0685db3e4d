"""Load the effective configuration and remember where each value came from.

Sources, lowest to highest precedence::

    defaults < $CODELOOP_HOME/config.toml < [profiles.NAME] < -c key=value < flags

Tables merge key by key at every level; any other value (lists included) replaces the one below.
The profile is chosen by ``-p NAME`` (a flag), else ``-c profile=NAME``, else top-level
``profile = "NAME"``. ``-c profiles.NAME.key=value`` changes a profile itself.

Environment variables:

- ``CODELOOP_HOME``: the folder holding ``config.toml`` (default ``~/.codeloop``).
- ``OPENAI_BASE_URL``: when set and non-empty, the ``base_url`` of the built-in ``openai``
  provider (built-in providers cannot be redefined in the file).

Errors are one :class:`~codeloop.errors.ConfigError` naming file, line and key; unknown keys are
dropped with a warning in :attr:`LoadedConfig.warnings`. The common path is one ``tomllib`` parse
(cached by text, so reloading an unchanged file skips it), a merge of plain dicts and one
``msgspec.convert``; line numbers are looked up only for errors, warnings and :attr:`sources`.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from codeloop.config import toml
from codeloop.config.home import codeloop_home, config_path, display_path
from codeloop.config.keys import KeyPath, join_key, split_key
from codeloop.config.overrides import Override, parse_overrides
from codeloop.config.providers import BUILTIN_PROVIDERS
from codeloop.config.schema import PROFILE_KEYS, Config
from codeloop.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from codeloop.config.locate import KeyLines

__all__ = ["ENV_OPENAI_BASE_URL", "LoadedConfig", "load_config"]

ENV_OPENAI_BASE_URL = "OPENAI_BASE_URL"

_MISSING: Any = object()
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


class _Layer(NamedTuple):
    """One source's values, shaped as they apply to the effective table."""

    data: Mapping[str, Any]
    #: Where ``data`` sits in the source's own key space (``("profiles", "fast")`` for a profile).
    prefix: tuple[str, ...]
    #: ``None`` for config.toml (lines are looked up), else ``-c k=v`` / ``flag --x``.
    where: str | None
    #: Set on the layer of a profile's table in config.toml (for provenance labels).
    profile: str | None = None


class Origin(NamedTuple):
    """Where a value was set: the file and line, or the argument."""

    #: The display path of config.toml, ``-c key=value`` or ``flag --x``.
    where: str
    line: int | None
    #: The key as written at that source (``profiles.fast.model`` for a profile's ``model``).
    key: str
    #: The profile whose table in config.toml set it.
    profile: str | None = None

    @property
    def location(self) -> str:
        """``config.toml:3``, or the argument."""
        return self.where if self.line is None else f"{self.where}:{self.line}"

    @property
    def label(self) -> str:
        """Provenance: ``config.toml:3``, ``profile fast (config.toml:9)``, ``-c model=o3``."""
        return (
            self.location if self.profile is None else f"profile {self.profile} ({self.location})"
        )


def _lookup(data: Any, path: KeyPath) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not -len(data) <= part < len(data):
                return _MISSING
        elif not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _nest(path: Sequence[str], value: Any) -> dict[str, Any]:
    for part in reversed(path[1:]):
        value = {part: value}
    return {path[0]: value}


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``top`` into ``base`` (owned); never mutate ``top`` or tables shared with it."""
    for key, value in top.items():
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            base[key] = _merge(dict(old), value)
        else:
            base[key] = value
    return base


def _copy_tables(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tables(v) if isinstance(v, dict) else v for k, v in data.items()}


def _leaves(data: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*prefix, key))
    else:
        yield prefix, data


@functools.lru_cache(maxsize=8)
def _parse_toml(text: str) -> dict[str, Any]:
    """Parse once per distinct text; callers must not mutate the result."""
    return toml.loads(text)


class _Origins:
    """Answers "which source set this key?" over the layers, lowest first."""

    def __init__(self, layers: list[_Layer], path: Path, text: str) -> None:
        self.layers = layers
        self.path = path
        self._text = text
        self._lines: KeyLines | None = None

    @functools.cached_property
    def display(self) -> str:
        """The config file as messages name it (computed only when a message needs it)."""
        return display_path(self.path)

    def origin(self, path: KeyPath) -> Origin | None:
        """The source of ``path``: for a value the highest layer holding it, for a table the
        lowest (the one that declared it)."""
        hits = [
            (layer, v) for layer in self.layers if (v := _lookup(layer.data, path)) is not _MISSING
        ]
        if not hits:
            return None
        layer = hits[0][0] if isinstance(hits[-1][1], dict) else hits[-1][0]
        doc_path = (*layer.prefix, *path)
        key = join_key(doc_path)
        if layer.where is not None:
            return Origin(layer.where, None, key)
        if self._lines is None:
            from codeloop.config.locate import KeyLines  # only errors and provenance need lines

            self._lines = KeyLines(self._text)
        return Origin(self.display, self._lines.line_of(doc_path), key, layer.profile)

    def error(self, path: KeyPath, message: str, hint: str | None = None) -> ConfigError:
        origin = self.origin(path)
        if origin is None:
            return ConfigError(message, key=join_key(path), hint=hint)
        return ConfigError(message, path=origin.where, line=origin.line, key=origin.key, hint=hint)


class LoadedConfig:
    """The effective :class:`Config`, the file it came from, warnings, and provenance."""

    def __init__(
        self,
        config: Config,
        *,
        config_path: Path,
        warnings: list[str],
        cwd: str,
        origins: _Origins,
        env_sources: dict[str, str],
    ) -> None:
        self.config = config
        self.config_path = config_path
        #: One line per problem that did not stop loading (``config.toml:7: unknown key ...``).
        self.warnings = warnings
        self._cwd = cwd
        self._origins = origins
        self._env_sources = env_sources
        self._entries: list[tuple[str, Any, str]] | None = None

    @property
    def cwd(self) -> Path:
        """The working directory relative ``writable_roots`` were resolved against."""
        return Path(self._cwd)

    @property
    def profile(self) -> str | None:
        """The chosen profile's name, if any."""
        return self.config.profile

    def entries(self) -> list[tuple[str, Any, str]]:
        """``(dotted key, value, source)`` for every leaf that has a value, in field order.

        Tables are walked into; lists are leaves. Computed once (it looks up line numbers).
        """
        if self._entries is None:
            out: list[tuple[str, Any, str]] = []
            for path, value in _leaves(msgspec.to_builtins(self.config)):
                key = join_key(path)
                origin = self._origins.origin(path)
                if key in self._env_sources:
                    out.append((key, value, self._env_sources[key]))
                elif origin is not None:
                    out.append((key, value, origin.label))
                elif value is not None:
                    out.append((key, value, "default"))
            self._entries = out
        return self._entries

    @property
    def sources(self) -> dict[str, str]:
        """Dotted key -> where its value came from: ``default``, ``~/.codeloop/config.toml:12``,
        ``profile fast (~/.codeloop/config.toml:20)``, ``-c model=o3``, ``flag --model``,
        ``env OPENAI_BASE_URL``."""
        return {key: source for key, _, source in self.entries()}

    def source_of(self, key: str) -> str:
        """Where the value of dotted ``key`` came from (``default`` when nothing set it)."""
        return self.sources.get(join_key(split_key(key)), "default")

    def to_builtins(self) -> dict[str, Any]:
        """``{"config": ..., "sources": ..., "warnings": [...]}``, ready for JSON."""
        return {
            "config": msgspec.to_builtins(self.config),
            "sources": self.sources,
            "warnings": list(self.warnings),
        }


def _read(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().removeprefix("\ufeff")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"not UTF-8 text ({e.reason} at byte {e.start})", path=display_path(path)
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror or e}", path=display_path(path)) from None


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return _parse_toml(text)
    except toml.TOMLDecodeError as e:
        message = str(e)
        m = _TOML_AT.search(message)
        line: int | None = None
        if m is not None:
            message = message[: m.start()]
            if m[1] is not None:
                line = int(m[1])
                message += f" (column {m[2]})"
            else:
                line = max(1, len(text.splitlines()))
        raise ConfigError(
            f"invalid TOML: {message}",
            path=display_path(path),
            line=line,
            hint="fix the TOML syntax",
        ) from None


def _flag_layers(flags: Mapping[str, Any], flag_names: Mapping[str, str]) -> Iterator[_Layer]:
    for key, value in flags.items():
        if value is None:
            continue
        path = split_key(key)
        option = flag_names.get(key) or "--" + "-".join(path).replace("_", "-")
        yield _Layer(_nest(path, value), (), f"flag {option}")


def load_config(
    *,
    home: Path | None = None,
    profile: str | None = None,
    overrides: Iterable[str] = (),
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Load ``config.toml`` from ``home`` (default ``$CODELOOP_HOME``) and everything above it.

    ``overrides`` are raw ``-c`` arguments (``"model=o3"``). ``flags`` maps dotted keys to values
    already typed by the command line (``None`` = not given); ``flag_names`` says how each was
    spelled (``{"sandbox_mode": "--sandbox"}``) for messages. ``profile`` is ``-p NAME``. ``env``
    replaces ``os.environ`` (tests). ``cwd`` anchors relative ``writable_roots``.

    Raises :class:`ConfigError` for the first wrong value; returns unknown keys as warnings.
    """
    environ = os.environ if env is None else env
    path = config_path(codeloop_home(environ) if home is None else home)
    text = _read(path)
    doc = _parse(text, path) if text else {}
    ovs = parse_overrides(overrides)
    all_flags = dict(flags or {})
    if profile is not None:
        all_flags["profile"] = profile
    layers = [
        _Layer(doc, (), None),
        *(_Layer(_nest(o.path, o.value), (), o.label) for o in ovs),
        *_flag_layers(all_flags, {"profile": "--profile", **(flag_names or {})}),
    ]
    origins = _Origins(layers, path, text)
    # The profile is chosen by the highest layer naming one; its layers go just above the file.
    chosen = next(
        (v for lay in reversed(layers) if (v := _lookup(lay.data, ("profile",))) is not _MISSING),
        None,
    )
    if chosen is not None:
        layers[1:1] = _profile_layers(chosen, doc, ovs, origins)

    effective: dict[str, Any] = {}
    for layer in layers:
        _merge(effective, layer.data)
    _refuse_builtin_providers(effective, origins)
    config, warnings = _convert(effective, origins)
    _check_references(config, origins)
    where = os.getcwd() if cwd is None else os.fspath(cwd)
    config, env_sources = _complete(config, environ, where)
    return LoadedConfig(
        config,
        config_path=path,
        warnings=warnings,
        cwd=where,
        origins=origins,
        env_sources=env_sources,
    )


def _refuse_builtin_providers(effective: Mapping[str, Any], origins: _Origins) -> None:
    providers = effective.get("model_providers")
    if not isinstance(providers, dict):
        return
    for pid in providers:
        if pid in BUILTIN_PROVIDERS:
            raise origins.error(
                ("model_providers", pid),
                f"built-in provider '{pid}' cannot be redefined",
                hint=f"use another id, e.g. [model_providers.my-{pid}]"
                + (f"; {ENV_OPENAI_BASE_URL} sets its base_url" if pid == "openai" else ""),
            )


def _check_references(config: Config, origins: _Origins) -> None:
    """What a schema cannot say: the provider exists; an MCP server has one transport."""
    provider = config.model_provider
    if provider not in BUILTIN_PROVIDERS and provider not in config.model_providers:
        known = ", ".join(sorted({*BUILTIN_PROVIDERS, *config.model_providers}))
        raise origins.error(
            ("model_provider",),
            f"unknown provider '{provider}' (known: {known})",
            hint=f"define [model_providers.{provider}] or use a known id",
        )
    for name, server in config.mcp_servers.items():
        if (server.command is None) == (server.url is None):
            raise origins.error(
                ("mcp_servers", name),
                "set either command (stdio server) or url (HTTP server)"
                if server.command is None
                else "set only one of command and url",
            )


def _complete(
    config: Config, environ: Mapping[str, str], cwd: str
) -> tuple[Config, dict[str, str]]:
    """Add the built-in providers and OPENAI_BASE_URL; make ``writable_roots`` absolute.

    Returns the config and the sources of values taken from the environment.
    """
    changes: dict[str, Any] = {}
    env_sources: dict[str, str] = {}
    providers = config.model_providers
    base_url = environ.get(ENV_OPENAI_BASE_URL, "").strip()
    if base_url or not BUILTIN_PROVIDERS.keys() <= providers.keys():
        providers = {**BUILTIN_PROVIDERS, **providers}
        if base_url:
            providers["openai"] = msgspec.structs.replace(providers["openai"], base_url=base_url)
            env_sources["model_providers.openai.base_url"] = f"env {ENV_OPENAI_BASE_URL}"
        changes["model_providers"] = providers
    sww = config.sandbox_workspace_write
    if sww.writable_roots:
        roots = [os.path.join(cwd, os.path.expanduser(r)) for r in sww.writable_roots]
        if roots != sww.writable_roots:
            changes["sandbox_workspace_write"] = msgspec.structs.replace(sww, writable_roots=roots)
    if changes:
        config = msgspec.structs.replace(config, **changes)
    return config, env_sources


def _profile_layers(
    name: Any, doc: Mapping[str, Any], ovs: Sequence[Override], origins: _Origins
) -> list[_Layer]:
    """The chosen profile's table and the ``-c profiles.NAME.*`` overrides, as layers.

    Only keys a profile may set are taken; the others are reported by validation (as unknown
    keys under ``profiles.NAME``), as are a ``profile`` or ``profiles`` of the wrong type.
    """
    profiles = doc.get("profiles", {})
    if not isinstance(name, str) or not isinstance(profiles, dict):
        return []
    defined = set(profiles) | {
        o.path[1] for o in ovs if len(o.path) > 1 and o.path[0] == "profiles"
    }
    if name not in defined:
        listed = f" (defined: {', '.join(sorted(defined))})" if defined else ""
        raise origins.error(
            ("profile",),
            f"no such profile '{name}'{listed}",
            hint=f"add a [profiles.{name}] table to {origins.display}",
        )
    prefix = ("profiles", name)
    table = profiles.get(name, {})
    layers = []
    if isinstance(table, dict):
        own = {k: v for k, v in table.items() if k in PROFILE_KEYS}
        layers.append(_Layer(own, prefix, None, name))
    for o in ovs:
        if o.path[:2] == prefix and len(o.path) > 2 and o.path[2] in PROFILE_KEYS:
            layers.append(_Layer(_nest(o.path[2:], o.value), prefix, o.label))
    return layers


def _convert(effective: dict[str, Any], origins: _Origins) -> tuple[Config, list[str]]:
    """``msgspec.convert``; each unknown key is dropped and conversion retried.

    Returns one warning per unknown key, in file order (a key that both the top level and the
    chosen profile see is reported once, where it is written).
    """
    unknown: dict[tuple[str, int, str], str] = {}
    copied = False
    while True:
        try:
            config = msgspec.convert(effective, Config)
        except msgspec.ValidationError as e:
            from codeloop.config.validate import explain

            problem = explain(effective, Config, str(e))
        else:
            return config, [unknown[k] for k in sorted(unknown)]
        if not problem.unknown:
            raise origins.error(problem.path, problem.message)
        if not copied:
            effective, copied = _copy_tables(effective), True
        parent = _lookup(effective, problem.path[:-1])
        if not isinstance(parent, dict) or problem.path[-1] not in parent:  # pragma: no cover
            raise origins.error(problem.path, "unknown key")
        del parent[problem.path[-1]]
        origin = origins.origin(problem.path)
        if origin is None:  # pragma: no cover - every key comes from some layer
            origin = Origin("", None, join_key(problem.path))
        sort_key = (origin.where, origin.line or 0, origin.key)
        prefix = f"{origin.location}: " if origin.where else ""
        unknown[sort_key] = f"{prefix}unknown key '{origin.key}' ignored"
