"""Batch embedding on Ray Data (`newsarchive reindex --full --ray [ADDRESS]`): the passages the
embedding cache lacks go through an actor pool, `map_batches` over a callable class that loads
the model once per actor (`ray_concurrency` actors, `ray_batch_size` passages a call, `ray_gpus`
GPUs each where the cluster has them); the vectors come back into the data dir's embedding cache,
from which the build then writes the generation to the chosen search backend, as without Ray.
An unchanged passage is never embedded again: only cache misses are sent.

Without an address Ray starts on this machine (at least 2 CPUs, or one a actor); with one ('auto',
ray://head:10001) it joins that cluster, whose workers need this project installed (or a
runtime_env that ships it) and the model available under the same name or path.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from archive.config import Settings

from .blobstore import EmbeddingCache
from .embed import Encoder, make_encoder

LOCAL = "local"  # --ray without an address


class RayUnavailable(RuntimeError):
    """ray[data] is not installed."""


class EmbedActor:
    """A Ray actor's embedder: the model is loaded once, in the constructor."""

    def __init__(self, settings: Settings):
        self.encoder = make_encoder(settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"hash": batch["hash"], "vector": self.encoder.encode([str(t) for t in batch["text"]])}


@dataclass
class RayReport:
    embedded: int = 0
    seconds: float = 0.0


def connect(settings: Settings, address: str | None) -> None:
    """Start (or join) Ray once per process."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--ray needs ray[data]: pip install -c constraints.txt -e '.[distributed]'") from None
    if ray.is_initialized():
        return
    address = settings.ray_address if address in (None, "", LOCAL) else address
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    else:  # a private local Ray: as many CPUs as embedding actors
        ray.init(num_cpus=max(2, settings.ray_concurrency), include_dashboard=False, log_to_driver=False,
                 configure_logging=False)


def embed_missing(settings: Settings, embedder: Encoder, cache: EmbeddingCache, texts: list[str],
                  hashes: list[str], address: str | None = None) -> RayReport:
    """Embed on Ray the texts whose hash the cache lacks (under the embedder's cache key) and
    store their vectors in the cache; returns how many went through the model."""
    started = time.perf_counter()
    key = embedder.cache_key
    found = cache.get_many(key, hashes)
    missing = {h: t for t, h in zip(texts, hashes) if h not in found}
    if not missing:
        return RayReport(0, time.perf_counter() - started)
    connect(settings, address)
    import ray.data
    dataset = ray.data.from_items([{"hash": h, "text": t} for h, t in missing.items()])
    vectors = dataset.map_batches(EmbedActor, fn_constructor_kwargs={"settings": settings},
                                  concurrency=max(1, settings.ray_concurrency), batch_size=settings.ray_batch_size,
                                  num_gpus=settings.ray_gpus or None, batch_format="numpy")
    for batch in vectors.iter_batches(batch_size=1000, batch_format="numpy"):
        cache.put_many(key, [(str(h), np.asarray(v, np.float32).tobytes())
                             for h, v in zip(batch["hash"], batch["vector"])])
    return RayReport(len(missing), time.perf_counter() - started)
