"""Serving with waitress, the production WSGI server. The model runs with few threads per
process: OpenMP threads of several requests fight each other on a small machine, so one
thread each (the default) answers faster overall (see DESIGN.md)."""
from __future__ import annotations

import gc
import json
import os

from archive.config import Settings

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
SPARE_THREADS = 4  # worker threads searches can never hold: health and pages answer under load


def limit_threads(count: int = 1) -> None:
    """Cap the math libraries' threads: env vars for anything loaded later, and the runtime
    setters for FAISS and torch, which read the variables only when first loaded."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(count)
    import faiss
    faiss.omp_set_num_threads(count)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(count)
    try:
        torch.set_num_interop_threads(count)
    except RuntimeError:  # only settable before torch's first parallel work
        pass


def worker_threads(app, threads: int) -> int:
    """Waitress threads: every admitted search (running or waiting, see admission.py) plus
    spares, so requests beyond the queue reach the app and get a fast 503 instead of
    queueing inside waitress where /api/health would wait behind them."""
    admission = app.extensions.get("newsarchive.admission")
    return (admission.capacity if admission else threads) + SPARE_THREADS


def _json_error_channel():
    """Waitress answers malformed, oversized (413) and header-heavy (431) requests itself,
    before the app sees them; this gives those replies the API's JSON error shape and the
    security headers too."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    from .app import SECURITY_HEADERS

    class JsonErrorTask(ErrorTask):
        def execute(self):
            error = self.request.error
            code = "_".join(error.reason.lower().split())
            body = json.dumps({"error": {"code": code, "message": error.body or error.reason, "param": None}})
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "application/json"))
            self.response_headers.extend(SECURITY_HEADERS.items())
            self.set_close_on_finish()
            self.content_length = len(body.encode())
            self.write(body.encode())

    class JsonErrorChannel(HTTPChannel):
        error_task_class = JsonErrorTask

    return JsonErrorChannel


# Container allocations between young collections (Python's default: 700). A query makes a few
# thousand short-lived containers (rows, candidates, results), nearly all freed by their reference
# counts, so the default ran a young collection or two a query over the live ones. Measured at 1M
# passages after the freeze, queries interleaved (benchmarks/query_profile.py --freeze, loaded box):
# CPU p50 a query 15.53 -> 14.88 ms at 7,000 (20,000: 15.07; 10,000 in another run: -0.58 ms).
YOUNG_THRESHOLD = 7_000


def freeze_loaded() -> None:
    """Move what is loaded by now (models, index, libraries: millions of objects, all long-lived)
    out of the garbage collector's reach: its full collections walked them all, a few queries in a
    hundred paying for it (measured at 1M passages: 2.5 ms a query on average, all in the tail);
    and collect the young generation less often (YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def make_server(app, host: str = "127.0.0.1", port: int = 8000, threads: int = 4, settings: Settings | None = None):
    """A waitress server bound to host:port (port 0 picks a free one); call .run() to serve.
    Its limits (connections, idle timeout, body and header sizes) come from `settings`."""
    from waitress import create_server
    settings = settings or app.config.get("SETTINGS") or Settings()
    server = create_server(
        app, host=host, port=port, threads=worker_threads(app, threads), ident="newsarchive",
        connection_limit=settings.connection_limit, channel_timeout=settings.channel_timeout,
        # idle channels are only looked for every cleanup_interval seconds (default 30)
        cleanup_interval=max(1, min(30, settings.channel_timeout // 2 or 1)),
        max_request_body_size=settings.max_request_body_size,
        max_request_header_size=settings.max_request_header_size)
    server.channel_class = _json_error_channel()
    return server


def server_url(server) -> str:
    host = server.effective_host
    if isinstance(host, str) and ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.effective_port}/"


def serve(settings: Settings, host: str, port: int, threads: int = 4, model_threads: int = 1, echo=print) -> None:
    """Build the app for `settings`, load the model and index now, and serve until stopped."""
    from indexer.embed import ModelError

    from .app import create_app
    from .resources import get

    limit_threads(model_threads)
    app = create_app({"SETTINGS": settings, "SEARCH_THREADS": threads})
    with app.app_context():
        try:
            get().warm_up()
        except ModelError as exc:  # serve anyway: pages and the API say the model is unavailable
            echo(f"warning: {exc}")
    freeze_loaded()
    server = make_server(app, host, port, threads)
    echo(f"Serving the archive at {server_url(server)} (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
