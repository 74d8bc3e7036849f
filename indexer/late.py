"""Late interaction: score a passage by matching each query token with its most similar
passage token (MaxSim, as ColBERT does), using the embedding model's contextual token vectors.

A whole-passage vector blurs a question's few key words into the rest of the text; token
matching keeps them: "threatened" meets "threat", "retaliation" meets "response" in the
context "as a response ... forced to use similar weapons". Pure functions; the vectors
come from the encoder's `encode_tokens` (indexer.embed).

Stored per passage: only content tokens (no specials, punctuation or stopwords), each an
int8 vector with its own float16 scale: (d + 2) bytes a token, ~15 KB a passage at d=384.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .keyword import STOPWORDS
from .token_scoring import TokenScores, from_similarities, stack

# A query word's best passage word is shown to the reader from this cosine on. Measured on
# the top 5 of the dev questions: from 0.55 nearly all are the word itself, another form of
# it or an answer to it (describe/described, punishment/sentenced, cheap/price, many/14);
# 0.45-0.55 mixes good (crew/crewed, governor/Gov) and misleading (Cleveland/Pittsburgh).
MATCH_THRESHOLD = 0.55
# A compact codec's cosines are those of decoded tokens, lower than the model's: at 0.55, pq-64
# marked 30% fewer of the words the float vectors mark, pq-32 half. Its own cutoff, chosen on the
# tuning half of the retrieval questions (the best F1 of the words marked in the top 5 against
# float's at 0.55: benchmarks/late_highlight.py) and reported on the dev questions / held half:
# pq-64 at 0.50 F1 0.91 / 0.91 (0.78 / 0.82 at 0.55), pq-32 at 0.45 0.80 / 0.83 (0.56 / 0.64);
# pq-48 (a new archive's codec) at 0.48 0.83 / 0.86 (0.64 / 0.72 at 0.55; tuning 0.85 vs 0.84 at
# 0.50); as many words marked as float. Codecs not listed (int8: F1 1.00) keep MATCH_THRESHOLD.
CODEC_THRESHOLDS = {"pq-64": 0.50, "pq-48": 0.48, "pq-32": 0.45}


def match_threshold(codec: str) -> float:
    """The highlight's cutoff for similarities computed from tokens stored by `codec`."""
    return CODEC_THRESHOLDS.get(codec, MATCH_THRESHOLD)


def content_token_mask(tokenizer: Any, text: str, count: int) -> np.ndarray:
    """Which of the first `count` tokens of `text` are worth matching: parts of words that
    hold a letter or digit and are not stopwords. Without a fast tokenizer (no word
    boundaries), every non-special token."""
    mask = _content_tokens(tokenizer, text, count)[0][:count]
    return np.concatenate([mask, np.zeros(count - len(mask), dtype=bool)])


def _content_tokens(tokenizer: Any, text: str, max_length: int) -> tuple[np.ndarray, list]:
    """For each token of `text` (cut at max_length): whether it is a content token, and
    its word as a character span (None where unknown). One tokenizer call."""
    encoding = tokenizer(text, truncation=True, max_length=max(max_length, 2), return_offsets_mapping=True,
                         return_special_tokens_mask=True)
    specials = encoding["special_tokens_mask"]
    if not getattr(tokenizer, "is_fast", False):
        return np.array([not s for s in specials], dtype=bool), [None] * len(specials)
    word_ids = encoding.word_ids()
    spans: dict[int, list[int]] = {}
    for (start, end), word in zip(encoding["offset_mapping"], word_ids):
        if word is not None:
            spans.setdefault(word, [start, end])[1] = end
    keep, words = [], []
    for special, word in zip(specials, word_ids):
        span = None if special or word is None else tuple(spans[word])
        words.append(span)
        text_of_word = text[span[0]:span[1]].lower() if span else ""
        keep.append(span is not None and any(c.isalnum() for c in text_of_word) and text_of_word not in STOPWORDS)
    return np.array(keep, dtype=bool), words


def matched_words(tokenizer: Any, max_length: int, query: str, query_words: list, query_tokens: np.ndarray,
                  text: str, passage_tokens: np.ndarray,
                  threshold: float = MATCH_THRESHOLD) -> list[tuple[int, int, str]]:
    """(start, end, query word) for each passage word that was a query word's best match,
    when the match is close: what late interaction saw in the passage, to show the reader.
    `query_words` is `kept_words(tokenizer, query, max_length)`, computed once a query."""
    if not len(query_tokens) or not len(passage_tokens):
        return []
    return matched_spans(tokenizer, max_length, query, query_words, query_tokens @ passage_tokens.T, text, threshold)


