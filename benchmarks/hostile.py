"""Peak memory and time of ingesting hostile inputs, each in its own process (ru_maxrss of
that child, via os.wait4), with what the ingest said about it.

    .venv/bin/python benchmarks/hostile.py [--code DIR] [--only NAME ...]

--code runs the children against another checkout of the project (for a before/after
table: `git archive main | tar -x -C /tmp/before`, then --code /tmp/before). Inputs are
built in a temporary folder: a .warc.gz whose first record inflates to 1 GB (then a normal
record), a gzipped HTML page inflating to 1 GB, 10 MB and 50 MB HTML pages, 850k nested
divs, an empty .warc.gz, a binary file, a page claiming another site's canonical URL, a
symlink loop, a FIFO and a device.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GB = 1 << 30
PARAGRAPH = ("<p>The council met on Tuesday to discuss the budget, and the mayor said that the "
             "new plan would be published within weeks after a long debate over spending.</p>\n")

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from archive.ingest import Ingester, ingest_source
from archive.store import Store
ingester = Ingester(Store(sys.argv[2]))
ingest_source(ingester, sys.argv[3])
print(json.dumps({"tally": dict(ingester.tally), "said": ([f.reason for f in ingester.failures]
                                           + getattr(ingester, "notes", []))[:2],
                  "module": __import__("archive").__file__}))
"""


def warc_record(url: str, body: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(url))}>\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def article(title: str, paragraphs: int, canonical: str = "") -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1>"
            + PARAGRAPH * paragraphs + "</article></body></html>").encode()


def bomb_member(size: int) -> bytes:
    """A gzip member of a WARC record whose body is `size` zero bytes (~1 MB compressed per GB)."""
    url = "https://bomb.example/huge"
    http_head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http_head) + size}\r\n\r\n").encode()
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [deflater.compress(head + http_head)]
    zeros = bytes(1 << 24)
    for _ in range(size // len(zeros)):
        parts.append(deflater.compress(zeros))
    parts.append(deflater.compress(b"\r\n\r\n"))
    return b"".join(parts) + deflater.flush()


def gzip_bomb(size: int) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [deflater.compress(b"<html><body><p>")]
    zeros = b" " * (1 << 24)
    for _ in range(size // len(zeros)):
        parts.append(deflater.compress(zeros))
    return b"".join(parts) + deflater.flush()


def build(folder: Path) -> dict[str, Path]:
    made: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        made[name] = folder / name

    put("bomb-1gb.warc.gz", bomb_member(GB) + gzip.compress(warc_record("https://ok.example/a", article("After", 30))))
    put("bomb-1gb.html.gz", gzip_bomb(GB))
    put("page-10mb.html", article("Ten megabytes", 10 * (1 << 20) // len(PARAGRAPH)))
    put("page-50mb.html", article("Fifty megabytes", 50 * (1 << 20) // len(PARAGRAPH)))
    put("nested-850k.html", b"<html><body>" + b"<div>" * 850_000 + PARAGRAPH.encode() * 5 + b"</div>" * 850_000)
    put("empty.warc.gz", b"")
    put("binary.html", os.urandom(1 << 20))
    put("foreign-canonical.html", article("Spoof", 30, "https://victim.example/news/1"))
    (folder / "loop-a.html").symlink_to(folder / "loop-b.html")
    (folder / "loop-b.html").symlink_to(folder / "loop-a.html")
    made["symlink-loop"] = folder / "loop-a.html"
    os.mkfifo(folder / "fifo.html")
    made["fifo"] = folder / "fifo.html"
    made["device"] = Path("/dev/zero")
    return made


def run_one(code: Path, source: Path, data: Path, timeout: float = 300) -> dict:
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(code), str(data), str(source)],
                                 stdout=out, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        _pid, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        timer.cancel()
        child.returncode = status
        out.seek(0)
        lines = out.read().strip().splitlines()
    seconds = time.perf_counter() - start
    try:
        said = json.loads(lines[-1])
    except (ValueError, IndexError):
        said = {"error": ("killed after timeout" if seconds >= timeout else (lines or ["(no output)"])[-1][:90])}
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, **said}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout the children import")
    parser.add_argument("--only", nargs="*", help="input names to run (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = build(Path(tmp))
        print(f"code: {args.code}\n")
        print("| input | peak RSS | time | outcome | reason |\n|---|---|---|---|---|")
        for name, path in inputs.items():
            if args.only and name not in args.only:
                continue
            row = run_one(args.code, path, Path(tmp) / f"data-{name}")
            tally = ", ".join(f"{k} {v}" for k, v in row.get("tally", {}).items() if v) or row.get("error", "")
            rss = f"{row['rss_mb']:.0f} MB"
            print(f"| {name} | {rss} | {row['seconds']:.1f} s | {tally} | {'; '.join(row.get('said', []))[:80]} |",
                  flush=True)


if __name__ == "__main__":
    main()
