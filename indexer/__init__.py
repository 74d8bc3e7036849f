"""The indexer: passages, embeddings, the vector and keyword indexes, and search over them."""
