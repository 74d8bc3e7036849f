"""robots.txt rules for one site, parsed from text we fetched ourselves.

`urllib.robotparser` reads the file (user-agent groups, Crawl-delay, Request-rate);
matching follows RFC 9309 rather than robotparser's first-match prefix test: `*` and a
final `$` in paths are wildcards, and the longest matching rule wins (Allow on a tie).
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from urllib.robotparser import RobotFileParser


@lru_cache(maxsize=4096)
def _pattern(quoted_rule: str) -> re.Pattern:
    """A rule path (as robotparser quoted it) as a regular expression over quoted paths."""
    anchored = quoted_rule.endswith("%24")
    if anchored:
        quoted_rule = quoted_rule[:-3]
    body = ".*".join(re.escape(piece) for piece in quoted_rule.split("%2A"))
    return re.compile(body + ("$" if anchored else ""))


def _quoted_target(url: str) -> str:
    """The path+query of a URL, normalised exactly as robotparser normalises rule paths."""
    parsed = urllib.parse.urlparse(urllib.parse.unquote(url))
    target = urllib.parse.urlunparse(("", "", parsed.path, parsed.params, parsed.query, ""))
    return urllib.parse.quote(target) or "/"


@dataclass
class RobotsRules:
    """What one site allows our user agent; `error` is set when robots.txt was unreachable
    (RFC 9309: assume complete disallow)."""

    parser: RobotFileParser | None = None
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
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser=parser, user_agent=user_agent)

    def _entry(self):
        for entry in self.parser.entries:
            if entry.applies_to(self.user_agent):
                return entry
        return self.parser.default_entry

    def allows(self, url: str) -> bool:
        if self.error is not None:
            return False
        if self.parser is None:
            return True
        target = _quoted_target(url)
        if target == "/robots.txt":
            return True
        entry = self._entry()
        if entry is None:
            return True
        best_length, allowed = -1, True
        for rule in entry.rulelines:
            if not _pattern(rule.path).match(target):
                continue
            length = len(rule.path)
            if length > best_length or (length == best_length and rule.allowance):
                best_length, allowed = length, rule.allowance
        return allowed

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
        return list(self.parser.site_maps() or []) if self.parser else []
