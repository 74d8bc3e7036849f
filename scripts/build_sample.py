"""Builds archive/sample/sample.warc.gz, the archive a first run without network starts from:
the seed article and the first PAGES pages of the MIT-licensed article-extraction benchmark,
as one compressed WARC (each record its own gzip member). Run once by a maintainer:

    .venv/bin/python scripts/build_sample.py [--pages 40]
"""
from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "data" / "article-extraction-benchmark"
TARGET = ROOT / "archive" / "sample"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "sample.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for seed in sorted((SHARED / "seeds").glob("*.txt")):
            writer.write_record(writer.create_warc_record(
                f"file:///sample/{seed.name}", "resource", payload=io.BytesIO(seed.read_bytes()),
                warc_content_type="text/plain; charset=utf-8"))
        kept = 0
        with open(BENCH / "pages.warc.gz", "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or kept >= args.pages:
                    continue
                writer.write_record(writer.create_warc_record(
                    record.rec_headers.get_header("WARC-Target-URI"), "response",
                    payload=io.BytesIO(record.content_stream().read()), http_headers=record.http_headers))
                kept += 1
    shutil.copy(BENCH / "LICENSE", TARGET / "LICENSE")
    print(f"{TARGET / 'sample.warc.gz'}: {kept} pages and the seed, "
          f"{(TARGET / 'sample.warc.gz').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
