"""Serving with waitress, the production WSGI server. The model runs with few threads per
process: OpenMP threads of several requests fight each other on a small machine, so one
thread each (the default) answers faster overall (see DESIGN.md)."""
from __future__ import annotations

import os

from archive.config import Settings

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


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


def make_server(app, host: str = "127.0.0.1", port: int = 8000, threads: int = 4):
    """A waitress server bound to host:port (port 0 picks a free one); call .run() to serve."""
    from waitress import create_server
    return create_server(app, host=host, port=port, threads=threads, ident="newsarchive")


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
    app = create_app({"SETTINGS": settings})
    with app.app_context():
        try:
            get().warm_up()
        except ModelError as exc:  # serve anyway: pages and the API say the model is unavailable
            echo(f"warning: {exc}")
    server = make_server(app, host, port, threads)
    echo(f"Serving the archive at {server_url(server)} (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
