"""Fake Graph routes for connecting Pages: the Login dialog, the OAuth exchanges,
``/me/accounts``, a Page's Instagram account, ``subscribed_apps``, ``debug_token``, a Page's
posts and an Instagram account's media.

The world lives in ``graph.state["pages_world"]`` (see ``world``); tests fill it with
``marketer_add`` and ``page_add`` and read what happened there (``subscriptions``) or in the
request log. Tokens look like Facebook's only in being opaque strings.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from tests.fakes.graph_server import Answer, Call, FakeGraph, GraphFault, route, token_expired

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
ALL_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_metadata",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
)


def world(graph: FakeGraph) -> dict[str, Any]:
    """The Pages world: app credentials, marketers, codes, tokens, Pages, subscriptions."""
    with graph.lock:
        return graph.state.setdefault(
            "pages_world",
            {
                "app": None,  # (app_id, app_secret) once set: exchanges and debug_token check it
                "codes": {},  # code -> short-lived user token
                "dialog_code": None,  # the code the dialog hands out
                "dialog_error": None,  # e.g. "access_denied": the marketer cancelled
                "redirect_uris": {},  # code -> the redirect_uri the dialog was opened with
                "user_tokens": {},  # token -> {"user_id", "long": bool}
                "users": {},  # user_id -> {"pages": [page ids], "scopes": [...]}
                "pages": {},  # page_id -> {"name", "token", "instagram", "posts", "media"}
                "page_tokens": {},  # token -> page_id
                "invalid": {},  # token -> {"code", "subcode", "message"} (debug_token says so)
                "subscriptions": {},  # page_id -> [subscribed fields], one entry per call
            },
        )


def app_set(graph: FakeGraph, *, app_id: str, app_secret: str) -> None:
    world(graph)["app"] = (app_id, app_secret)


def marketer_add(
    graph: FakeGraph,
    *,
    user_id: str = "9001",
    code: str = "fake-code",
    scopes: tuple[str, ...] = ALL_SCOPES,
) -> str:
    """A marketer whose consent yields ``code``; returns their short-lived user token."""
    w = world(graph)
    short = f"short-user-token-{user_id}"
    with graph.lock:
        w["users"].setdefault(user_id, {"pages": []})["scopes"] = list(scopes)
        w["codes"][code] = short
        w["dialog_code"] = code
        w["user_tokens"][short] = {"user_id": user_id, "long": False}
    return short


def page_add(
    graph: FakeGraph,
    *,
    user_id: str = "9001",
    page_id: str,
    name: str,
    instagram: tuple[str, str] | None = None,
    posts: int = 0,
    media: int = 0,
) -> str:
    """A Page the marketer manages, with ``posts`` posts and (with an Instagram account
    ``(id, username)``) ``media`` media, newest first; returns the Page token."""
    w = world(graph)
    token = f"page-token-{page_id}-secret"
    with graph.lock:
        w["users"].setdefault(user_id, {"pages": [], "scopes": list(ALL_SCOPES)})["pages"].append(
            page_id
        )
        w["pages"][page_id] = {
            "name": name,
            "token": token,
            "instagram": instagram,
            "posts": [
                {
                    "id": f"{page_id}_{1000 + n}",
                    "message": f"Post {n} of {name}: comment to win!",
                    "created_time": f"2026-11-{28 - (n % 27):02d}T10:{n % 60:02d}:00+0000",
                    "permalink_url": f"https://www.facebook.com/{page_id}/posts/{1000 + n}",
                }
                for n in range(posts)
            ],
            "media": [
                {
                    "id": f"1790{page_id[-4:]}{n:04d}",
                    "caption": f"Photo {n} #giveaway",
                    "permalink": f"https://www.instagram.com/p/FAKE{n}/",
                    "timestamp": f"2026-11-{28 - (n % 27):02d}T12:00:00+0000",
                    "media_type": "IMAGE",
                }
                for n in range(media)
            ],
        }
        w["page_tokens"][token] = page_id
    return token


def token_invalidate(
    graph: FakeGraph, token: str, *, subcode: int = 463, message: str = ""
) -> None:
    """``debug_token`` says ``token`` is no longer valid (463: expired; 458/460: revoked),
    and calls made with it fail with error 190."""
    text = message or (
        "Error validating access token: Session has expired."
        if subcode == 463
        else "Error validating access token: The user has not authorized application."
    )
    with graph.lock:
        world(graph)["invalid"][token] = {"code": 190, "subcode": subcode, "message": text}


# --- helpers -------------------------------------------------------------------------------


def _check_app(graph: FakeGraph, client_id: str, client_secret: str) -> None:
    app = world(graph)["app"]
    if app is not None and (client_id, client_secret) != app:
        raise GraphFault(101, "Error validating application. Invalid application ID.")


def _page_of(graph: FakeGraph, call: Call, page_id: str) -> dict[str, Any]:
    w = world(graph)
    token = call.access_token
    if token in w["invalid"]:
        raise token_expired()
    page = w["pages"].get(page_id)
    if page is None or w["page_tokens"].get(token) != page_id:
        raise GraphFault(
            100, f"Unsupported get request. Object with ID '{page_id}' does not exist."
        )
    return page


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(str(index).encode()).decode().rstrip("=")


def _index(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except ValueError:
        raise GraphFault(100, "Invalid cursor") from None


def _paged(graph: FakeGraph, call: Call, rows: list[dict[str, Any]]) -> dict[str, Any]:
    limit = min(int(call.params.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    start = _index(call.params["after"]) if call.params.get("after") else 0
    chunk = rows[start : start + limit]
    answer: dict[str, Any] = {"data": chunk}
    if chunk:
        answer["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(start + limit)}}
        if start + limit < len(rows):
            query = {k: v for k, v in call.query.items() if k != "access_token"}
            query["after"] = _cursor(start + limit)
            answer["paging"]["next"] = f"{graph.url}/v25.0{call.path}?{urlencode(query)}"
    return answer


# --- routes --------------------------------------------------------------------------------


@route("GET", r"/dialog/oauth")
def _dialog(graph: FakeGraph, call: Call) -> Answer:
    """The marketer consents at once: back to ``redirect_uri`` with the code and state."""
    w = world(graph)
    redirect_uri, state = call.query.get("redirect_uri", ""), call.query.get("state", "")
    if not redirect_uri:
        raise GraphFault(191, "The redirect_uri is missing.")
    if w["dialog_error"]:
        back = {"error": w["dialog_error"], "state": state}
    else:
        code = w["dialog_code"] or "fake-code"
        with graph.lock:
            w["redirect_uris"][code] = redirect_uri
        back = {"code": code, "state": state}
    glue = "&" if "?" in redirect_uri else "?"
    return 302, b"", {"Location": f"{redirect_uri}{glue}{urlencode(back)}"}


@route("GET", r"/oauth/access_token")
def _access_token(graph: FakeGraph, call: Call) -> Answer:
    w = world(graph)
    params = call.params
    _check_app(graph, str(params.get("client_id", "")), str(params.get("client_secret", "")))
    with graph.lock:
        if params.get("grant_type") == "fb_exchange_token":
            owner = w["user_tokens"].get(str(params.get("fb_exchange_token", "")))
            if owner is None:
                raise token_expired()
            long_token = f"long-user-token-{owner['user_id']}"
            w["user_tokens"][long_token] = {"user_id": owner["user_id"], "long": True}
            return (
                200,
                {"access_token": long_token, "token_type": "bearer", "expires_in": 5183944},
                {},
            )
        code = str(params.get("code", ""))
        short = w["codes"].pop(code, None)  # a code works once
        expected_uri = w["redirect_uris"].pop(code, None)
    if short is None:
        raise GraphFault(100, "This authorization code has been used.", subcode=36009)
    if expected_uri is not None and params.get("redirect_uri") != expected_uri:
        raise GraphFault(100, "Error validating verification code: redirect_uri differs.")
    return 200, {"access_token": short, "token_type": "bearer", "expires_in": 5400}, {}


@route("GET", r"/me/accounts")
def _accounts(graph: FakeGraph, call: Call) -> Answer:
    w = world(graph)
    owner = w["user_tokens"].get(call.access_token)
    if owner is None or call.access_token in w["invalid"]:
        raise token_expired()
    user = w["users"].get(owner["user_id"], {"pages": []})
    rows = [
        {
            "id": page_id,
            "name": w["pages"][page_id]["name"],
            "access_token": w["pages"][page_id]["token"],
            "category": "Brand",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }
        for page_id in user["pages"]
    ]
    return 200, _paged(graph, call, rows), {}


@route("GET", r"/debug_token")
def _debug_token(graph: FakeGraph, call: Call) -> Answer:
    w = world(graph)
    app = w["app"]
    if app is not None and call.access_token != f"{app[0]}|{app[1]}":
        raise GraphFault(190, "Invalid OAuth access token - Cannot parse access token")
    token = str(call.query.get("input_token", ""))
    app_id = app[0] if app else "1234567890"
    data: dict[str, Any] = {"app_id": app_id, "type": "USER", "application": "Fake app"}
    if token in w["invalid"]:
        bad = w["invalid"][token]
        data.update(
            is_valid=False,
            expires_at=1700000000 if bad["subcode"] == 463 else 0,
            error={"code": bad["code"], "subcode": bad["subcode"], "message": bad["message"]},
            scopes=[],
        )
        return 200, {"data": data}, {}
    owner = w["user_tokens"].get(token)
    page_id = w["page_tokens"].get(token)
    if owner is not None:
        user = w["users"][owner["user_id"]]
        data.update(
            is_valid=True,
            user_id=owner["user_id"],
            expires_at=1900000000 if owner["long"] else 1800000000,
            scopes=user["scopes"],
        )
    elif page_id is not None:
        user_id = next(u for u, d in w["users"].items() if page_id in d["pages"])
        data.update(
            type="PAGE",
            is_valid=True,
            user_id=user_id,
            profile_id=page_id,
            expires_at=0,
            scopes=w["users"][user_id]["scopes"],
        )
    else:
        data.update(
            is_valid=False,
            error={"code": 190, "subcode": 467, "message": "Invalid OAuth access token."},
            scopes=[],
        )
    return 200, {"data": data}, {}


@route("GET", r"/(?P<page_id>\d+)")
def _page(graph: FakeGraph, call: Call, page_id: str) -> Answer:
    page = _page_of(graph, call, page_id)
    answer: dict[str, Any] = {"id": page_id}
    fields = str(call.params.get("fields", ""))
    if "name" in fields.split(","):
        answer["name"] = page["name"]
    if "instagram_business_account" in fields and page["instagram"]:
        ig_id, username = page["instagram"]
        answer["instagram_business_account"] = {"id": ig_id, "username": username}
    return 200, answer, {}


@route("POST", r"/(?P<page_id>\d+)/subscribed_apps")
def _subscribe(graph: FakeGraph, call: Call, page_id: str) -> Answer:
    _page_of(graph, call, page_id)
    fields = str(call.params.get("subscribed_fields", ""))
    if not fields:
        raise GraphFault(100, "(#100) The parameter subscribed_fields is required.")
    with graph.lock:
        world(graph)["subscriptions"].setdefault(page_id, []).append(fields.split(","))
    return 200, {"success": True}, {}


@route("GET", r"/(?P<page_id>\d+)/posts")
def _posts(graph: FakeGraph, call: Call, page_id: str) -> Answer:
    page = _page_of(graph, call, page_id)
    return 200, _paged(graph, call, page["posts"]), {}


@route("GET", r"/(?P<ig_id>\d+)/media")
def _media(graph: FakeGraph, call: Call, ig_id: str) -> Answer:
    w = world(graph)
    if call.access_token in w["invalid"]:
        raise token_expired()
    page_id = w["page_tokens"].get(call.access_token)
    page = w["pages"].get(page_id) if page_id else None
    if page is None or not page["instagram"] or page["instagram"][0] != ig_id:
        raise GraphFault(100, f"Unsupported get request. Object with ID '{ig_id}' does not exist.")
    return 200, _paged(graph, call, page["media"]), {}
