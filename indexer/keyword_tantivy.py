"""Keyword retrieval with tantivy (a Lucene-like engine in Rust: block-max WAND over
memory-mapped segments), the `KeywordIndex` behind `keyword_index = "tantivy"`.

The index lives in the generation folder beside the passage database (`keyword.tantivy/`).
It indexes each passage's body (BM25, k1 1.2, b 0.75 as FTS5; the title is left out, as
FTS5's ranking gives it weight 0) with term frequencies but no positions, and the article
fields the search filters need, so filters apply inside retrieval with FTS5's meaning:
the day (yyyymmdd; 0 when undated, which an `until` filter lets through as SQL does),
the language, and the source (its name, its domain and every parent domain of it).
A new generation starts from hard links to the live index's files (tantivy never
rewrites a segment file; its metadata is replaced by rename), so a nightly build only
writes the new passages' segment.
"""
from __future__ import annotations

import math
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Iterable

from .keyword import query_terms
from .passages import Filters

FOLDER = "keyword.tantivy"
ANALYZER = "news"
# True: each term weighted by FTS5's idf, not tantivy's own (a boost of the ratio on each term query),
# so a passage scores as FTS5's bm25() scores it: tantivy's ln(1 + (N - n + 0.5) / (n + 0.5)) keeps
# ~0.7 for a word in half the passages where FTS5's ln((N - n + 0.5) / (n + 0.5)) gives ~0. Measured
# no gain: the same hit@1/hit@5/MRR on the dev questions and both halves (benchmarks/keyword_quality.py),
# the same share of FTS5's top 200 at 300k passages (0.878 / 0.880), but p95 28.6 ms against 8.7
# (benchmarks/keyword_latency.py, one run; question words are rare: the two idfs nearly agree). Off.
FTS5_IDF = False
WRITER_HEAP = 256_000_000
_LOCKS = (".tantivy-writer.lock", ".tantivy-meta.lock")


def _analyzer():
    """Words as FTS5's unicode61 splits them, lower-cased, accents folded, Porter-stemmed."""
    import tantivy
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english")).build())


