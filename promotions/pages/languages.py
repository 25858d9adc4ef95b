"""The language a consumer page is rendered in (PRODUCT.md, "Every market").

Chosen in this order: ``?lang=<code>`` (remembered in the ``ph_lang`` cookie), the
Facebook ``signed_request``'s ``user.locale``, the browser's ``Accept-Language``, the
brand's language. Only languages the page offers count (a campaign's languages; the
shop offers every language of the service); an unknown code is skipped, never an error.
No database read: the campaign's languages are on its row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from promotions.campaigns.languages import (
    LANGUAGE_QUERY,
    language_codes,
    language_is_rtl,
    language_normalize,
)
from promotions.pages.cookies import consumer_cookie_set
from tracking.site import absolute_url

LANGUAGE_COOKIE = "ph_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class PageLanguage:
    code: str
    offered: tuple[str, ...]
    from_query: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if language_is_rtl(self.code) else "ltr"


def html_lang(code: str) -> str:
    """A BCP 47 tag for ``<html lang>`` and ``hreflang``: ``pt-br`` → ``pt-BR``."""
    language, _sep, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def page_language_choose(
    request: HttpRequest,
    *,
    offered: Sequence[str],
    default: str,
    facebook_language: str = "",
) -> PageLanguage:
    offered = tuple(c for c in language_codes() if c in offered) or (default,)
    if default not in offered:
        default = offered[0]
    query = language_normalize(request.GET.get(LANGUAGE_QUERY))
    if query in offered:
        return PageLanguage(query, offered, from_query=True)
    for candidate in (request.COOKIES.get(LANGUAGE_COOKIE), facebook_language):
        code = language_normalize(candidate)
        if code in offered:
            return PageLanguage(code, offered)
    header = request.headers.get("Accept-Language", "")[:500]
    for tag, _quality in parse_accept_lang_header(header):
        code = language_normalize(tag)
        if code in offered:
            return PageLanguage(code, offered)
    return PageLanguage(default, offered)


def page_language_context(request: HttpRequest, language: PageLanguage) -> dict[str, object]:
    """What base.html shows: ``<html lang dir>``, the switcher, the hreflang alternates."""
    names = dict(settings.LANGUAGES)
    params = request.GET.copy()
    links = []
    for code in language.offered:
        params[LANGUAGE_QUERY] = code
        links.append(
            {
                "code": code,
                "tag": html_lang(code),
                "name": names.get(code, code),
                "href": f"{request.path}?{params.urlencode()}",
                "current": code == language.code,
            }
        )
    absolute = absolute_url(request.path, request)  # SITE_URL, or the trusted host
    return {
        "page_language": {
            "code": language.code,
            "tag": html_lang(language.code),
            "direction": language.direction,
            "links": links if len(links) > 1 else [],
            "alternates": [
                {
                    "tag": link["tag"],
                    "href": f"{absolute}?{urlencode({LANGUAGE_QUERY: link['code']})}",
                }
                for link in links
            ]
            if len(links) > 1
            else [],
            "x_default": absolute,
        }
    }


def page_language_remember(
    request: HttpRequest, response: HttpResponse, language: PageLanguage
) -> None:
    """Vary on what chose the language; keep a ``?lang=`` choice in a cookie."""
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response.headers["Content-Language"] = language.code
    if language.from_query and request.COOKIES.get(LANGUAGE_COOKIE) != language.code:
        consumer_cookie_set(
            request, response, LANGUAGE_COOKIE, language.code, max_age=LANGUAGE_COOKIE_MAX_AGE
        )
