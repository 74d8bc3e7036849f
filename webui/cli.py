"""The `newsarchive` command. It lives in the outermost package because it drives every
layer: archive (ingest, sources), indexer (index, search, update) and the web server."""
from __future__ import annotations

import click

from archive.cli import ingest
from archive.config import Settings
from indexer.cli import index, search


@click.group()
@click.option("--data-dir", envvar="NEWSARCHIVE_DATA_DIR", default="data", show_default=True,
              type=click.Path(file_okay=False), help="Archive location (database, captures, index).")
@click.version_option("0.1.0", prog_name="newsarchive")
@click.pass_context
def main(ctx, data_dir):
    """A searchable news archive with semantic retrieval."""
    try:
        ctx.obj = Settings.load(data_dir)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"bad configuration: {exc}") from None


for command in (ingest, index, search):
    main.add_command(command)
