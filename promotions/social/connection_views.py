"""The marketer's side of connecting a Facebook Page, served under the ConnectedPage admin
(``promotions/admin/social_pages.py`` wires the URLs with ``admin_site.admin_view``).

* ``connect/?brand=<id>``: a manager of the brand starts Facebook Login for Pages (the
  dialog at ``settings.FACEBOOK_WWW_URL`` with ``client.PAGE_SCOPES``);
* ``connect/callback/``: Facebook sends the marketer back with ``code`` and ``state``;
* ``connect/choose/``: when they manage several Pages, which one the brand connects;
* ``<id>/posts/?platform=facebook|instagram``: the Page's recent posts, each with a
  "Use this post" link to ``USE_POST_URL_NAME`` (``?object_id=&platform=&page=``).

Views check, call one service or selector, and answer; a bad or replayed ``state`` is a
friendly 400 page that changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from promotions.admin.scoping import editable_brand_ids, is_superuser
from promotions.campaigns.models import Brand
from promotions.facebook import client
from promotions.social import connection_selectors, connections
from promotions.social.models import ConnectedPage

# Where "Use this post" leads: the form that adds a post to a promotion's entry sources
# (the comment-giveaway room's admin). Until that URL exists the view shows the ids only.
USE_POST_URL_NAME = "admin:promotions_socialsource_add"
CHANGELIST = "admin:promotions_connectedpage_changelist"


def _manageable_brands(request: HttpRequest) -> list[Brand]:
    brands = Brand.objects.order_by("name")
    if not is_superuser(request):
        brands = brands.filter(pk__in=editable_brand_ids(request))
    return list(brands)


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk  # admin_view let only signed-in staff through
    if pk is None:
        raise PermissionDenied
    return int(pk)


def _may_connect(request: HttpRequest, brand_id: int) -> bool:
    return is_superuser(request) or brand_id in editable_brand_ids(request)


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("admin:promotions_connectedpage_connect_callback"))


def _page(
    model_admin: ModelAdmin[Any],
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> TemplateResponse:
    full = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "media": model_admin.media,
        **context,
    }
    return TemplateResponse(request, template, full, status=status)


def _refused(model_admin: ModelAdmin[Any], request: HttpRequest, message: str) -> HttpResponse:
    return _page(
        model_admin,
        request,
        "admin/promotions/connectedpage/connect_refused.html",
        {"title": _("The Page was not connected"), "message": message},
        status=400,
    )


def connect_start(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """Choose the brand (when the marketer manages several), then go to Facebook's dialog."""
    if not settings.FACEBOOK_APP_ID:
        messages.error(request, _("Facebook is not configured here (FACEBOOK_APP_ID)."))
        return HttpResponseRedirect(reverse(CHANGELIST))
    brands = _manageable_brands(request)
    raw = request.GET.get("brand", "")
    if not raw and len(brands) == 1:
        raw = str(brands[0].pk)
    if not raw:
        if not brands:
            raise PermissionDenied
        return _page(
            model_admin,
            request,
            "admin/promotions/connectedpage/connect_brand.html",
            {"title": _("Connect a Facebook Page"), "brands": brands},
        )
    if not raw.isdigit() or not _may_connect(request, int(raw)):
        raise PermissionDenied
    brand_id = int(raw)
    if not Brand.objects.filter(pk=brand_id).exists():
        raise Http404
    state = connections.page_connect_state_make(
        session=request.session, user_id=_user_id(request), brand_id=brand_id
    )
    return HttpResponseRedirect(
        client.oauth_login_url(
            redirect_uri=_callback_uri(request),
            state=state,
            scopes=client.PAGE_SCOPES,
            config_id=settings.FACEBOOK_LOGIN_CONFIG_ID,
        )
    )


def connect_callback(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """Facebook sends the marketer back: verify the state, read their Pages, connect one
    (or ask which one)."""
    state = connections.page_connect_state_check(
        session=request.session,
        state=str(request.GET.get("state", "")),
        user_id=_user_id(request),
    )
    if state is None:
        return _refused(
            model_admin,
            request,
            _(
                "This connection could not be verified (it expired, was used already or was "
                "started by someone else). Please start again."
            ),
        )
    brand = Brand.objects.filter(pk=state.brand_id).first()
    if brand is None or not _may_connect(request, brand.pk):
        raise PermissionDenied
    if request.GET.get("error"):
        messages.warning(request, _("Connecting the Page was cancelled on Facebook."))
        return HttpResponseRedirect(reverse(CHANGELIST))
    code = str(request.GET.get("code", ""))
    if not code or len(code) > 2000:
        return _refused(model_admin, request, _("Facebook sent no code. Please start again."))
    try:
        candidates = connections.page_connect_candidates(
            code=code, redirect_uri=_callback_uri(request)
        )
    except connections.ConnectError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse(CHANGELIST))
    if len(candidates.pages) == 1:
        return _connect(request, brand=brand, candidates=candidates, page=candidates.pages[0])
    connections.page_connect_pending_store(
        session=request.session, brand_id=brand.pk, candidates=candidates
    )
    return HttpResponseRedirect(reverse("admin:promotions_connectedpage_connect_choose"))


