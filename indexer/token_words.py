"""The word span of each content token (late.kept_words) for several texts in one tokenizer call:
what the highlight needs of the passages shown. Through transformers, one text at a time, a
passage cost 0.21 ms CPU (tokenizer 0.10, the rest its wrapping and a Python loop); here the
Rust tokenizer's own batch call. The tokenizer is a private copy set up once (truncation at the
model's length, no padding) and never reconfigured, so server threads use it at once without
the model's lock (transformers sets truncation on the shared one on every call).

Measured and dropped: _kept over numpy (word spans by np.unique of the word ids, the per-word test
alone in Python): 0.074 ms CPU a passage against the loop's 0.045 (3,300 passages, same spans)."""
from __future__ import annotations

import contextlib
import re
from typing import Any

from . import late
from .keyword import STOPWORDS

# A text the Bert normaliser maps char for char (lowercase only: no accent to strip, no control
# character to drop, no special token's text to match) splits into runs of letters and digits and
# single other characters; the quotes and dashes news uses are Unicode punctuation, words alone.
# Cyrillic without й/ё (whose accents the normaliser strips). Others take the tokenizer's path.
_LETTERS = "A-Za-z0-9\u0410-\u0418\u041a-\u0438\u043a-\u044f"
_MARKS = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb"
_WORD = re.compile(f"[{_LETTERS}]+|[^{_LETTERS} \\t\\n\\r\u00a0]")
_NOT_PLAIN = re.compile(f"[^{_LETTERS}\\x20-\\x7e\\t\\n\\r\u00a0{_MARKS}]")


class TokenWords:
    """kept_words for many texts; the same spans as late.kept_words (a slow tokenizer: it)."""

    def __init__(self, tokenizer: Any, max_length: int, lock: Any = None):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.lock = lock or contextlib.nullcontext()  # guards the shared tokenizer (the slow one's path)
        self._own = None
        backend = getattr(tokenizer, "backend_tokenizer", None) if getattr(tokenizer, "is_fast", False) else None
        if backend is not None:
            from tokenizers import Tokenizer
            own = Tokenizer.from_str(backend.to_str())
            own.no_padding()
            own.enable_truncation(max(max_length, 2))
            self._own = own
            self._pieces = _PieceCounts(own, max_length) if _plain_bert(own) else None

    def kept_words(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """For each text, the (start, end) of the word of each of its content tokens, in order."""
        if self._own is None:
            with self.lock:
                return [late.kept_words(self.tokenizer, text, self.max_length) for text in texts]
        found = [self._pieces.kept(text) if self._pieces else None for text in texts]
        slow = [n for n, kept in enumerate(found) if kept is None]
        for n, encoding in zip(slow, self._own.encode_batch([texts[n] for n in slow]) if slow else []):
            found[n] = _kept(texts[n], encoding)
        return found


def _plain_bert(tokenizer: Any) -> bool:
    """Whether words split as _WORD does: Bert's normaliser and pre-tokeniser, WordPiece."""
    state = tokenizer.to_str().replace(" ", "")  # lowercase: words are counted lowercased
    return all(f'"type":"{t}"' in state for t in ("BertNormalizer", "BertPreTokenizer", "WordPiece")) \
        and '"lowercase":true' in state


class _PieceCounts:
    """kept_words without the tokenizer for plain texts (_NOT_PLAIN): each word's WordPiece count, looked up
    once a word (news repeats its words), gives which content token covers which word. The tokenizer
    call it saves was ~0.09 ms CPU a passage, its Python loop over the tokens ~0.07."""

    LIMIT = 500_000  # words remembered (then forgotten at once: a few tens of MB at most)

    def __init__(self, tokenizer: Any, max_length: int):
        self.model = tokenizer.model
        self.room = max(max_length, 2) - len(tokenizer.encode("").ids)  # less [CLS] and [SEP]
        self.counts: dict[str, int] = {}
        self.specials = [t.content.lower() for t in tokenizer.get_added_tokens_decoder().values()]

    def kept(self, text: str) -> list[tuple[int, int]] | None:
        """As _kept on the text's encoding; None where this cannot say (the tokenizer must)."""
        if _NOT_PLAIN.search(text) or ("[" in text and any(s in text.lower() for s in self.specials)):
            return None
        counts, kept, used = self.counts, [], 0
        for match in _WORD.finditer(text):
            piece = match.group()
            lower = piece.lower()
            count = counts.get(lower)
            if count is None:
                if len(counts) >= self.LIMIT:
                    counts.clear()
                count = counts[lower] = len(self.model.tokenize(lower))
            used += count
            if used > self.room:
                return None  # truncated within the model's length: the tokenizer's cut decides
            if piece[0].isalnum() and lower not in STOPWORDS:
                kept.extend([match.span()] * count)
        return kept


def _kept(text: str, encoding: Any) -> list[tuple[int, int]]:
    """late._content_tokens' rule on one encoding: tokens of words holding a letter or digit
    that are not stopwords, each as its whole word's span."""
    spans, keep = _words(text, encoding)
    return [tuple(spans[w]) for w, special in zip(encoding.word_ids, encoding.special_tokens_mask)
            if w is not None and not special and keep[w]]


def content_mask(text: str, encoding: Any) -> list[bool]:
    """late.content_token_mask from one encoding of `text`: which of its tokens _kept keeps."""
    _, keep = _words(text, encoding)
    return [w is not None and not special and keep[w]
            for w, special in zip(encoding.word_ids, encoding.special_tokens_mask)]


def _words(text: str, encoding: Any) -> tuple[dict[int, list[int]], dict[int, bool]]:
    """Each word's span in `text` and whether it is content (a letter or digit, no stopword)."""
    spans: dict[int, list[int]] = {}
    for (start, end), word in zip(encoding.offsets, encoding.word_ids):
        if word is not None:
            spans.setdefault(word, [start, end])[1] = end
    keep: dict[int, bool] = {}
    for word, (start, end) in spans.items():
        piece = text[start:end]
        keep[word] = any(c.isalnum() for c in piece) and piece.lower() not in STOPWORDS
    return spans, keep


class WordMatcher:
    """The highlight's late-interaction words for one query: called with one passage (text, query x
    passage token similarities) or, by `many`, with the shown passages in one tokenizer call."""

    def __init__(self, words: TokenWords, query: str, threshold: float):
        self.words, self.query, self.threshold = words, query, threshold
        self.query_words = words.kept_words([query])[0]

    def __call__(self, text: str, similarities: Any) -> list[tuple[int, int, str]]:
        return self.many([text], [similarities])[0]

    def many(self, texts: list[str], similarities: list) -> list[list[tuple[int, int, str]]]:
        """(start, end, query word) spans for each text; a text without a close match (or without
        similarities: None) is not tokenised."""
        found: list[list] = [[] for _ in texts]
        need = [n for n, s in enumerate(similarities) if s is not None and late.close(s, self.threshold)]
        for n, passage_words in zip(need, self.words.kept_words([texts[n] for n in need])):
            found[n] = late.spans_of(self.query, self.query_words, similarities[n], passage_words, self.threshold)
        return found
