"""The `newsarchive` subcommands, one small module each, registered in webui.cli."""
