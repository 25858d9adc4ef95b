"""Fake Graph routes for comment and reaction giveaways (promotions.social).

The world lives in ``graph.state``, filled with the helpers below:

* ``post_add(graph, post_id=, page_id=, token=, comments=[...], reactions=[...])``: a Page
  post. Comments are Graph's shape, oldest first: ``{"id", "from": {"id", "name"},
  "message", "created_time", "parent": {"id"}?}``; ``/{post}/comments?filter=stream``
  returns them all (replies too, with ``parent``), without it only the top level.
* ``media_add(graph, media_id=, token=, comments=[...])``: Instagram media. Comments are
  ``{"id", "text", "timestamp", "username", "from": {"id", "username"},
  "replies": [...]}``; ``/{media}/comments`` gives the top level, ``/{comment}/replies``
  the replies.
* Cursor paging like Graph: 25 a page by default, ``limit`` up to 100, ``after`` cursors,
  ``paging.next`` only when there is more. ``graph.state["overlap"] = 1`` starts each
  page one row early (the duplicate across pages Graph returns when comments arrive during
  paging). ``graph.state["usage"]`` is the percentage put in every answer's
  ``X-Business-Use-Case-Usage`` header.
* Replies: ``POST /{comment-id}/comments`` (public, Facebook), ``POST /{ig-comment-id}/replies``
  (public, Instagram) and ``POST /{page-id}/messages`` with ``recipient.comment_id``
  (private: once per comment, refused 7 days after the comment). Sent replies are in
  ``graph.state["replies"]``.
* ``webhook_delivery(body, app_secret=)`` makes the raw body and ``X-Hub-Signature-256``
  header Facebook sends; ``feed_change(...)`` and ``instagram_change(...)`` build bodies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.graph_server import Answer, Call, FakeGraph, GraphFault, route, token_expired

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def post_add(
    graph: FakeGraph,
    *,
    post_id: str,
    page_id: str,
    token: str,
    comments: list[dict[str, Any]] | None = None,
    reactions: list[dict[str, Any]] | None = None,
) -> None:
    with graph.lock:
        graph.state.setdefault("tokens", {})[token] = {"id": page_id, "name": "Page"}
        graph.state.setdefault("posts", {})[post_id] = {
            "page_id": page_id,
            "comments": list(comments or []),
            "reactions": list(reactions or []),
        }


def media_add(
    graph: FakeGraph, *, media_id: str, token: str, comments: list[dict[str, Any]] | None = None
) -> None:
    with graph.lock:
        graph.state.setdefault("tokens", {})[token] = {"id": "page", "name": "Page"}
        graph.state.setdefault("media", {})[media_id] = {"comments": list(comments or [])}


def comment(
    comment_id: str,
    *,
    author: str,
    message: str,
    at: datetime,
    parent: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": comment_id,
        "from": {"id": author, "name": name or f"Person {author}"},
        "message": message,
        "created_time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    if parent:
        row["parent"] = {"id": parent}
    return row


def ig_comment(
    comment_id: str,
    *,
    author: str,
    username: str,
    text: str,
    at: datetime,
    replies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": comment_id,
        "text": text,
        "timestamp": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "username": username,
        "from": {"id": author, "username": username},
        "replies": list(replies or []),
    }


def _check_token(graph: FakeGraph, call: Call) -> None:
    if call.access_token not in graph.state.get("tokens", {}):
        raise token_expired()


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(raw.removeprefix("offset:"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphFault(100, "Invalid cursor") from exc


def _page(graph: FakeGraph, call: Call, rows: list[dict[str, Any]]) -> Answer:
    try:
        cap = int(graph.state.get("max_limit", MAX_LIMIT))
        limit = min(int(call.params.get("limit", DEFAULT_LIMIT)), cap)
    except ValueError as exc:
        raise GraphFault(100, "(#100) limit must be an integer") from exc
    if limit < 1:
        raise GraphFault(100, "(#100) limit must be positive")
    after = str(call.params.get("after", ""))
    start = _offset(after) if after else 0
    if after and start > 0:
        start = max(0, start - int(graph.state.get("overlap", 0)))
    chunk = rows[start : start + limit]
    end = start + len(chunk)
    body: dict[str, Any] = {"data": chunk}
    if chunk:
        body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(end)}}
        if end < len(rows):
            body["paging"]["next"] = f"{graph.url}{call.path}?limit={limit}&after={_cursor(end)}"
    usage = int(graph.state.get("usage", 1))
    header = json.dumps(
        {
            "1234": [
                {
                    "type": "pages",
                    "call_count": usage,
                    "total_cputime": max(1, usage // 2),
                    "total_time": max(1, usage // 2),
                    "estimated_time_to_regain_access": 0,
                }
            ]
        }
    )
    return 200, body, {"X-Business-Use-Case-Usage": header}


@route("GET", r"/(?P<post_id>\d+_\d+)/comments")
def _post_comments(graph: FakeGraph, call: Call, post_id: str) -> Answer:
    _check_token(graph, call)
    with graph.lock:
        post = graph.state.get("posts", {}).get(post_id)
        if post is None:
            raise GraphFault(
                100, f"Unsupported get request. Object with ID '{post_id}' does not exist"
            )
        rows = list(post["comments"])
    if call.params.get("filter") != "stream":
        rows = [r for r in rows if "parent" not in r]
    if call.params.get("order") == "reverse_chronological":
        rows.reverse()
    return _page(graph, call, rows)


@route("GET", r"/(?P<post_id>\d+_\d+)/reactions")
def _post_reactions(graph: FakeGraph, call: Call, post_id: str) -> Answer:
    _check_token(graph, call)
    with graph.lock:
        post = graph.state.get("posts", {}).get(post_id)
        if post is None:
            raise GraphFault(100, f"Object with ID '{post_id}' does not exist")
        rows = list(post["reactions"])
    return _page(graph, call, rows)


def _ig_comment_find(graph: FakeGraph, comment_id: str) -> dict[str, Any] | None:
    for media in graph.state.get("media", {}).values():
        for row in media["comments"]:
            if row["id"] == comment_id:
                return row
            for reply in row.get("replies", []):
                if reply["id"] == comment_id:
                    return reply
    return None


def _ig_row(row: dict[str, Any], *, nest: bool = False) -> dict[str, Any]:
    """A comment without its replies, or (``fields=...,replies{...}``) with their first
    page nested as Graph does."""
    out = {k: v for k, v in row.items() if k != "replies"}
    replies = row.get("replies") or []
    if nest and replies:
        first = [_ig_row(r) for r in replies[:DEFAULT_LIMIT]]
        out["replies"] = {
            "data": first,
            "paging": {"cursors": {"before": _cursor(0), "after": _cursor(len(first))}},
        }
        if len(replies) > DEFAULT_LIMIT:
            out["replies"]["paging"]["next"] = f"/{row['id']}/replies?after={_cursor(len(first))}"
    return out


@route("GET", r"/(?P<object_id>\d+)/comments")
def _media_comments(graph: FakeGraph, call: Call, object_id: str) -> Answer:
    _check_token(graph, call)
    with graph.lock:
        media = graph.state.get("media", {}).get(object_id)
        if media is None:
            raise GraphFault(100, f"Object with ID '{object_id}' does not exist")
        rows = [
            _ig_row(r, nest="replies" in str(call.params.get("fields", "")))
            for r in media["comments"]
        ]
    return _page(graph, call, rows)


@route("GET", r"/(?P<comment_id>\d+)/replies")
def _ig_replies(graph: FakeGraph, call: Call, comment_id: str) -> Answer:
    _check_token(graph, call)
    with graph.lock:
        parent = _ig_comment_find(graph, comment_id)
        if parent is None:
            raise GraphFault(100, f"Object with ID '{comment_id}' does not exist")
        rows = [_ig_row(r) for r in parent.get("replies", [])]
    return _page(graph, call, rows)


def _all_comments(graph: FakeGraph) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for post in graph.state.get("posts", {}).values():
        for row in post["comments"]:
            found[row["id"]] = row
    for media in graph.state.get("media", {}).values():
        for row in media["comments"]:
            found[row["id"]] = row
            for reply in row.get("replies", []):
                found[reply["id"]] = reply
    return found


def _reply_store(graph: FakeGraph, kind: str, comment_id: str, message: str) -> str:
    replies = graph.state.setdefault("replies", [])
    reply_id = f"{comment_id.split('_')[-1]}{len(replies) + 1:04d}"
    replies.append({"kind": kind, "comment_id": comment_id, "message": message, "id": reply_id})
    return reply_id


@route("POST", r"/(?P<comment_id>[\d_]+)/(?P<edge>comments|replies)")
def _public_reply(graph: FakeGraph, call: Call, comment_id: str, edge: str) -> Answer:
    _check_token(graph, call)
    message = str(call.params.get("message", ""))
    if not message:
        raise GraphFault(100, "(#100) message is required")
    with graph.lock:
        if comment_id not in _all_comments(graph):
            raise GraphFault(100, f"Object with ID '{comment_id}' does not exist")
        reply_id = _reply_store(graph, "public", comment_id, message)
    return 200, {"id": reply_id}, {}


@route("POST", r"/(?P<page_id>\d+)/messages")
def _private_reply(graph: FakeGraph, call: Call, page_id: str) -> Answer:
    _check_token(graph, call)
    recipient = call.body.get("recipient")
    recipient = recipient if isinstance(recipient, dict) else {}
    comment_id = str(recipient.get("comment_id", ""))
    message = call.body.get("message")
    message = message if isinstance(message, dict) else {}
    text = str(message.get("text", ""))
    with graph.lock:
        row = _all_comments(graph).get(comment_id)
        if row is None or not text:
            raise GraphFault(100, "(#100) recipient.comment_id and message.text are required")
        stamp = str(row.get("created_time") or row.get("timestamp"))
        at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z")
        if datetime.now(UTC) - at > timedelta(days=7):
            raise GraphFault(10903, "This message is sent outside of allowed window.")
        done = graph.state.setdefault("private_replied", set())
        if comment_id in done:
            raise GraphFault(10900, "(#10900) Activity already replied to")
        done.add(comment_id)
        reply_id = _reply_store(graph, "private", comment_id, text)
    return 200, {"recipient_id": "psid-fake", "message_id": f"m_{reply_id}"}, {}


# --- Webhook deliveries ------------------------------------------------------------------


def webhook_delivery(
    body: dict[str, Any] | bytes, *, app_secret: str
) -> tuple[bytes, dict[str, str]]:
    """The raw body and the ``X-Hub-Signature-256`` header Facebook would send."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"HTTP_X_HUB_SIGNATURE_256": f"sha256={signature}"}


def feed_change(
    *,
    page_id: str,
    post_id: str,
    comment_id: str,
    author: str,
    message: str = "",
    verb: str = "add",
    at: datetime | None = None,
    parent_id: str | None = None,
) -> dict[str, Any]:
    when = int((at or datetime.now(UTC)).timestamp())
    value: dict[str, Any] = {
        "item": "comment",
        "verb": verb,
        "post_id": post_id,
        "comment_id": comment_id,
        "parent_id": parent_id or post_id,
        "from": {"id": author, "name": f"Person {author}"},
        "created_time": when,
    }
    if verb != "remove":
        value["message"] = message
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": when, "changes": [{"field": "feed", "value": value}]}],
    }


def instagram_change(
    *,
    account_id: str,
    media_id: str,
    comment_id: str,
    author: str,
    username: str,
    text: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    when = int((at or datetime.now(UTC)).timestamp())
    return {
        "object": "instagram",
        "entry": [
            {
                "id": account_id,
                "time": when,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": comment_id,
                            "text": text,
                            "from": {"id": author, "username": username},
                            "media": {"id": media_id, "media_product_type": "FEED"},
                        },
                    }
                ],
            }
        ],
    }
