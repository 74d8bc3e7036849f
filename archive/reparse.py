"""Re-parse every stored raw capture with the current parser (what `newsarchive reindex` runs first).

    report = reparse(store, ReparseReport(), log=print)

An article whose new parse finds another canonical URL moves to its new id; a stored
article whose capture no longer parses is kept and reported; a capture that never became
an article and still does not parse is no news (only a parser crash is reported).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .ingest import SAVED, STATUS_TO_OUTCOME, IngestError, ParserError, parse
from .store import Store, article_id


@dataclass
class ReparseReport:
    reparsed: int = 0
    counts: Counter = field(default_factory=Counter)   # added / updated / unchanged / duplicates / moved
    failures: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (status, article id, title)

    def format_counts(self, show: int = 20) -> list[str]:
        """The re-parse lines of a report: counts, then up to `show` changed articles, then failures."""
        counts = ", ".join(f"{k} {self.counts[k]}" for k in (*SAVED, "moved") if self.counts[k] or k in SAVED)
        lines = [f"re-parsed {self.reparsed} stored captures: {counts}, failed {len(self.failures)}"]
        for status, ident, title in self.changed[:show]:
            lines.append(f"  {status}: {ident} {title or '(untitled)'}")
        if len(self.changed) > show:
            lines.append(f"  ... and {len(self.changed) - show} more")
        lines += [f"failed: {origin}: {reason} (the stored article is kept)" for origin, reason in self.failures]
        return lines


def reparse(store: Store, report: ReparseReport, log: Callable[[str], None] | None = None) -> ReparseReport:
    log = log or (lambda message: None)
    for row in store.stored_captures():
        origin = row["url"] or f"capture {row['capture_id']}"
        try:
            capture = store.read_capture(row["capture_id"])
            article = parse(capture)
        except ParserError as exc:
            report.failures.append((origin, str(exc)))
            continue
        except (IngestError, KeyError, ValueError, OSError) as exc:
            if row["article_id"] is not None:  # an orphan that still will not parse is no news
                report.failures.append((origin, str(exc) or type(exc).__name__))
            continue
        except Exception as exc:  # noqa: BLE001 - a reader bug on one capture must not stop the run
            report.failures.append((origin, f"parser error ({type(exc).__name__}: {exc})"))
            continue
        report.reparsed += 1
        article.language = article.language or row["language"]
        old = row["article_id"]
        moved = old is not None and article_id(article.canonical_url or article.url or "") != old
        if moved:  # the new parser found another canonical URL: the article moves to its new id
            store.delete_article(old)
        result = store.save_article(article, row["capture_id"], row["source_id"])
        status = "moved" if moved else STATUS_TO_OUTCOME[result.status]
        report.counts[status] += 1
        if status != "unchanged":
            report.changed.append((status, result.article_id, article.title or ""))
            log(f"{status}: {result.article_id} {article.title or ''}")
    return report
