"""Infrastructure views: the health check and error pages (JSON under /api/, HTML elsewhere)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_q.brokers import get_broker

from tracking.api.errors import error_response as api_error_response

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_queue() -> str:
    broker = get_broker()
    return "ok" if broker.ping() else "down"


def _check_cache() -> str:
    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "down"


CHECKS = {"database": _check_database, "queue": _check_queue, "cache": _check_cache}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with every dependency "ok", 503 naming the one that is down."""
    body: dict[str, Any] = {"status": "ok"}
    for name, check in CHECKS.items():
        try:
            body[name] = check()
        except Exception as exc:  # a health check reports failures, it never raises
            logger.warning("healthz: %s is down: %s", name, exc)
            body[name] = "down"
        if body[name] != "ok":
            body["status"] = "degraded"
    body["database_engine"] = "postgresql" if settings.USING_POSTGRES else "sqlite"
    body["queue_broker"] = "redis" if settings.REDIS_URL else "orm"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(
    request: HttpRequest, status: int, code: str, message: str, template: str
) -> HttpResponse:
    if _is_api(request):
        return api_error_response(status, code, message)
    return render(request, template, {"message": message}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, 404, "not_found", "Nothing lives at this address.", "errors/404.html"
    )


API_NOT_FOUND = "api-not-found"


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under /api/ that no route matches: the JSON 404, with DEBUG on or off.

    It is the last route of config/urls.py, so Django's technical 404 page (DEBUG) never
    answers there. A path that only lacks its trailing slash keeps APPEND_SLASH's redirect,
    as CommonMiddleware would give it (``/api/v1/campaigns`` -> ``/api/v1/campaigns/``).
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.url_name != API_NOT_FOUND:
            common = CommonMiddleware(lambda request: HttpResponse())
            return HttpResponsePermanentRedirect(common.get_full_path_with_slash(request))
    return page_not_found(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, 400, "bad_request", "The request could not be understood.", "errors/400.html"
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, 403, "permission_denied", "You may not do that.", "errors/403.html"
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return api_error_response(500, "server_error", "Something broke on our side.")
    return render(request, "errors/500.html", status=500)


def admin_view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """Django's admin "view on site" shortcut, scoped like the admin itself.

    The stock ``/admin/r/<ct>/<id>/`` redirects any staff user to any object's page. Here
    the object must be reachable through its ModelAdmin's queryset (brand-scoped) and
    viewable by the user; otherwise it does not exist (404).
    """
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut
    from django.http import Http404

    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404("No such object.") from None
    model_admin = admin.site._registry.get(model) if model is not None else None
    obj = model_admin.get_object(request, object_id) if model_admin is not None else None
    if model_admin is None or obj is None or not model_admin.has_view_permission(request, obj):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)
