"""Options shared by subcommands: ``-p/--profile`` and ``-c/--config key=value``.

They are decorators so the root group can adopt them later without changing any subcommand.
:func:`load_or_exit` turns a :class:`~codeloop.errors.ConfigError` into one line (and a hint) on
stderr and exit status 1: a bad config is the user's to fix, not a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from codeloop.config.loader import LoadedConfig

__all__ = ["config_options", "load_or_exit", "overrides_option", "profile_option"]

F = TypeVar("F", bound="Callable[..., Any]")

profile_option = click.option(
    "-p",
    "--profile",
    "profile",
    metavar="NAME",
    default=None,
    help="Use the [profiles.NAME] table of config.toml.",
)

overrides_option = click.option(
    "-c",
    "--config",
    "config_overrides",
    metavar="KEY=VALUE",
    multiple=True,
    help=(
        "Override a config value, e.g. -c model=o3 or "
        "-c 'sandbox_workspace_write.writable_roots=[\"/tmp\"]'. "
        "VALUE is read as TOML, else as a string. Repeatable."
    ),
)


def config_options(f: F) -> F:
    """Add ``-p/--profile`` and ``-c/--config`` to a command."""
    return profile_option(overrides_option(f))


def load_or_exit(
    *,
    profile: str | None = None,
    overrides: Iterable[str] = (),
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Load the configuration, or print the error on stderr and exit with status 1."""
    from codeloop.config.loader import load_config
    from codeloop.errors import ConfigError

    try:
        return load_config(profile=profile, overrides=overrides, flags=flags, flag_names=flag_names)
    except ConfigError as e:
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"hint: {e.hint}", err=True)
        raise SystemExit(1) from None
