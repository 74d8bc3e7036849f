"""robots.txt rules for one site, parsed from text we fetched ourselves.

Parsing and matching are Protego's (the parser Scrapy uses), which follows RFC 9309:
user-agent groups, `*` and a final `$` in paths as wildcards, the longest matching rule
wins (Allow on a tie), Crawl-delay, Request-rate and Sitemap lines.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from protego import Protego


@dataclass
class RobotsRules:
    """What one site allows our user agent; `error` is set when robots.txt was unreachable
    (RFC 9309: assume complete disallow)."""

    parser: Protego | None = None
    user_agent: str = "*"
    error: str | None = None

    @classmethod
    def allow_all(cls) -> "RobotsRules":
        return cls()

    @classmethod
    def unreachable(cls, reason: str) -> "RobotsRules":
        return cls(error=reason)

    @classmethod
    def parse(cls, text: str, user_agent: str) -> "RobotsRules":
        return cls(parser=Protego.parse(text), user_agent=user_agent)

    def allows(self, url: str) -> bool:
        if self.error is not None:
            return False
        if self.parser is None:
            return True
        if urllib.parse.urlsplit(url).path == "/robots.txt":  # RFC 9309: always allowed
            return True
        return self.parser.can_fetch(url, self.user_agent)

    @property
    def delay(self) -> float | None:
        """Seconds between requests the site asks for (Crawl-delay, or Request-rate)."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.user_agent)
        rate = self.parser.request_rate(self.user_agent)
        from_rate = rate.seconds / rate.requests if rate and rate.requests else None
        candidates = [d for d in (delay, from_rate) if d is not None]
        return float(max(candidates)) if candidates else None

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser else []