def connect_choose(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """The marketer manages several Pages: they pick the brand's."""
    pending = connections.page_connect_pending_get(session=request.session)
    if pending is None:
        return _refused(
            model_admin, request, _("This choice expired or was made already. Please start again.")
        )
    brand_id, candidates = pending
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None or not _may_connect(request, brand.pk):
        raise PermissionDenied
    if request.method == "POST":
        chosen = str(request.POST.get("page_id", ""))
        page = next((p for p in candidates.pages if p.page_id == chosen), None)
        if page is not None:
            connections.page_connect_pending_clear(session=request.session)
            return _connect(request, brand=brand, candidates=candidates, page=page)
        messages.error(request, _("Choose one of the Pages listed."))
    return _page(
        model_admin,
        request,
        "admin/promotions/connectedpage/connect_choose.html",
        {
            "title": _("Which Page does %(brand)s connect?") % {"brand": brand.name},
            "brand": brand,
            "pages": [{"page_id": p.page_id, "name": p.name} for p in candidates.pages],
        },
    )


def _connect(
    request: HttpRequest,
    *,
    brand: Brand,
    candidates: connections.Candidates,
    page: client.ManagedPage,
) -> HttpResponse:
    try:
        done = connections.page_connect(
            brand=brand,
            user_id=_user_id(request),
            facebook_user_id=candidates.facebook_user_id,
            scopes=candidates.scopes,
            page=page,
        )
    except connections.ConnectError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse(CHANGELIST))
    connected = done.page
    if connected.instagram_username:
        messages.success(
            request,
            _("Connected the Page “%(page)s” and its Instagram account @%(ig)s to %(brand)s.")
            % {"page": connected.name, "ig": connected.instagram_username, "brand": brand.name},
        )
    else:
        messages.success(
            request,
            _(
                "Connected the Page “%(page)s” to %(brand)s (no Instagram professional account "
                "is linked to it)."
            )
            % {"page": connected.name, "brand": brand.name},
        )
    if done.instagram_error:
        messages.warning(
            request,
            _(
                "Facebook did not tell us the Page's Instagram account (%(reason)s): Instagram "
                "media cannot be used until the Page is connected again."
            )
            % {"reason": done.instagram_error},
        )
    missing = connections.connected_page_missing_scopes(connected_page=connected)
    if missing:
        messages.warning(
            request,
            _(
                "Facebook did not grant %(scopes)s: some features will not work until you connect "
                "again and allow them."
            )
            % {"scopes": ", ".join(missing)},
        )
    if done.webhooks_error:
        messages.warning(
            request,
            _(
                "The Page is connected, but subscribing to its comments in real time failed "
                "(%(reason)s). The scheduled import still reads them; the next token check "
                "tries the subscription again."
            )
            % {"reason": done.webhooks_error},
        )
    return HttpResponseRedirect(reverse(CHANGELIST))


def _use_post_url(connected_page: ConnectedPage, platform: str, object_id: str) -> str | None:
    try:
        base = reverse(USE_POST_URL_NAME)
    except NoReverseMatch:
        return None
    query = {"object_id": object_id, "platform": platform, "page": connected_page.pk}
    return f"{base}?{urlencode(query)}"


def recent_posts(
    model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str
) -> HttpResponse:
    """A connected Page's recent posts or Instagram media, to pick one for a promotion."""
    connected_page = model_admin.get_object(request, unquote(object_id))
    if connected_page is None or not model_admin.has_view_permission(request, connected_page):
        raise Http404
    platform = request.GET.get("platform", connection_selectors.FACEBOOK)
    after = request.GET.get("after") or None
    listed = connection_selectors.connected_page_recent_posts_list(
        connected_page=connected_page,
        platform=platform,
        after=after[:500] if after else None,
    )
    rows = [
        {
            "post": post,
            "posted": parse_datetime(post.created_at) if post.created_at else None,
            "use_url": _use_post_url(connected_page, listed.platform, post.object_id),
        }
        for post in listed.posts
    ]
    next_url = (
        f"{request.path}?{urlencode({'platform': listed.platform, 'after': listed.next_cursor})}"
        if listed.next_cursor
        else None
    )
    return _page(
        model_admin,
        request,
        "admin/promotions/connectedpage/recent_posts.html",
        {
            "title": _("Recent posts: %(page)s") % {"page": connected_page.name},
            "original": connected_page,
            "platform": listed.platform,
            "rows": rows,
            "error": listed.error,
            "next_url": next_url,
            "has_instagram": bool(connected_page.instagram_account_id),
        },
    )
