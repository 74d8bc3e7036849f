"""benchmarks/query.py's HTTP figures: `newsarchive serve` in a child process under several client
threads; and the process memory figures it reports."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from common import ROOT


def percentiles(values: list[float]) -> dict:
    a = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "mean_ms": round(float(a.mean()), 2), "n": len(a)}


def rss_mb(pid: int | str = "self") -> dict:
    """Resident memory; its file-backed part (mapped index files: page cache the kernel can drop)
    apart from the process's own (anonymous) memory."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                fields[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM"),
            "anon_mb": fields.get("RssAnon"), "file_mb": fields.get("RssFile")}


def run_clients(port: int, queries: list[str], clients: int, get) -> dict:
    """`clients` threads, each on its own connection, sending every query once between them."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(offset: int):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for q in queries[offset::clients]:
            t0 = time.perf_counter()
            try:
                get(c, q)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
        c.close()

    t0 = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    return {"clients": clients, **percentiles(latencies), "qps": round(len(latencies) / wall, 1), "errors": len(errors)}


def measure_http(data_dir: Path, queries: list[str], client_counts: list[int], threads: int) -> dict:
    """`newsarchive serve` in a child process; time to first answer, then for each count in
    `client_counts` that many threads sending every query once between them (one server, so the
    later counts find it warm)."""
    try:
        import webui.server  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"the web app is not importable yet ({exc})"}
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", "from webui.cli import main; main()", "--data-dir", str(data_dir),
                               "serve", "--port", "0", "--threads", str(threads)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port, lines = None, []
        while port is None:
            line = server.stdout.readline()
            if not line:
                return {"skipped": "the server exited: " + "".join(lines)[-800:]}
            lines.append(line)
            match = re.search(r"http://[^:/]+:(\d+)/", line)
            if match:
                port = int(match.group(1))
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained

        def get(conn, q):
            from urllib.parse import urlencode
            conn.request("GET", "/api/search?" + urlencode({"q": q, "k": 10}))
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
            return body

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        get(conn, queries[0])
        first_query_s = time.perf_counter() - started  # process start, model and index load, first answer
        for q in queries[:10]:
            get(conn, q)
        conn.close()
        runs = [run_clients(port, queries, clients, get) for clients in client_counts]
        memory = rss_mb(server.pid)
        return {"first_query_s": round(first_query_s, 2), "server_threads": threads, "runs": runs,
                "server_rss_mb": memory["rss_mb"], "server_peak_rss_mb": memory["peak_rss_mb"],
                "server_anon_mb": memory["anon_mb"], "server_file_mb": memory["file_mb"]}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()

