"""The real server under load: `newsarchive serve` (a subprocess, default settings) on an
indexed archive of the benchmark pages and the seed, driven by 1, 4, 16 and 64 clients with
the dev questions, then by 4 clients while 150 idle sockets are held.

Prints per level: searches, throughput (200s a second), p50/p95/p99, errors by status,
/api/health latency (polled during the level), and the server's RSS before and after; ends
with one JSON line. Clients keep their connection open and honour Retry-After on a 503.

    .venv/bin/python benchmarks/load.py [--requests 160] [--root DIR] [--data-dir DIR]

`--root` serves another checkout (e.g. a worktree of the previous commit) with this one's
virtualenv, to compare before and after on the same data."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, SEEDS, WARC, ingest_all, load_questions

LEVELS = (1, 4, 16, 64)
IDLE_SOCKETS = 150


def build_archive(data_dir: Path) -> None:
    """The benchmark pages and the seed, ingested and indexed once (kept for the next run)."""
    if (data_dir / ".load-bench-ready").exists():
        return
    shutil.rmtree(data_dir, ignore_errors=True)
    from archive.config import Settings
    from indexer.build import build_index
    ingest_all(data_dir, (WARC, SEEDS))
    build_index(Settings.load(data_dir))
    (data_dir / ".load-bench-ready").touch()


def start_server(root: Path, data_dir: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, "-m", "webui.cli", "--data-dir", str(data_dir), "serve",
                             "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        if "Serving the archive" in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain the log
            return proc, port
    proc.kill()
    raise SystemExit("server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def client(port: int, queries: list[str], timings: list, statuses: Counter, lock, timeout: float) -> None:
    conn = None
    for q in queries:
        started = time.perf_counter()
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", "/api/search?" + urlencode({"q": q}))
            response = conn.getresponse()
            response.read()
            status, retry = response.status, response.getheader("Retry-After")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            status, retry = f"{type(exc).__name__}", None
            conn = None
        elapsed = time.perf_counter() - started
        with lock:
            statuses[status] += 1
            if status == 200:
                timings.append(elapsed)
        if status == 503 and retry:
            time.sleep(float(retry))


def health_poller(port: int, stop: threading.Event, timings: list) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/api/health")
            conn.getresponse().read()
            conn.close()
            timings.append(time.perf_counter() - started)
        except (OSError, http.client.HTTPException):
            timings.append(None)  # no answer within 60 s (or refused)
        stop.wait(0.25)


def run_level(port: int, clients: int, questions: list[str], total: int, timeout: float = 60) -> dict:
    per_client = max(1, total // clients)
    timings: list[float] = []
    statuses: Counter = Counter()
    health: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    poller = threading.Thread(target=health_poller, args=(port, stop, health))
    threads = [threading.Thread(target=client, args=(port, [questions[(c * 7 + i) % len(questions)]
                                                          for i in range(per_client)],
                                                     timings, statuses, lock, timeout))
               for c in range(clients)]
    started = time.perf_counter()
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    stop.set()
    poller.join()
    ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
    answered = [h for h in health if h is not None]
    return {"clients": clients, "requests": sum(statuses.values()), "wall_s": round(wall, 1),
            "throughput": round(len(timings) / wall, 1), "p50_ms": ms(percentile(timings, 0.5)),
            "p95_ms": ms(percentile(timings, 0.95)), "p99_ms": ms(percentile(timings, 0.99)),
            "errors": {str(k): v for k, v in sorted(statuses.items(), key=str) if k != 200},
            "health_p50_ms": ms(percentile(answered, 0.5)), "health_p95_ms": ms(percentile(answered, 0.95)),
            "health_max_ms": ms(max(answered) if answered else None), "health_failed": len(health) - len(answered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=160, help="searches per level")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to serve")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/newsarchive-load-bench"))
    args = parser.parse_args()
    questions = [q["query"] for q in load_questions()] + ["who threatened retaliation"]
    build_archive(args.data_dir)
    proc, port = start_server(args.root.resolve(), args.data_dir)
    try:
        rss_before = rss_mb(proc.pid)
        rows = [run_level(port, n, questions, max(args.requests, 2 * n)) for n in LEVELS]
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(IDLE_SOCKETS)]
        time.sleep(0.5)
        row = run_level(port, 4, questions, 40, timeout=30)
        rows.append(row | {"clients": f"4 + {IDLE_SOCKETS} idle"})
        for sock in idle:
            sock.close()
        rss_after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"server: {args.root}  data: {args.data_dir}")
    print("| clients | requests | throughput | p50 | p95 | p99 | errors | health p50 / p95 / max (failed) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = ", ".join(f"{v} x {k}" for k, v in r["errors"].items()) or "0"
        print(f"| {r['clients']} | {r['requests']} | {r['throughput']} q/s | {r['p50_ms']} ms | {r['p95_ms']} ms "
              f"| {r['p99_ms']} ms | {errors} | {r['health_p50_ms']} / {r['health_p95_ms']} / {r['health_max_ms']} ms ({r['health_failed']}) |")
    print(f"server RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after")
    print(json.dumps({"benchmark": "load", "root": str(args.root), "levels": rows,
                      "rss_before_mb": round(rss_before), "rss_after_mb": round(rss_after)}))


if __name__ == "__main__":
    main()
