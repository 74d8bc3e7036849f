"""The `newsarchive` command. It lives in the outermost package because it drives every
layer: archive (ingest, sources), indexer (index, search, update) and the web server.
Each job's subcommands live in webui/commands/ (indexer/cli.py's index and search move
there too); this module is the group, serve/run, and the registration."""
from __future__ import annotations

import click

from archive.config import Settings
from indexer.build import build_index
from indexer.update import update as update_archive

from . import server
from .commands.config import config
from .commands.index import index
from .commands.ingest import ingest
from .commands.search import search
from .commands.sources import sources
from .commands.update import reindex, update


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


def server_options(command):
    """--host, --port, --threads, --model-threads: shared by `serve` and `run`."""
    options = [
        click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on."),
        click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
                     help="Port to listen on (0 picks a free one)."),
        click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
                     help="Requests answered at the same time."),
        click.option("--model-threads", default=1, show_default=True, type=click.IntRange(1, 64),
                     help="Math-library threads (torch, FAISS) per process; 1 is fastest under load."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _serve(settings: Settings, host: str, port: int, threads: int, model_threads: int) -> None:
    try:
        server.serve(settings, host, port, threads, model_threads, echo=click.echo)
    except OSError as exc:  # address in use, permission denied
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None


@click.command()
@server_options
@click.pass_obj
def serve(settings, host, port, threads, model_threads):
    """Serve the search page and the JSON API (waitress, a production WSGI server)."""
    _serve(settings, host, port, threads, model_threads)


@click.command()
@server_options
@click.option("--update/--no-update", "fetch_first", default=True, show_default=True,
              help="Fetch what is new from the sources in sources.toml first.")
@click.pass_obj
def run(settings, host, port, threads, model_threads, fetch_first):
    """Fetch what is new, bring the index up to date, then serve it (what `make run` does)."""
    # Step 1: fetch new articles from the configured sources. Unreachable sources (no
    # network) are reported and the run goes on with what the archive holds.
    if fetch_first:
        click.echo(f"fetching new articles for {settings.data_dir} ...")
        try:
            click.echo(update_archive(settings, index=False).format())
        except Exception as exc:  # noqa: BLE001 - report, then serve what exists
            click.echo(f"fetching failed: {exc}", err=True)
    # Step 2: index whatever the archive holds. A failure must not keep search down: the
    # previous index generation (if any) stays live and is served.
    click.echo(f"indexing the archive in {settings.data_dir} ...")
    try:
        click.echo(build_index(settings).summary())
    except Exception as exc:  # noqa: BLE001 - any failure is reported, then we serve what exists
        click.echo(f"indexing failed: {exc}; serving the existing index", err=True)
    # Step 3: serve.
    _serve(settings, host, port, threads, model_threads)


for command in (ingest, index, search, serve, run):
    main.add_command(command)
for command in (update, reindex, sources, config):
    main.add_command(command)


if __name__ == "__main__":
    main()
