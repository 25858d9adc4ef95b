"""Cookies of the consumer pages: the language chosen and the device, set as the session's,
and every cross-site cookie marked ``Partitioned``.

A tab embedded in an iframe on the brand's own site is a cross-site frame. Browsers send
it a cookie only when the cookie says ``SameSite=None; Secure``, and Chromium (and the
other browsers that block third-party cookies) only when it is also ``Partitioned``
(CHIPS): the frame then has a cookie jar of its own, kept apart per embedding site, where
its session, CSRF token, language and device live. Production sets the session and CSRF
cookies so (``COOKIE_SAMESITE``, default None over HTTPS) and the consumer pages' own
cookies follow them; a plain-HTTP development server keeps ``Lax``. Django cannot write
``Partitioned`` yet (Python's cookies learn it in 3.14), hence ``partitioned_cookies``.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from http.cookies import Morsel

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from promotions.entries.senders import DEVICE_COOKIE_MAX_AGE, new_device_id
from tracking.classify import DEVICE_COOKIE


def consumer_cookie_set(
    request: HttpRequest, response: HttpResponse, name: str, value: str, *, max_age: int
) -> None:
    samesite = settings.SESSION_COOKIE_SAMESITE or "Lax"
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite=samesite,
        # SameSite=None without Secure is refused by browsers
        secure=samesite == "None" or settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )


def device_cookie_ensure(request: HttpRequest, response: HttpResponse) -> None:
    """Give a browser without one the first-party device cookie, by which its rate limits
    count it apart from other people behind the same address."""
    if not request.COOKIES.get(DEVICE_COOKIE):
        consumer_cookie_set(
            request, response, DEVICE_COOKIE, new_device_id(), max_age=DEVICE_COOKIE_MAX_AGE
        )


class _PartitionedMorsel(Morsel[str]):
    def OutputString(self, attrs: Container[str] | None = None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


def partitioned_cookies(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware (above the session's, CSRF's and messages' in ``MIDDLEWARE``): every
    cookie set ``SameSite=None`` (always with Secure) leaves ``Partitioned`` too, its
    deletion included, so that it reaches the tab in a cross-site frame."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        for key, morsel in list(response.cookies.items()):
            if str(morsel["samesite"]).lower() == "none" and not isinstance(
                morsel, _PartitionedMorsel
            ):
                partitioned = _PartitionedMorsel()
                partitioned.set(morsel.key, morsel.value, morsel.coded_value)
                partitioned.update(morsel)
                response.cookies[key] = partitioned
        return response

    return middleware
