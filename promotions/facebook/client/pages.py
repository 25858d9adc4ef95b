"""A brand's Facebook Pages: the ones a user manages (with their Page tokens), the linked
Instagram account, the app's webhook subscription, and recent posts and media for the
post picker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from promotions.facebook.client.graph import GraphCallError, graph_call

PAGE_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_metadata",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
)
PAGE_WEBHOOK_FIELDS = ("feed",)
PAGE_LIST_MAX = 500  # /me/accounts pages read at most (a marketer with more is an agency)


@dataclass(frozen=True)
class ManagedPage:
    """A Page the user manages, with its Page access token (never log or show it)."""

    page_id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...] = ()


def pages_list(*, user_token: str) -> list[ManagedPage]:
    """``/me/accounts``: the Pages the user granted, each with its Page token (all pages)."""
    pages: list[ManagedPage] = []
    params: dict[str, Any] = {"fields": "id,name,access_token,tasks", "limit": 100}
    while len(pages) < PAGE_LIST_MAX:
        answer = graph_call("GET", "me/accounts", token=user_token, params=params)
        for row in answer.get("data") or []:
            if not isinstance(row, dict):
                continue
            page_id, token = str(row.get("id", "")), row.get("access_token")
            if page_id.isdigit() and isinstance(token, str) and token:
                tasks = row.get("tasks")
                tasks = tasks if isinstance(tasks, list) else []
                pages.append(
                    ManagedPage(
                        page_id=page_id,
                        name=str(row.get("name") or page_id)[:200],
                        access_token=token,
                        tasks=tuple(str(t) for t in tasks),
                    )
                )
        after = _next_cursor(answer)
        if after is None:
            break
        params = {**params, "after": after}
    return pages


def _next_cursor(answer: dict[str, Any]) -> str | None:
    paging = answer.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def page_instagram_account(*, page_id: str, page_token: str) -> tuple[str, str] | None:
    """The Instagram professional account linked to the Page: ``(id, username)``, or None."""
    answer = graph_call(
        "GET",
        page_id,
        token=page_token,
        params={"fields": "instagram_business_account{id,username}"},
    )
    account = answer.get("instagram_business_account")
    if not isinstance(account, dict) or not str(account.get("id", "")).isdigit():
        return None
    return str(account["id"]), str(account.get("username") or "")[:100]


def page_subscribe_app(
    *, page_id: str, page_token: str, fields: tuple[str, ...] = PAGE_WEBHOOK_FIELDS
) -> None:
    """Subscribe this app to the Page's webhooks (``POST /{page-id}/subscribed_apps``)."""
    answer = graph_call(
        "POST",
        f"{page_id}/subscribed_apps",
        token=page_token,
        data={"subscribed_fields": ",".join(fields)},
    )
    if answer.get("success") is not True:
        raise GraphCallError(f"POST {page_id}/subscribed_apps: not confirmed")


@dataclass(frozen=True)
class RecentPost:
    """A Page post or an Instagram media, as the post picker shows it."""

    object_id: str
    text: str
    created_at: str
    permalink: str
    media_type: str = ""


def page_posts_list(
    *, page_id: str, page_token: str, limit: int = 25, after: str | None = None
) -> tuple[list[RecentPost], str | None]:
    """One page of the Page's recent posts, newest first, and the cursor of the next."""
    params: dict[str, Any] = {"fields": "id,message,created_time,permalink_url", "limit": limit}
    if after:
        params["after"] = after
    answer = graph_call("GET", f"{page_id}/posts", token=page_token, params=params)
    posts = [
        RecentPost(
            object_id=str(row.get("id")),
            text=str(row.get("message") or ""),
            created_at=str(row.get("created_time") or ""),
            permalink=str(row.get("permalink_url") or ""),
        )
        for row in answer.get("data") or []
        if isinstance(row, dict) and row.get("id")
    ]
    return posts, _next_cursor(answer)


def instagram_media_list(
    *, ig_user_id: str, page_token: str, limit: int = 25, after: str | None = None
) -> tuple[list[RecentPost], str | None]:
    """One page of the Instagram account's recent media, and the cursor of the next."""
    params: dict[str, Any] = {
        "fields": "id,caption,permalink,timestamp,media_type",
        "limit": limit,
    }
    if after:
        params["after"] = after
    answer = graph_call("GET", f"{ig_user_id}/media", token=page_token, params=params)
    media = [
        RecentPost(
            object_id=str(row.get("id")),
            text=str(row.get("caption") or ""),
            created_at=str(row.get("timestamp") or ""),
            permalink=str(row.get("permalink") or ""),
            media_type=str(row.get("media_type") or ""),
        )
        for row in answer.get("data") or []
        if isinstance(row, dict) and row.get("id")
    ]
    return media, _next_cursor(answer)