def _schema():
    import tantivy
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)  # i64: what Python ints are taken as
    builder.add_text_field("text", tokenizer_name=ANALYZER, index_option="freq")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_text_field("lang", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    return builder.build()


def index_folder(conn: sqlite3.Connection) -> Path:
    """The tantivy folder beside the connection's database file."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        raise ValueError("the tantivy keyword index needs a database file, not an in-memory database")
    return Path(path).parent / FOLDER


def link_index(source: Path, target: Path) -> None:
    """Start `target` as the index at `source`: hard links (a copy across file systems)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name in _LOCKS or not item.is_file():
            continue
        try:
            os.link(item, target / item.name)
        except OSError:
            shutil.copy2(item, target / item.name)


def source_values(source: str | None, domain: str | None) -> list[str]:
    """What a `source` filter may name for an article: its source name, its domain and each
    parent domain (a filter on bbc.co.uk matches news.bbc.co.uk, as the SQL filter's LIKE)."""
    values = {source.lower()} if source else set()
    if domain:
        parts = domain.lower().split(".")
        values |= {".".join(parts[i:]) for i in range(len(parts))}
    return sorted(values)


def day_number(published: str | None) -> int:
    """yyyymmdd of an ISO date; 0 when there is none."""
    digits = (published or "")[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


def idf_ratio(total: int, count: int) -> float:
    """FTS5's idf of a term in `count` of `total` passages over tantivy's (see FTS5_IDF)."""
    fts5 = math.log((total - count + 0.5) / (count + 0.5))
    return max(fts5, 1e-6) / math.log(1 + (total - count + 0.5) / (count + 0.5))


class TantivyIndex:
    """`KeywordIndex` over a tantivy index in the generation folder of `conn`'s database."""

    def __init__(self, conn: sqlite3.Connection, writable: bool = False, live: Path | None = None,
                 folder: Path | None = None):
        """`folder`: somewhere else than the generation's own (a benchmark's side index)."""
        import tantivy
        self.conn = conn
        own = folder is None
        self.folder = Path(folder) if folder else index_folder(conn)
        self.analyzer = _analyzer()
        fresh = writable and not (self.folder / "meta.json").exists()
        if fresh and live is not None and (live / FOLDER / "meta.json").exists():
            link_index(live / FOLDER, self.folder)
            fresh = False
        if writable:
            self.folder.mkdir(exist_ok=True)
        elif not (self.folder / "meta.json").exists():
            raise FileNotFoundError(f"no tantivy keyword index in {self.folder.parent} (run newsarchive index)")
        self.index = tantivy.Index(_schema(), str(self.folder), reuse=True)
        self.index.register_tokenizer(ANALYZER, self.analyzer)
        self.schema = self.index.schema
        self._writer = None
        self._searcher = None if writable else self.index.searcher()
        if fresh:  # the passages of a generation built with another keyword index (or none yet)
            if own:
                conn.execute("DROP TABLE IF EXISTS passages_fts")  # FTS5's rows are not needed any more
            self.add_all()

    def add_all(self, batch: int = 20_000) -> None:
        """Index every passage of the database (a first build, or one from FTS5)."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT id, title, text FROM passages WHERE id > ? ORDER BY id LIMIT ?",
                                     [last, batch]).fetchall()
            if not rows:
                return
            self.add([tuple(r) for r in rows])
            last = rows[-1][0]

    # ------------------------------------------------------------------ writing

    @property
    def writer(self):
        if self._writer is None:
            self._writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        return self._writer

    def add(self, passages: Iterable[tuple[int, str, str]]) -> None:
        import tantivy
        rows = list(passages)
        articles = self._article_fields([r[0] for r in rows])
        for passage_id, _title, text in rows:
            published, source, domain, lang = articles.get(passage_id, (None, None, None, None))
            doc = tantivy.Document()
            doc.add_integer("id", int(passage_id))
            doc.add_text("text", text or "")
            doc.add_integer("day", day_number(published))
            doc.add_text("lang", (lang or "").lower())
            for value in source_values(source, domain):
                doc.add_text("source", value)
            self.writer.add_document(doc)

    def remove(self, passages: Iterable[tuple[int, str, str]]) -> None:
        for passage_id, _title, _text in passages:
            self.writer.delete_documents_by_term("id", int(passage_id))

    def finish(self) -> None:
        """Commit, let merges finish and drop the files they replaced."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
            self.index.writer(heap_size=15_000_000, num_threads=1).garbage_collect_files()
        self.index.reload()

    def _article_fields(self, ids: list[int]) -> dict[int, tuple]:
        found: dict[int, tuple] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            sql = ("SELECT p.id, a.published, a.source, a.domain, a.language FROM passages p"
                   f" JOIN articles a USING (article_id) WHERE p.id IN ({','.join('?' * len(part))})")
            found.update((r[0], tuple(r[1:])) for r in self.conn.execute(sql, part))
        return found

    # ------------------------------------------------------------------ searching

    def search(self, query: str, limit: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """[(passage id, BM25 score)] best first: an OR of the query's content words."""
        import tantivy
        words = self.stems(query)
        if not words:
            return []
        Q, should, must = tantivy.Query, tantivy.Occur.Should, tantivy.Occur.Must
        searcher = self._searcher or self.index.searcher()
        terms = [Q.term_query(self.schema, "text", w, index_option="freq") for w in words]
        if FTS5_IDF:
            total = searcher.num_docs
            terms = [Q.boost_query(t, idf_ratio(total, searcher.doc_freq("text", w))) for t, w in zip(terms, words)]
        text = Q.boolean_query([(should, t) for t in terms])
        clauses = self._filter_clauses(filters)
        query_ = Q.boolean_query([(must, text)] + [(must, c) for c in clauses]) if clauses else text
        result = searcher.search(query_, limit, count=False)
        if not result.hits:
            return []
        addresses = [address for _, address in result.hits]
        ids = searcher.fast_field_values("id", addresses)
        return [(int(i), float(score)) for i, (score, _) in zip(ids, result.hits)]

    def stems(self, query: str) -> list[str]:
        """The query's content words as the index holds them (stemmed, de-duplicated)."""
        words: list[str] = []
        for term in query_terms(query):
            words += self.analyzer.analyze(term)
        return list(dict.fromkeys(words))

    def _filter_clauses(self, filters: Filters | None) -> list:
        import tantivy
        Q = tantivy.Query
        if filters is None:
            return []
        clauses = []
        if filters.since or filters.until:
            low = day_number(filters.since) if filters.since else None
            high = day_number(filters.until) if filters.until else None
            clauses.append(Q.range_query(self.schema, "day", tantivy.FieldType.Integer,
                                         low if low else None, high if high else None))
        if filters.source:
            wanted = filters.source.lower()
            values = sorted({wanted, wanted.removeprefix("www.")})
            clauses.append(Q.term_set_query(self.schema, "source", values))
        if filters.lang:
            clauses.append(Q.term_query(self.schema, "lang", filters.lang.lower()))
        return clauses
