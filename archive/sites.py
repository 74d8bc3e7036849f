"""Which site a URL belongs to: its registrable domain (public-suffix aware, offline).

An article belongs to the site that served it: a page's own canonical URL is believed only
within the registrable domain of the URL it was fetched from (`same_site`), so a page on
host A cannot claim, and overwrite, an article of host B. The Public Suffix List is
publicsuffixlist's bundled copy: no network, ever.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # parses the bundled list once (~50 ms)


@lru_cache(maxsize=4096)
def registrable_domain(url: str | None) -> str | None:
    """'news.bbc.co.uk' -> 'bbc.co.uk'; an IP address or a bare suffix is its own site;
    None for a URL without a host (file:, data:, junk)."""
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if host.replace(".", "").isdigit() or ":" in host:  # an IPv4 or IPv6 address
        return host
    return _psl().privatesuffix(host) or host


def same_site(url: str | None, other: str | None) -> bool:
    """True when both are http(s) URLs of one registrable domain."""
    site = registrable_domain(url)
    return site is not None and site == registrable_domain(other)
