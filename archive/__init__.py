"""The archive: fetch, parse and store news articles (the upstream half of the pipeline)."""
