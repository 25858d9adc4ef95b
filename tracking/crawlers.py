"""Known crawlers by their user agent: crawlerdetect's patterns, run by RE2.

crawlerdetect joins its ~1,500 patterns into one Python regular expression, which tries
every alternative at every position of the string: 0.7-1.4 ms for a user agent it has not
seen, such as a Facebook in-app browser's (its version and device make most of them new).
RE2 runs the same patterns as one automaton in time linear in the string (0.07-0.13 ms). The few
patterns RE2 cannot run (look-arounds such as ``Yandex(?!Search)``) are run by Python's
``re``, as a short alternation of their own. The answers are crawlerdetect's: first the
exclusions (browser tokens) are removed, then any crawler pattern found in what is left
makes it a crawler (tests/tracking/test_crawlers.py holds the two to the same answers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import re2
from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from crawlerdetect.providers.exclusions import data as EXCLUSION_PATTERNS


def _re2_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    # Room for the automaton of ~1,500 alternatives, so that matching never falls back to
    # the slower engine (RE2's default is 8 MiB).
    options.max_mem = 64 << 20
    return options


_OPTIONS = _re2_options()


def _runs_on_re2(pattern: str) -> bool:
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error:
        return False
    return True


def _split(patterns: Iterable[str]) -> tuple[list[str], list[str]]:
    fast: list[str] = []
    slow: list[str] = []
    for pattern in patterns:
        (fast if _runs_on_re2(pattern) else slow).append(pattern)
    return fast, slow


def _python(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


class CrawlerMatcher:
    """``is_crawler(user_agent)`` as crawlerdetect answers it."""

    def __init__(
        self,
        crawlers: Iterable[str] = CRAWLER_PATTERNS,
        exclusions: Iterable[str] = EXCLUSION_PATTERNS,
    ) -> None:
        fast, slow = _split(crawlers)
        self._crawlers_re2 = _raw(re2.compile("|".join(fast), _OPTIONS)) if fast else None
        self._crawlers_re = _python(slow)
        exclusions = list(exclusions)
        # Removal takes the leftmost match and, there, the first alternative that matches:
        # the same in both engines, but only when one engine runs the whole alternation.
        self._remove_re2 = self._remove_re = None
        if all(_runs_on_re2(p) for p in exclusions):
            self._remove_re2 = _raw(re2.compile("|".join(exclusions), _OPTIONS))
        else:
            self._remove_re = re.compile("|".join(exclusions), re.IGNORECASE)

    def is_crawler(self, user_agent: str) -> bool:
        text = user_agent.strip().encode("utf-8", "replace")
        if self._remove_re2 is not None:
            text = _removed(self._remove_re2, text)
        else:
            assert self._remove_re is not None
            text = self._remove_re.sub("", text.decode()).encode()
        if not text:
            return False
        if self._crawlers_re2 is not None and _found(self._crawlers_re2, text):
            return True
        return bool(self._crawlers_re is not None and self._crawlers_re.search(text.decode()))


# google-re2's ``sub`` and ``search`` walk each match in Python, mapping byte offsets back
# to characters (38 µs of a 41 µs answer on a phone's user agent). Its compiled program
# (``_regexp``, the pybind11 object of the package's ``_re2`` module) matches UTF-8 bytes
# and gives byte spans: removing and searching with it directly took 13 µs. The answers
# stay crawlerdetect's (tests/tracking/test_crawlers.py).
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED


def _raw(compiled: Any) -> Any:
    return compiled._regexp


def _removed(program: Any, text: bytes) -> bytes:
    """``text`` without every leftmost match of ``program`` (as ``sub("", text)``)."""
    pieces: list[bytes] = []
    pos = kept = 0
    end = len(text)
    while pos <= end:
        start, stop = program.Match(_UNANCHORED, text, pos, end)[0]
        if start < 0:
            break
        pieces.append(text[kept:start])
        kept = stop
        pos = stop
        if stop == start:  # an empty match: on to the next character
            pos += 1
            while pos < end and text[pos] & 0xC0 == 0x80:
                pos += 1
    if not pieces:
        return text
    pieces.append(text[kept:])
    return b"".join(pieces)


def _found(program: Any, text: bytes) -> bool:
    return bool(program.Match(_UNANCHORED, text, 0, len(text))[0][0] >= 0)
