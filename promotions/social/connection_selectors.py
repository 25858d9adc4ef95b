"""Reads about connected Pages: their recent posts and Instagram media (for the marketer to
pick the post a promotion takes its entries from), straight from the Graph API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from promotions.facebook import client
from promotions.social.models import ConnectedPage

logger = logging.getLogger(__name__)

FACEBOOK = "facebook"
INSTAGRAM = "instagram"
PLATFORMS = (FACEBOOK, INSTAGRAM)
RECENT_POSTS_LIMIT = 25


@dataclass(frozen=True)
class RecentPosts:
    """One page of posts; ``next_cursor`` reads the next (older) one; ``error`` is what to
    tell the marketer when Facebook did not answer (never with a token in it)."""

    platform: str
    posts: list[client.RecentPost] = field(default_factory=list)
    next_cursor: str | None = None
    error: str = ""


def connected_page_recent_posts_list(
    *,
    connected_page: ConnectedPage,
    platform: str = FACEBOOK,
    after: str | None = None,
    limit: int = RECENT_POSTS_LIMIT,
) -> RecentPosts:
    """The Page's recent posts (``platform="facebook"``) or its Instagram account's recent
    media (``"instagram"``), newest first, one page at a time. Calls Graph: never inside a
    transaction."""
    if platform not in PLATFORMS:
        platform = FACEBOOK
    token = connected_page.access_token
    if not token or connected_page.token_status != ConnectedPage.TokenStatus.VALID:
        return RecentPosts(platform, error=_("The Page's token does not work: connect it again."))
    try:
        if platform == INSTAGRAM:
            if not connected_page.instagram_account_id:
                return RecentPosts(
                    platform, error=_("No Instagram professional account is linked to this Page.")
                )
            posts, next_cursor = client.instagram_media_list(
                ig_user_id=connected_page.instagram_account_id,
                page_token=token,
                limit=limit,
                after=after,
            )
        else:
            posts, next_cursor = client.page_posts_list(
                page_id=connected_page.page_id, page_token=token, limit=limit, after=after
            )
    except client.GraphError as exc:
        logger.warning("social: recent posts of Page %s unreadable: %s", connected_page.pk, exc)
        return RecentPosts(
            platform,
            error=_("Facebook did not list the posts: %(reason)s")
            % {"reason": str(exc).split(": ", 1)[-1]},
        )
    return RecentPosts(platform, posts=posts, next_cursor=next_cursor)


def connected_pages_broken_list(*, queryset: QuerySet[ConnectedPage]) -> list[ConnectedPage]:
    """The Pages of ``queryset`` whose token no longer works (expired or revoked)."""
    return list(queryset.exclude(token_status=ConnectedPage.TokenStatus.VALID).order_by("name"))
