"""Content fingerprints: exact hashes and 64-bit SimHash for near-duplicate detection.

Near-duplicates (the same wire story on two sites, with different boilerplate or a
changed sentence) have SimHashes a few bits apart. Splitting the 64 bits into eight
8-bit bands lets the store find candidates with an indexed lookup: two hashes within
7 bits of each other agree exactly on at least one band (pigeonhole). Measured on the
181 benchmark pages: unrelated articles are at least 13 bits apart; one changed word in
an 80-word story moves 5 bits; so 6 bits is the line.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

BANDS = 8
BAND_BITS = 8
MAX_DISTANCE = 6
MIN_WORDS = 40  # below this, SimHash is too noisy to call two texts the same story

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_hash(title: str | None, paragraphs: list[str]) -> str:
    """Hash of what a reader sees; whitespace and case differences do not count."""
    normal = " ".join(words((title or "") + "\n" + "\n".join(paragraphs)))
    return hashlib.sha256(normal.encode()).hexdigest()


def simhash(text: str, shingle: int = 3) -> int | None:
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    n = len(tokens) - shingle + 1
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + shingle]).encode(), digest_size=8).digest(), "big")
         for i in range(n)), dtype=np.uint64, count=n)
    # per bit: how many shingle hashes have it set; a bit is on where most do
    ones = np.unpackbits(hashes.astype("<u8").view(np.uint8).reshape(n, 8), axis=1, bitorder="little").sum(axis=0)
    value = 0
    for bit in np.flatnonzero(2 * ones.astype(np.int64) > n):
        value |= 1 << int(bit)
    return value


def bands(value: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(value >> (i * BAND_BITS)) & mask for i in range(BANDS)]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


def from_signed(value: int) -> int:
    return value + (1 << 64) if value < 0 else value
