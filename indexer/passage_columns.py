"""The fields the ranking reads of every candidate, held in memory as compact columns, one set a
generation (read once, on its first query): which article (and that article's date), the paragraph
position, the content hash (late interaction's and the answer types' key), and whether the text
opens with a dateline (indexer.datelines). The rest of a row (its text, the article's title, link,
source, language) is read from passages.sqlite only for the passages that need it: the shown ones
and their "more", and the few the ranking reads the text of.

Why: a query ranks ~370 candidates and shows 10. Reading all their rows from SQLite (passage and
article B-trees, no memory map: indexer.passages) cost ~3 ms CPU a query at 1M passages, as much as
the vector search, for text that 95% of them never show.

Memory a passage (1M: report of benchmarks/query.py): id 4-8 B, article 4 B, position 2-4 B, hash
20 B (40 hex digits; other hashes as their own bytes), dateline 1 B: ~31 B, 310 MB at 10M.

Measured and dropped (rows, 370 ids at 1M): the hashes as one hex string cut in pieces and the
lookups bound to locals: 0.57-0.62 ms CPU against 0.55-0.74, within the noise (the Rows dominate).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from . import passages
from .datelines import DATELINE

# The fields a Row has only once filled (passages.fetch_passages's, besides the columns' own).
FULL = frozenset(("text", "title", "url", "canonical_url", "source", "domain", "language"))
SAVED = "passage-columns.npz"  # the columns saved beside the generation's database (with its size and time)
CHUNK = 65536  # rows read at a time while loading (bounds the load's own memory)


def save_stamped(path: Path, stamp: list[int], **arrays: np.ndarray) -> None:
    """Arrays saved beside a generation with the stamp of what they were read from, atomically: a
    reader (another thread or process) finds the whole file or none."""
    part = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    with open(part, "wb") as out:
        np.savez(out, stamp=np.asarray(stamp, dtype=np.int64), **arrays)
    os.replace(part, path)


def load_stamped(path: Path, stamp: list[int]) -> dict[str, np.ndarray] | None:
    """What save_stamped wrote to `path` with this stamp (its arrays, stamp left out); None where
    the file is missing, unreadable or was saved from another file."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if saved["stamp"].tolist() != stamp:
                return None
            return {name: saved[name] for name in saved.files if name != "stamp"}
    except (OSError, ValueError, KeyError):
        return None


def _smallest(values: list[int], kinds=(np.int16, np.int32, np.int64)) -> np.ndarray:
    """values in the narrowest signed integer type that holds them."""
    top = max((abs(v) for v in values), default=0)
    return np.asarray(values, dtype=next(k for k in kinds if top <= np.iinfo(k).max))


def _hash_column(hashes: list[str]) -> np.ndarray:
    """Content hashes as a column: lower-case hex digits of one length as their bytes (void: numpy
    keeps trailing zero bytes), any other hashes as their own bytes."""
    if hashes and len({len(h) for h in hashes}) == 1 and len(hashes[0]) % 2 == 0:
        joined = "".join(hashes)
        try:
            binary = bytes.fromhex(joined)
        except ValueError:
            binary = None
        if binary is not None and binary.hex() == joined:  # given back as it was: lower case only
            return np.frombuffer(binary, dtype=f"V{len(hashes[0]) // 2}")
    return np.asarray([h.encode() for h in hashes], dtype="S")


