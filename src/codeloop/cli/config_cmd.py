"""``codeloop config``: show the effective configuration and where each value came from."""

from __future__ import annotations

from typing import Any

import click
import msgspec

from codeloop.cli.options import config_options, load_or_exit

__all__ = ["config_group"]


@click.group("config")
def config_group() -> None:
    """Show and check the configuration."""


@config_group.command("path")
def path_command() -> None:
    """Print the path of config.toml ($CODELOOP_HOME/config.toml); it may not exist yet."""
    from codeloop.config.home import config_path

    click.echo(str(config_path()))


@config_group.command("show")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print config, sources and warnings as JSON.")
def show_command(profile: str | None, config_overrides: tuple[str, ...], as_json: bool) -> None:
    """Print the effective configuration and where each value came from.

    Precedence, lowest first: defaults, config.toml, the profile, -c overrides, flags.
    """
    loaded = load_or_exit(profile=profile, overrides=config_overrides)
    if as_json:
        click.echo(msgspec.json.encode(loaded.to_builtins()).decode())
        return

    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    exists = loaded.config_path.is_file()
    click.echo(f"config file: {loaded.config_path}{'' if exists else ' (not found)'}")
    click.echo(f"profile: {loaded.profile or '(none)'}")
    click.echo()
    rows = [(key, _render(value), source) for key, value, source in loaded.entries()]
    width_key = min(48, max(len(r[0]) for r in rows))
    width_value = min(40, max(len(r[1]) for r in rows))
    for key, value, source in rows:
        click.echo(f"{key:<{width_key}}  {value:<{width_value}}  {source}".rstrip())


def _render(value: Any) -> str:
    return msgspec.json.encode(value).decode()