def matched_spans(tokenizer: Any, max_length: int, query: str, query_words: list, similarities: np.ndarray,
                  text: str, threshold: float = MATCH_THRESHOLD) -> list[tuple[int, int, str]]:
    """matched_words from the query x passage token similarities late interaction computed
    (indexer.token_scoring): the highlight decodes and compares nothing again."""
    if not close(similarities, threshold):
        return []  # no close match: the passage's words (a tokenizer pass, most of the cost) are not needed
    return spans_of(query, query_words, similarities, kept_words(tokenizer, text, max_length), threshold)


def close(similarities: np.ndarray, threshold: float) -> bool:
    """Whether any query token's best match reaches the highlight's cutoff."""
    return bool(similarities.size) and float(similarities.max()) >= threshold


def spans_of(query: str, query_words: list, similarities: np.ndarray, passage_words: list,
             threshold: float = MATCH_THRESHOLD) -> list[tuple[int, int, str]]:
    """matched_spans given the passage's content-token words (kept_words)."""
    if similarities.shape != (len(query_words), len(passage_words)):
        return []  # stored under another tokenizer or length limit
    best = similarities.argmax(axis=1)
    found = {passage_words[j]: query[slice(*query_words[q])] for q, j in enumerate(best)
             if similarities[q, j] >= threshold and passage_words[j] is not None}
    return sorted((start, end, word) for (start, end), word in found.items())


def kept_words(tokenizer: Any, text: str, max_length: int) -> list:
    """The word span of each content token (the rows `encode_tokens` keeps)."""
    mask, words = _content_tokens(tokenizer, text, max_length)
    return [w for w, keep in zip(words, mask) if keep]


def pack(tokens: np.ndarray) -> bytes:
    """Token vectors (n x d, unit length) -> bytes: n float16 scales, then n x d int8."""
    tokens = np.asarray(tokens, dtype=np.float32)
    scales = np.abs(tokens).max(axis=1, keepdims=True) / 127.0 if len(tokens) else np.zeros((0, 1), np.float32)
    scales[scales == 0] = 1.0
    quantised = np.round(tokens / scales).astype(np.int8)
    return scales.astype(np.float16).tobytes() + quantised.tobytes()


def unpack(blob: bytes, dimension: int) -> np.ndarray:
    """The inverse of pack: n x d float32 token vectors."""
    count = len(blob) // (dimension + 2)
    scales = np.frombuffer(blob, dtype=np.float16, count=count).astype(np.float32)
    quantised = np.frombuffer(blob, dtype=np.int8, offset=2 * count).reshape(count, dimension)
    return quantised.astype(np.float32) * scales[:, None]


def maxsim(query_tokens: np.ndarray, passage_tokens: np.ndarray) -> float:
    """Mean over the query's tokens of their best cosine with any passage token."""
    if not len(query_tokens) or not len(passage_tokens):
        return 0.0
    return float((query_tokens @ passage_tokens.T).max(axis=1).mean())


def scores(query_tokens: np.ndarray, blobs: dict[int, bytes], dimension: int) -> dict[int, float]:
    """maxsim for many passages at once (see similarities)."""
    return similarities(query_tokens, blobs, dimension).scores


def similarities(query_tokens: np.ndarray, blobs: dict[int, bytes], dimension: int) -> TokenScores:
    """maxsim for many passages at once, with the token similarities behind it (the highlight's):
    their int8 tokens stacked into one matrix, one product with the query, the best match per
    passage by segment (measured: 4.7 ms for 400 passages, against 9.5 ms one at a time)."""
    ids, counts = stack(blobs, dimension + 2)
    if not ids or not len(query_tokens):
        return TokenScores(dict.fromkeys(blobs, 0.0))
    scales = np.concatenate([np.frombuffer(blobs[i], dtype=np.float16, count=c) for i, c in zip(ids, counts)])
    quantised = np.concatenate([np.frombuffer(blobs[i], dtype=np.int8, offset=2 * c) for i, c in zip(ids, counts)])
    products = (quantised.reshape(-1, dimension).astype(np.float32) @ query_tokens.T.astype(np.float32))
    products *= scales.astype(np.float32)[:, None]
    return from_similarities(products, ids, counts, blobs)
