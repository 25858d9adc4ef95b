"""Pasted post addresses, keywords and mentions."""

from __future__ import annotations

import pytest

from promotions.social.rules import PostRef, keyword_found, mentions_count, post_ref_parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123_456", PostRef("facebook", "123_456")),
        ("456", PostRef("facebook", "123_456")),
        ("https://www.facebook.com/123/posts/456", PostRef("facebook", "123_456")),
        ("https://www.facebook.com/brandname/posts/456/?ref=share", PostRef("facebook", "123_456")),
        (
            "https://m.facebook.com/permalink.php?story_fbid=456&id=123",
            PostRef("facebook", "123_456"),
        ),
        (
            "https://www.facebook.com/story.php?story_fbid=456&id=123",
            PostRef("facebook", "123_456"),
        ),
        ("https://www.facebook.com/123/videos/456/", PostRef("facebook", "123_456")),
        ("https://www.facebook.com/photo?fbid=456&set=a.1", PostRef("facebook", "123_456")),
        ("www.facebook.com/123/posts/456", PostRef("facebook", "123_456")),
        ("instagram:17900000000000001", PostRef("instagram", "17900000000000001")),
        (
            "https://www.instagram.com/p/C0dEfGh1234/",
            PostRef("instagram", "", shortcode="C0dEfGh1234"),
        ),
        (
            "https://www.instagram.com/reel/C0dEfGh1234/?igsh=x",
            PostRef("instagram", "", shortcode="C0dEfGh1234"),
        ),
        ("https://example.com/123/posts/456", None),
        ("https://www.facebook.com/123", None),
        ("hello", None),
        ("", None),
        ("https://[www.facebook.com/123/posts/456", None),  # not an address: no 500
    ],
)
def test_post_addresses(value, expected):
    assert post_ref_parse(value, page_id="123") == expected


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("#WinBig", "I want it #winbig!", True),
        ("#win", "#winbig", False),
        ("#win", "I #win", True),
        ("win", "I want to WIN.", True),
        ("win", "winner", False),
        ("pick me", "please PICK ME now", True),
        ("", "anything", True),
    ],
)
def test_keywords(keyword, text, found):
    assert keyword_found(keyword, text) is found


def test_mentions_are_distinct_and_not_the_author():
    assert mentions_count("@a @b @A @me mail@x.com", exclude={"me"}) == 2
