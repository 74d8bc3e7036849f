"""How search results are shown: highlighted HTML from the engine's match spans, citation
links to the archived paragraph (`url_for`, so they follow the routes), and links that land
on the quoted words in the original page. Used by the views (pages and API) and the CLI,
so all three give the same fields."""
from __future__ import annotations

import html
from urllib.parse import quote

from flask import url_for

# Words of the passage quoted at each end of a text-fragment link (#:~:text=start,end).
FRAGMENT_WORDS = 5


def highlight(text: str, spans: list[tuple[int, int, str | None]]) -> str:
    """HTML-escaped text with each span in <mark>; a late-interaction match (a span with the
    query word it stands for) in <mark class="near" title="close to “word”">."""
    out, last = [], 0
    for start, end, near in spans:
        out.append(html.escape(text[last:start]))
        word = html.escape(text[start:end])
        out.append(f"<mark>{word}</mark>" if near is None else
                   f'<mark class="near" title="{html.escape("close to “" + near + "”")}">{word}</mark>')
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def public_url(url: str | None) -> str | None:
    """A URL as visitors may see it: a local file's `file:` URL keeps its file name only
    (file:///seed.txt), never the server's directory; the store and the CLI keep the path."""
    if not url or not url.lower().startswith("file:"):
        return url
    return "file:///" + url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def article_url(article_id: str) -> str:
    """The stored copy of an article."""
    return url_for("pages.article", ident=article_id)


def cite_url(article_id: str, position: int) -> str:
    """A paragraph of the stored copy: /articles/<id>#p<n>."""
    return url_for("pages.article", ident=article_id, _anchor=f"p{position}")


def _fragment_part(words: list[str]) -> str:
    return quote(" ".join(words), safe="")


def text_fragment_url(url: str | None, text: str, words: int = FRAGMENT_WORDS) -> str | None:
    """A link that lands on the quoted words in the original page (#:~:text=start,end)."""
    if not url or not url.startswith(("http://", "https://")):
        return url
    tokens = text.split()
    if not tokens:
        return url
    base = url.split("#", 1)[0]
    if len(tokens) <= 2 * words:
        return f"{base}#:~:text={_fragment_part(tokens)}"
    return f"{base}#:~:text={_fragment_part(tokens[:words])},{_fragment_part(tokens[-words:])}"


def hit(result: dict) -> dict:
    """One engine hit as pages and the API show it (the OpenAPI `SearchResult`)."""
    article = {**result["article"], "url": public_url(result["article"].get("url"))}
    return {
        "rank": result["rank"],
        "score": result["score"],
        "text": result["text"],
        "highlighted": highlight(result["text"], result["matches"]),
        "paragraph": result["paragraph"],
        "passage_id": result["passage_id"],
        "article": article,
        "cite_url": cite_url(article["id"], result["paragraph"]),
        "original_url": text_fragment_url(article["url"], result["text"]),  # public_url'd above
        "scores": result["scores"],
        **({"more_reports": result["more_reports"]} if "more_reports" in result else {}),  # group=story
        "more": [{**m, "cite_url": cite_url(article["id"], m["paragraph"])} for m in result.get("more", ())],
        "speakers": [{"name": n, "speaker_url": speaker_url(n)} for n in result.get("speakers", [])],
    }


def search_response(response: dict) -> dict:
    """The engine's response with each hit and answer presented (needs an app or request context)."""
    return {**response, "results": [hit(r) for r in response["results"]],
            "answers": [statement(a) for a in response.get("answers", [])]}


def speaker_url(name: str) -> str:
    """The speaker's page: their statements, newest first."""
    return url_for("pages.speaker", name=name)


def statement_cite_url(article_id: str, paragraph: int) -> str:
    """A statement's place in the stored copy: its paragraph, or the headline (paragraph -1)."""
    from archive.statements.headline import TITLE
    return url_for("pages.article", ident=article_id, _anchor="title") if paragraph == TITLE \
        else cite_url(article_id, paragraph)


def statement(row: dict) -> dict:
    """A statement (an answer card, /api/statements, a speaker page) with its citation links
    (the OpenAPI `Statement`)."""
    article = row["article"] if "article" in row else {
        "id": row["article_id"], "url": row.get("url") or row.get("canonical_url"), "title": row.get("title"),
        "source": row.get("source"), "published": row.get("published"), "language": row.get("language")}
    article = {**article, "url": public_url(article.get("url"))}
    return {
        "speaker": row["speaker"], "role": row.get("role"), "text": row["text"], "cue": row.get("cue"),
        "kind": row["kind"], "paragraph": row["paragraph"] if row["paragraph"] >= 0 else None,
        "headline": row["paragraph"] < 0, "date": (article.get("published") or "")[:10] or None,
        "article": article, "score": row.get("score"),
        "cite_url": statement_cite_url(article["id"], row["paragraph"]),
        "speaker_url": speaker_url(row["speaker"]),
        "original_url": text_fragment_url(article.get("url"), row["text"]),
    }
