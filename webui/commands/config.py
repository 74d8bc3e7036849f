"""`newsarchive config`: every setting, its current value, where the value came from, and its help."""
from __future__ import annotations

import click

from archive.config import Settings

# --data-dir is read by the main command (click), before the settings load
_DATA_DIR_ORIGIN = {click.core.ParameterSource.COMMANDLINE: "flag",
                    click.core.ParameterSource.ENVIRONMENT: "environment"}


@click.command("config")
@click.pass_context
def config(ctx: click.Context) -> None:
    """Show every setting with its value, its source (default, config.toml, environment or flag) and help."""
    settings: Settings = ctx.obj
    _, origins = Settings.load_with_origins(settings.data_dir)
    given = ctx.parent.get_parameter_source("data_dir") if ctx.parent is not None else None
    origins["data_dir"] = _DATA_DIR_ORIGIN.get(given, "default")
    helps = Settings.help()
    width = max(map(len, helps))
    for name, help_text in helps.items():
        click.echo(f"{name:<{width}}  {getattr(settings, name)!s}  ({origins[name]})")
        click.echo(f"{'':<{width}}  {help_text}")