class PassageColumns:
    """One generation's columns, rows sorted by passage id."""

    def __init__(self, ids: np.ndarray, article: np.ndarray, position: np.ndarray, dateline: np.ndarray,
                 hashes: np.ndarray, article_ids: list[str], published: list[str | None]):
        self.ids, self.article, self.position, self.dateline, self.hashes = ids, article, position, dateline, hashes
        self.article_ids, self.published = article_ids, published
        self.hex = hashes.dtype.kind == "V"  # hex digits held as their bytes
        self.folder: Path | None = None  # the generation's (for what is saved beside it)

    @classmethod
    def scan(cls, conn) -> "PassageColumns":
        """Read from the generation's database (every row once)."""
        articles, published = [], []
        for article_id, date in passages.article_dates(conn):
            articles.append(article_id)
            published.append(date)
        number = {a: n for n, a in enumerate(articles)}
        ids, article, position, hashes, dateline = [], [], [], [], []
        for chunk in passages.column_rows(conn, CHUNK):
            for i, a, p, h, text in chunk:
                ids.append(i)
                article.append(number[a])
                position.append(p)
                hashes.append(h)
                dateline.append(DATELINE.match(text) is not None)
        return cls(_smallest(ids, (np.int32, np.int64)), np.asarray(article, dtype=np.int32), _smallest(position),
                   np.asarray(dateline, dtype=bool), _hash_column(hashes), articles, published)

    def save(self, path: Path, stamp: list[int]) -> None:
        """Write to `path` (atomically; a reader finds the whole file or none), with the database's stamp."""
        arrays = {name: getattr(self, name) for name in ("ids", "article", "position", "dateline", "hashes")}
        arrays["article_ids"] = np.asarray([a.encode() for a in self.article_ids], dtype="S")
        arrays["published"] = np.asarray([(p or "").encode() for p in self.published], dtype="S")
        arrays["dated"] = np.asarray([p is not None for p in self.published], dtype=bool)
        save_stamped(path, stamp, **arrays)

    @classmethod
    def load(cls, path: Path, stamp: list[int]) -> "PassageColumns | None":
        """What `save` wrote, or None where it is missing, unreadable or of another database."""
        saved = load_stamped(path, stamp)
        if saved is None:
            return None
        try:
            published = [p.decode() if d else None for p, d in zip(saved["published"].tolist(), saved["dated"])]
            return cls(saved["ids"], saved["article"], saved["position"], saved["dateline"], saved["hashes"],
                       [a.decode() for a in saved["article_ids"].tolist()], published)
        except (ValueError, KeyError):  # a column missing, or bytes that do not decode
            return None

    def nbytes(self) -> int:
        """Bytes the passage columns hold (not the article lists)."""
        return sum(a.nbytes for a in (self.ids, self.article, self.position, self.dateline, self.hashes))

    def index_of(self, ids: list[int]) -> np.ndarray:
        """Where these passages (all in the generation) sit in the columns."""
        return np.searchsorted(self.ids, np.asarray(ids, dtype=np.int64).astype(self.ids.dtype, casting="unsafe"))

    def hash_strings(self, column: np.ndarray | None = None):
        """The content hashes of `column` (some of self.hashes; default every passage's), in order, as strings."""
        raw = self.hashes if column is None else column
        return (h.tobytes().hex() for h in raw) if self.hex else (h.decode() for h in raw.tolist())

    def rows(self, conn, ids: list[int], known: dict | None = None) -> "Rows":
        """Rows of these passages (those not in the generation are left out), with the ranking's
        fields; the others are read on first use (Rows.fill). `known`: rows built before for some of
        them (beside the model pass, in another thread), taken into this set: the same rows, by id."""
        if known:
            built = self.rows(conn, [i for i in ids if i not in known])
            out = Rows(conn)
            for i in sorted(built.keys() | {i for i in ids if i in known}):
                row = built[i] if i in built else known[i]
                row.owner = out
                out[i] = row
            return out
        wanted = np.unique(np.asarray(ids, dtype=np.int64))  # by id, as SQLite gave them
        # the needles in the column's own type: else numpy converts the whole column a call
        at = np.searchsorted(self.ids, wanted.astype(self.ids.dtype, casting="unsafe"))
        at = np.minimum(at, max(len(self.ids) - 1, 0))
        if len(self.ids):
            found = self.ids[at] == wanted
            wanted, at = wanted[found], at[found]
        else:
            wanted, at = wanted[:0], at[:0]
        article, position = self.article[at].tolist(), self.position[at].tolist()
        hashes, dateline = self.hash_strings(self.hashes[at]), self.dateline[at].tolist()
        out = Rows(conn)
        for i, a, p, h, d in zip(wanted.tolist(), article, position, hashes, dateline):
            row = Row(id=i, article_id=self.article_ids[a], position=p, embed_hash=h, published=self.published[a])
            row.owner, row.dateline = out, d
            out[i] = row
        return out


class Row(dict):
    """A candidate's row: the columns' fields, the rest (FULL) read for its whole set on first use."""

    __slots__ = ("owner", "dateline")

    def __missing__(self, key):
        if key not in FULL or self.owner is None:
            raise KeyError(key)
        self.owner.fill()  # a reader of a field not prefetched: the whole set at once (as before)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):  # dict.get skips __missing__
        try:
            return self[key]
        except KeyError:
            return default


class Rows(dict):
    """passage id -> Row for one query; `fill` reads the full rows of those that need them."""

    def __init__(self, conn):
        super().__init__()
        self.conn = conn

    def fill(self, ids=None) -> None:
        """Read the text and article fields of these rows (every row when None), one query."""
        wanted = [i for i in (self if ids is None else ids) if i in self and "text" not in self[i]]
        for i, full in passages.fetch_passages(self.conn, wanted).items():
            self[i].update(zip(full.keys(), full))
        for i in wanted:  # gone from the database meanwhile: never asked again
            if "text" not in self[i]:
                self[i].owner = None

    def dateline_texts(self) -> dict[str, str]:
        """Text by hash of the rows that open with a dateline (all that datelines.strip_all changes)."""
        opening = [i for i, r in self.items() if r.dateline]
        self.fill(opening)
        return {self[i]["embed_hash"]: self[i]["text"] for i in opening if "text" in self[i]}


_loaded: dict[tuple, PassageColumns] = {}
_loaded_lock = threading.Lock()


def for_generation(folder: Path) -> PassageColumns:
    """The columns of the generation in `folder` (loaded on first use, the latest few kept); keyed by
    the database file too, so a folder rebuilt under the same name is read anew."""
    path = Path(folder) / "passages.sqlite"
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _loaded_lock:
        if key not in _loaded:
            while len(_loaded) >= 3:  # older generations' (or other archives') are dropped first
                _loaded.pop(next(iter(_loaded)))
            _loaded[key] = _read(path, [stat.st_size, stat.st_mtime_ns])
            _loaded[key].folder = Path(folder)
        return _loaded[key]


def prepare(folder: Path) -> PassageColumns:
    """Scan a new generation's columns and save them beside it (the build does, before the swap), so
    that its first query reads the saved copy instead of scanning: ~7 s at 1M passages."""
    path = Path(folder) / "passages.sqlite"
    stat = path.stat()
    found = _read(path, [stat.st_size, stat.st_mtime_ns])
    found.folder = Path(folder)
    return found


def _read(path: Path, stamp: list[int]) -> PassageColumns:
    """From the saved copy beside the database where it matches, else from the database (then saved:
    at 1M passages the scan took 3 s CPU, the copy ~0.1 s)."""
    saved = path.with_name(SAVED)
    found = PassageColumns.load(saved, stamp)
    if found is None:
        conn = passages.connect(path, readonly=True)
        conn.row_factory = None  # plain tuples: every row read
        try:
            found = PassageColumns.scan(conn)
        finally:
            conn.close()
        try:
            found.save(saved, stamp)
        except OSError:  # a read-only archive: scanned again next time
            pass
    return found
