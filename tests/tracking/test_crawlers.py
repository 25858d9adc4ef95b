"""tracking.crawlers answers as crawlerdetect does, on browsers, on bots and on a user agent
made from each of crawlerdetect's own patterns."""

import re

import pytest
from crawlerdetect import CrawlerDetect
from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking import classify
from tracking.crawlers import CrawlerMatcher

BROWSERS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Mobile/21F90 [FBAN/FBIOS;FBAV/470.0.0.43.107;FBBV/612347890;FBDV/iPhone15,2;"
    "FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/fr_FR;FBOP/5]",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36"
    " (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.71 Mobile Safari/537.36"
    " [FB_IAB/FB4A;FBAV/471.0.0.35.80;]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Mobile/21F90 Instagram 337.0.3.23.54 (iPhone15,2; iOS 17_5; fr_FR; fr; scale=3.00)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    # Yandex's own browser and search app: the one look-ahead pattern lets them through.
    "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
    " YaBrowser/24.1.2.86.00 SA/3 Mobile Safari/537.36 YandexSearch/24.10",
]

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Twitterbot/1.0",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/120.0.0.0 Yandex/1.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML,"
    " like Gecko) Version/17.5 Mobile/15E148 Safari/604.1 (compatible; AdsBot-Google-Mobile)",
]

REFERENCE = CrawlerDetect()
MATCHER = CrawlerMatcher()


@pytest.mark.parametrize("user_agent", BROWSERS)
def test_browsers_are_not_crawlers(user_agent):
    assert REFERENCE.is_crawler(user_agent) is False
    assert MATCHER.is_crawler(user_agent) is False
    assert classify.is_bot(user_agent) is False


@pytest.mark.parametrize("user_agent", BOTS)
def test_bots_are_crawlers(user_agent):
    assert REFERENCE.is_crawler(user_agent) is True
    assert MATCHER.is_crawler(user_agent) is True
    assert classify.is_bot(user_agent) is True


def _example(pattern: str) -> str:
    """A string the pattern matches, roughly: its text without the regex syntax."""
    text = re.sub(r"\\([./\-+ ()])", r"\1", pattern)
    text = re.sub(r"\[[^\]]*\]|\\[dws]|[\^$?*+(){}|]", "", text)
    return text.replace("\\", "")


def test_every_pattern_of_crawlerdetect_gets_the_same_answer():
    """Each pattern, alone and inside a phone's user agent: ~1,500 x 2 strings, most of them
    crawlers, some not (the exclusions remove the browser tokens some patterns are made of)."""
    prefix = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    differences = []
    crawlers = 0
    for pattern in CRAWLER_PATTERNS:
        for user_agent in (_example(pattern), prefix + _example(pattern) + "/1.0"):
            if not user_agent.strip():
                continue
            expected = REFERENCE.is_crawler(user_agent)
            crawlers += expected
            if MATCHER.is_crawler(user_agent) != expected:
                differences.append((pattern, user_agent, expected))
    assert differences == []
    assert crawlers > len(CRAWLER_PATTERNS)  # the examples really do hit the patterns


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /;()._-+:é☃日本"
        ),
        max_size=80,
    )
)
def test_any_text_gets_the_same_answer(user_agent):
    if user_agent.strip():
        assert MATCHER.is_crawler(user_agent) == REFERENCE.is_crawler(user_agent)


def test_a_pattern_re2_cannot_run_still_counts():
    """Look-arounds go to Python's engine; exclusions RE2 cannot run make the removal Python's."""
    matcher = CrawlerMatcher(crawlers=["^bot$", "Yandex(?!Search)"], exclusions=["Mozilla.[\\d.]*"])
    assert matcher.is_crawler("bot")
    assert matcher.is_crawler("Mozilla/5.0 Yandex/1")
    assert not matcher.is_crawler("Mozilla/5.0 YandexSearch/1")
    assert not matcher.is_crawler("Mozilla/5.0")  # nothing left once the exclusions are removed
    looking_back = CrawlerMatcher(crawlers=["spider"], exclusions=["(?<=x)Safari", "Chrome"])
    assert looking_back.is_crawler("spider Chrome")
    assert not looking_back.is_crawler("Chrome")


def test_removal_works_on_characters_not_bytes():
    """Exclusions that match around and between multi-byte characters, and one that can
    match nothing (each step moves to the next character, never into one): the answers of
    Python's ``re`` doing the same removal and search."""
    matcher = CrawlerMatcher(crawlers=["bot", "ü"], exclusions=["é+", "x*"])
    for user_agent in ("ééébotééé", "日本ü日本", "éé日本éé", "boét", "bxoxt", "日x本", "ÜBERx"):
        removed = re.sub("é+|x*", "", user_agent)
        expected = bool(re.search("bot|ü", removed, re.IGNORECASE))
        assert matcher.is_crawler(user_agent) is expected, user_agent
    assert matcher.is_crawler("boét") and matcher.is_crawler("bxoxt")  # once é and x are gone
    assert not matcher.is_crawler("éé日本éé")


def test_text_that_is_not_unicode_is_answered():
    assert MATCHER.is_crawler("Mozilla/5.0 \ud800 Googlebot/2.1") is True
    assert classify.is_bot("Mozilla/5.0 \udfff (iPhone)") is False
