"""The web front: search page, JSON API, and the command line that drives everything.

`create_app` is the application factory (`flask --app webui run --debug` for development);
`newsarchive serve` runs the same app under waitress.
"""
from .app import create_app

__all__ = ["create_app"]
