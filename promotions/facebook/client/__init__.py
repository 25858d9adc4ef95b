"""The only door to Facebook: the Graph API, Facebook Login (OAuth) and ``signed_request``.

Import from here (``from promotions.facebook import client``); the modules are rooms of one
client, and only this package imports facebook-sdk:

* ``graph.py``: the transport every call goes through: ``graph_get``, ``graph_edge_page``
  (one page of an edge: comments, reactions), ``graph_post_authorized`` (replies),
  ``graph_post`` (the Conversions API), errors (``GraphError``, throttling), rate-limit
  usage, the SDK's ``graph_api``.
* ``login.py``: Facebook Login and tokens: ``oauth_login_url``, ``oauth_exchange_code``,
  ``oauth_profile``, ``oauth_long_lived_token``, ``token_debug``.
* ``pages.py``: a brand's Pages: ``pages_list``, ``page_instagram_account``,
  ``page_subscribe_app``, ``page_posts_list``, ``instagram_media_list``.
* ``signatures.py``: what Facebook signs: ``webhook_signature_valid``,
  ``webhook_verify_token_valid``, ``signed_request_parse`` / ``signed_request_make``.

Every call goes to ``settings.FACEBOOK_GRAPH_URL`` and the dialog to
``settings.FACEBOOK_WWW_URL``.
"""

from promotions.facebook.client.graph import (
    THROTTLE_CODES,
    TIMEOUT_SECONDS,
    GraphAnswer,
    GraphCallError,
    GraphError,
    GraphPage,
    graph_api,
    graph_edge_page,
    graph_get,
    graph_post,
    graph_post_authorized,
    graph_url,
)
from promotions.facebook.client.login import (
    LOGIN_SCOPES,
    FacebookProfile,
    TokenInfo,
    app_token,
    oauth_exchange_code,
    oauth_login_url,
    oauth_long_lived_token,
    oauth_profile,
    token_debug,
)
from promotions.facebook.client.pages import (
    PAGE_LIST_MAX,
    PAGE_SCOPES,
    PAGE_WEBHOOK_FIELDS,
    ManagedPage,
    RecentPost,
    instagram_media_list,
    page_instagram_account,
    page_posts_list,
    page_subscribe_app,
    pages_list,
)
from promotions.facebook.client.signatures import (
    SIGNED_REQUEST_CLOCK_SKEW,
    SIGNED_REQUEST_MAX_AGE,
    SIGNED_REQUEST_MAX_LENGTH,
    signed_request_make,
    signed_request_parse,
    webhook_signature_valid,
    webhook_verify_token_valid,
)

__all__ = [
    "LOGIN_SCOPES",
    "PAGE_LIST_MAX",
    "PAGE_SCOPES",
    "PAGE_WEBHOOK_FIELDS",
    "SIGNED_REQUEST_CLOCK_SKEW",
    "SIGNED_REQUEST_MAX_AGE",
    "SIGNED_REQUEST_MAX_LENGTH",
    "THROTTLE_CODES",
    "TIMEOUT_SECONDS",
    "FacebookProfile",
    "GraphAnswer",
    "GraphCallError",
    "GraphError",
    "GraphPage",
    "ManagedPage",
    "RecentPost",
    "TokenInfo",
    "app_token",
    "graph_api",
    "graph_edge_page",
    "graph_get",
    "graph_post",
    "graph_post_authorized",
    "graph_url",
    "instagram_media_list",
    "oauth_exchange_code",
    "oauth_login_url",
    "oauth_long_lived_token",
    "oauth_profile",
    "page_instagram_account",
    "page_posts_list",
    "page_subscribe_app",
    "pages_list",
    "signed_request_make",
    "signed_request_parse",
    "token_debug",
    "webhook_signature_valid",
    "webhook_verify_token_valid",
]
