"""`newsarchive sources add|list|remove`, and help text on every command of the CLI."""
from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from archive.sources import load_sources, sources_path
from webui.cli import main


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["--data-dir", str(tmp_path), *args])
    return invoke


def test_list_on_a_new_data_dir_shows_the_defaults_without_writing(cli, tmp_path):
    result = cli("sources", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "kind", "url", "settings"]
    assert any(line.startswith("BBC News: World") and "https://feeds.bbci.co.uk/news/world/rss.xml" in line
               and "language=en max_articles=50 rate=2.0" in line for line in lines)
    assert "from the defaults" in lines[-1] and not sources_path(tmp_path).exists()


def test_add_list_remove_round_trip(cli, tmp_path):
    result = cli("sources", "add", "https://news.example/sitemap_index.xml", "--name", "Example",
                 "--language", "de", "--max-articles", "20", "--rate", "3")
    assert result.exit_code == 0, result.output
    assert "added Example (sitemap)" in result.output  # kind guessed from the URL
    added = next(s for s in load_sources(tmp_path) if s.name == "Example")
    assert (added.kind, added.language, added.max_articles, added.rate) == ("sitemap", "de", 20, 3.0)
    result = cli("sources", "add", "lists/picked.txt", "--kind", "urls", "--name", "Picked")
    assert result.exit_code == 0, result.output
    listing = cli("sources", "list").output
    assert any(line.split()[:3] == ["Example", "sitemap", "https://news.example/sitemap_index.xml"]
               and line.endswith("language=de max_articles=20 rate=3.0") for line in listing.splitlines())
    assert f"from {sources_path(tmp_path)}" in listing
    as_json = json.loads(cli("sources", "list", "--json").output)
    assert {"name": "Picked", "url": "lists/picked.txt", "kind": "urls"} in as_json
    by_url = cli("sources", "remove", "https://news.example/sitemap_index.xml")
    assert by_url.exit_code == 0 and "removed Example" in by_url.output
    by_name = cli("sources", "remove", "Picked")
    assert by_name.exit_code == 0 and "removed Picked" in by_name.output
    names = {s.name for s in load_sources(tmp_path)}
    assert "Example" not in names and "Picked" not in names and "NPR News" in names  # the defaults stay


def test_mistakes_exit_non_zero_with_a_clear_message(cli, tmp_path):
    assert cli("sources", "add", "https://a.example/rss", "--name", "A").exit_code == 0
    duplicate_url = cli("sources", "add", "https://a.example/rss", "--name", "B")
    assert duplicate_url.exit_code == 1 and "already listed" in duplicate_url.output
    duplicate_name = cli("sources", "add", "https://b.example/rss", "--name", "A")
    assert duplicate_name.exit_code == 1 and "name 'A' is already listed" in duplicate_name.output
    unknown = cli("sources", "remove", "no-such-source")
    assert unknown.exit_code == 1 and "no source named or at 'no-such-source'" in unknown.output
    bad_url = cli("sources", "add", "ftp://c.example/feed")
    assert bad_url.exit_code == 1 and "must be http(s)" in bad_url.output
    bad_number = cli("sources", "add", "https://d.example/rss", "--max-articles", "0")
    assert bad_number.exit_code == 1 and "max_articles must be a positive integer" in bad_number.output
    bad_kind = cli("sources", "add", "https://e.example/rss", "--kind", "podcast")
    assert bad_kind.exit_code == 2 and "podcast" in bad_kind.output
    assert len(load_sources(tmp_path)) == 7  # the six defaults and A: no mistake was written


def test_a_broken_sources_file_is_named_with_its_line(cli, tmp_path):
    sources_path(tmp_path).write_text('[[sources]]\nname = "x"\nurl = "https://x.example/rss"\n\n'
                                      '[[sources]]\nname = "y"\nurl = "https://y.example/rss"\ncolour = "red"\n')
    for args in (("list",), ("add", "https://z.example/rss"), ("remove", "x")):
        result = cli("sources", *args)
        assert result.exit_code == 1, args
        assert f"{sources_path(tmp_path)}:5: unknown key(s) colour" in result.output
    assert "colour" in sources_path(tmp_path).read_text()  # left as it was


def all_commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix}{name} ")


def test_every_command_has_help_text():
    commands = dict(all_commands(main))
    assert {"update", "reindex", "sources", "sources add", "sources list", "sources remove"} <= set(commands)
    for name, command in commands.items():
        assert command.help and command.get_short_help_str().strip(), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts}"
