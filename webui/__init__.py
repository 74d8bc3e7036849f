"""The web front: search page, JSON API, and the command line that drives everything."""
