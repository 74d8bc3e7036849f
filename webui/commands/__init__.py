"""The `newsarchive` subcommands, one module per job; webui/cli.py registers them."""
