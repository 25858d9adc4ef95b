"""The rules of a comment giveaway as plain functions: who and what counts, and the post
addresses a marketer pastes. No database, no Graph: the services apply them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from promotions.social.models import ExclusionReason, Platform

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._]{1,30})")


@dataclass(frozen=True)
class ReadComment:
    """A comment (or reaction) as read from Graph or a webhook, before it is stored."""

    comment_id: str
    kind: str  # SocialComment.Kind
    parent_id: str
    author_id: str
    author_username: str
    text: str
    created_time: datetime


@dataclass(frozen=True)
class Judge:
    """What one promotion's rules need to judge a comment."""

    platform: str
    page_ids: frozenset[str]  # the Page's (and its Instagram account's) ids and username
    blocked: frozenset[str]
    keyword: str
    min_mentions: int
    exclude_page: bool
    starts_at: datetime
    ends_at: datetime

    def reason(self, comment: ReadComment) -> str:
        """The first rule the comment breaks (an ``ExclusionReason``), or "" if it counts."""
        author = comment.author_id.casefold()
        username = comment.author_username.casefold()
        if not comment.author_id:
            return ExclusionReason.NO_AUTHOR
        if self.exclude_page and (
            author in self.page_ids or (username and username in self.page_ids)
        ):
            return ExclusionReason.PAGE_OWN
        if author in self.blocked or (username and username in self.blocked):
            return ExclusionReason.BLOCKLISTED
        if comment.created_time < self.starts_at:
            return ExclusionReason.BEFORE_START
        if comment.created_time >= self.ends_at:
            return ExclusionReason.AFTER_CLOSE
        if comment.kind == "comment":
            if self.keyword and not keyword_found(self.keyword, comment.text):
                return ExclusionReason.NO_KEYWORD
            if (
                self.platform == Platform.INSTAGRAM
                and self.min_mentions
                and mentions_count(comment.text, exclude={username}) < self.min_mentions
            ):
                return ExclusionReason.FEW_MENTIONS
        return ""


def keyword_found(keyword: str, text: str) -> bool:
    """Case-insensitive; ``#tag`` must be a whole hashtag, a word a whole word (or phrase)."""
    word = keyword.strip().casefold()
    if not word:
        return True
    body = text.casefold()
    if word.startswith("#"):
        return re.search(rf"(?<![\w#]){re.escape(word)}(?!\w)", body) is not None
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", body) is not None


def mentions_count(text: str, *, exclude: set[str] | frozenset[str] = frozenset()) -> int:
    """Distinct @usernames in ``text``, without the author's own."""
    found = {m.casefold().rstrip(".") for m in MENTION.findall(text)}
    return len(found - {e.casefold() for e in exclude if e})


@dataclass(frozen=True)
class PostRef:
    platform: str
    object_id: str  # what Graph calls it, when the address says it ("" for a shortcode)
    shortcode: str = ""  # Instagram's /p/<code>/: resolved through the account's media


_FB_HOSTS = {
    "facebook.com",
    "www.facebook.com",
    "m.facebook.com",
    "mbasic.facebook.com",
    "web.facebook.com",
    "fb.com",
}
_IG_HOSTS = {"instagram.com", "www.instagram.com"}


def post_ref_parse(value: str, *, page_id: str = "") -> PostRef | None:
    """A post id or a permalink as a marketer pastes it; None when it is neither.

    Facebook: ``<page>_<post>``, a bare post id (needs ``page_id``), ``/<page>/posts/<id>``,
    ``/permalink.php?story_fbid=<id>&id=<page>``, ``/story.php?...``, ``/<page>/videos/<id>``,
    ``/photo?fbid=<id>``. Instagram: ``instagram:<media id>`` or ``/p/<code>/``,
    ``/reel/<code>/``.
    """
    text = value.strip()
    if re.fullmatch(r"\d+_\d+", text):
        return PostRef(Platform.FACEBOOK, text)
    if re.fullmatch(r"instagram:\d+", text):
        return PostRef(Platform.INSTAGRAM, text.split(":", 1)[1])
    if re.fullmatch(r"\d+", text):
        return PostRef(Platform.FACEBOOK, f"{page_id}_{text}") if page_id else None
    if not re.match(r"^https?://", text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:  # not an address ("https://[www.facebook.com/...": a stray bracket)
        return None
    segments = [s for s in parts.path.split("/") if s]
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if host in _IG_HOSTS:
        if (
            len(segments) >= 2
            and segments[0] in {"p", "reel", "tv"}
            and re.fullmatch(r"[\w-]+", segments[1])
        ):
            return PostRef(Platform.INSTAGRAM, "", shortcode=segments[1])
        return None
    if host not in _FB_HOSTS:
        return None
    owner = query.get("id", "") or page_id
    if segments and segments[0] in {"permalink.php", "story.php"}:
        story = query.get("story_fbid", "")
        if story.isdigit() and owner.isdigit():
            return PostRef(Platform.FACEBOOK, f"{owner}_{story}")
        return None
    if segments[:1] in (["photo"], ["photo.php"]):
        fbid = query.get("fbid", "")
        return (
            PostRef(Platform.FACEBOOK, f"{page_id}_{fbid}") if fbid.isdigit() and page_id else None
        )
    if len(segments) >= 3 and segments[1] in {"posts", "videos", "photos"}:
        post = segments[-1] if segments[1] == "photos" else segments[2]
        page = segments[0] if segments[0].isdigit() else page_id
        if post.isdigit() and page:
            return PostRef(Platform.FACEBOOK, f"{page}_{post}")
    return None
