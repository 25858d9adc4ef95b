"""What a tracking request says about its sender: bot or browser, prefetch, device, source,
country, client address, and a pseudonym of the viewer. Pure functions over a WSGI
environ (Django's ``request.META`` has the same keys), cached where they are costly.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracking.conf import setting
from tracking.crawlers import CrawlerMatcher
from tracking.models import DeviceClass, InvalidReason

_crawlers = CrawlerMatcher()


@lru_cache(maxsize=16384)
def is_bot(user_agent: str) -> bool:
    """Known crawlers, preview fetchers and HTTP libraries (crawlerdetect's list, run by
    RE2: tracking.crawlers); an empty user agent is a bot too. Cached per string."""
    if not user_agent.strip():
        return True
    return _crawlers.is_crawler(user_agent)


_PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def is_prefetch(environ: Mapping[str, Any]) -> bool:
    """Speculative loads: ``Sec-Purpose: prefetch`` (also ``prefetch;prerender``),
    ``Purpose: prefetch``, ``X-Purpose: preview``, ``X-Moz: prefetch``."""
    for header in _PREFETCH_HEADERS:
        value = environ.get(header)
        if value and any(w in value.lower() for w in ("prefetch", "preview", "prerender")):
            return True
    return False


def invalid_reason(environ: Mapping[str, Any], user_agent: str) -> str:
    """The reason a request cannot count, from the request alone ('' if none)."""
    if is_bot(user_agent):
        return InvalidReason.BOT.value
    if is_prefetch(environ):
        return InvalidReason.PREFETCH.value
    return ""


@lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    ua = user_agent.lower()
    if not ua:
        return DeviceClass.OTHER.value
    if "ipad" in ua or "tablet" in ua or ("android" in ua and "mobile" not in ua):
        return DeviceClass.TABLET.value
    if any(k in ua for k in ("mobi", "iphone", "ipod", "android", "fban", "fbav")):
        return DeviceClass.MOBILE.value
    return DeviceClass.DESKTOP.value


# --- Addresses --------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip())


def is_trusted_proxy(address: str) -> bool:
    """True when ``address`` (a peer's IP) is one of ``TRUSTED_PROXIES``."""
    networks = _networks(tuple(setting("TRUSTED_PROXIES") or ()))
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


_PORT = re.compile(r":[0-9]{1,5}")
# A dotted quad as ``ipaddress`` reads it (no octet above 255, no leading zero): what the
# server's REMOTE_ADDR nearly always is, checked by one match on every tracked request.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def ip_address_parse(text: str) -> str | None:
    """An address as servers and proxies write it, without its port: ``203.0.113.7``,
    ``203.0.113.7:41234``, ``2001:db8::1``, ``[2001:db8::1]:41234`` (written the standard
    way: ``2001:db8::1``); None for anything else (``unknown``, ``_hidden``, a host name)."""
    text = text.strip()
    if _IPV4.fullmatch(text):
        return text
    if text.startswith("["):  # [v6] or [v6]:port
        host, bracket, port = text[1:].partition("]")
        if not bracket or (port and not _PORT.fullmatch(port)):
            return None
    elif text.count(":") == 1:  # v4:port (a bare v6 address has two colons or more)
        host, port = text.split(":")
        if not _PORT.fullmatch(":" + port):
            return None
    else:
        host = text
    try:
        return str(ipaddress.ip_address(host.partition("%")[0]))  # no zone (fe80::1%eth0)
    except ValueError:
        return None


def client_ip(environ: Mapping[str, Any]) -> str | None:
    """The client's address (``ip_address_parse``: ports dropped), None when there is
    none. ``X-Forwarded-For`` counts only when the peer is one of ``TRUSTED_PROXIES``;
    then the rightmost address that is not a trusted proxy wins, and None when what is
    written there is not an address (nothing further left can be believed)."""
    remote = ip_address_parse(str(environ.get("REMOTE_ADDR") or ""))
    if remote is None or not is_trusted_proxy(remote):
        return remote
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    for written in reversed([a for a in forwarded if a.strip()]):
        address = ip_address_parse(written)
        if address is None or not is_trusted_proxy(address):
            return address
    return remote


def is_secure(environ: Mapping[str, Any]) -> bool:
    if environ.get("wsgi.url_scheme") == "https":
        return True
    return is_trusted_proxy(str(environ.get("REMOTE_ADDR") or "")) and (
        str(environ.get("HTTP_X_FORWARDED_PROTO", "")).lower() == "https"
    )


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def country(environ: Mapping[str, Any]) -> str:
    """Two-letter country from the CDN's header (e.g. Cloudflare's ``CF-IPCountry``), only
    when the request came through a trusted proxy; '' when unknown."""
    if not is_trusted_proxy(str(environ.get("REMOTE_ADDR") or "")):
        return ""
    value = str(environ.get(setting("TRACKING_COUNTRY_HEADER"), "")).strip().upper()
    return value if _COUNTRY.match(value) and value not in ("XX", "T1") else ""


# --- Source -----------------------------------------------------------------------------

_SOURCE_CHARS = re.compile(r"[^a-z0-9._-]+")
_ALIASES = {"fb": "facebook", "ig": "instagram", "insta": "instagram"}


def clean_source(value: str) -> str:
    cleaned = _SOURCE_CHARS.sub("", value.strip().lower())[:40]
    return _ALIASES.get(cleaned, cleaned)


def _host_source(host: str) -> str:
    host = host.lower().removeprefix("www.")
    if host == "facebook.com" or host.endswith((".facebook.com", ".fb.com")) or host == "fb.com":
        return "facebook"
    if host == "instagram.com" or host.endswith(".instagram.com"):
        return "instagram"
    return clean_source(host)


def source(*, utm_source: str | None, referrer: str | None, own_host: str, user_agent: str) -> str:
    """utm_source if given, else the referring site (facebook, instagram or its domain),
    else the in-app browser's owner, else ``direct``. Bounded: [a-z0-9._-], 40 chars."""
    if utm_source:
        cleaned = clean_source(utm_source)
        if cleaned:
            return cleaned
    if referrer:
        parts = urlsplit(referrer[:2000])
        host = (parts.hostname or "").lower()
        if host and host != own_host.split(":")[0].lower():
            return _host_source(host)
        if host:  # our own page: its query may carry the campaign's utm_source or fbclid
            query = parse_qs(parts.query)
            if query.get("utm_source"):
                return clean_source(query["utm_source"][0]) or "direct"
            if "fbclid" in query:
                return "facebook"
    if "FBAN" in user_agent or "FBAV" in user_agent or "FB_IAB" in user_agent:
        return "facebook"
    if "Instagram" in user_agent:
        return "instagram"
    return "direct"


# --- Language ---------------------------------------------------------------------------

_languages_of: object = None  # the LANGUAGES setting the answers below were computed for
_language_answers: dict[str, str] = {}


def _language_of(value: str, configured: Any) -> str:
    codes = {str(code).lower() for code, _name in configured}
    code = value.strip().lower().replace("_", "-")[:16]
    if code in codes:
        return code
    primary = code.split("-", 1)[0]  # "fr-CA" on a site that has "fr"
    return primary if primary in codes else ""


def language(value: str | None) -> str:
    """The page's language as one of ``settings.LANGUAGES`` codes (lower case, e.g. "fr",
    "pt-br"; "fr-CA" becomes "fr" when only "fr" is configured); '' when missing or
    unknown, so the breakdown holds only the site's languages, never free text.
    Answers are remembered per value (a dict lookup on the hot path) until the setting
    changes."""
    global _languages_of, _language_answers
    if not value:
        return ""
    configured = setting("LANGUAGES")
    if configured is not _languages_of:
        _languages_of, _language_answers = configured, {}
    found = _language_answers.get(value)
    if found is None:
        found = _language_of(value, configured) if len(value) <= 35 else ""
        if len(_language_answers) < 4096:  # bounded: values come from the internet
            _language_answers[value] = found
    return found


# --- Viewer pseudonym ------------------------------------------------------------------


@lru_cache(maxsize=4)
def _pseudonym_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"promohub.tracking.viewer.v1\x00" + secret_key.encode()).digest()


# The consumer pages' first-party device cookie (set by promotions.pages.cookies): a random
# id, 1 to 64 URL-safe characters. Tracking only reads it.
DEVICE_COOKIE = "ph_dev"
_DEVICE_IN_COOKIES = re.compile(r"(?:^|;)\s*" + DEVICE_COOKIE + r"=([A-Za-z0-9_-]{1,64})\s*(?:;|$)")


def device_id(environ: Mapping[str, Any]) -> str:
    """The browser's device id from its ``Cookie`` header; '' without a valid one."""
    cookies = environ.get("HTTP_COOKIE")
    if not cookies or DEVICE_COOKIE not in cookies:
        return ""
    found = _DEVICE_IN_COOKIES.search(str(cookies))
    return found.group(1) if found else ""


def pseudonym(ip: str, user_agent: str, device: str = "") -> bytes:
    """16 bytes naming a viewer under a key derived from SECRET_KEY: the browser's device
    cookie when it sends one, else IP address + user agent (people behind one carrier
    address with the same phone and app are told apart by their cookies). It lives only
    in flight (Redis stream, velocity counters); what is stored is a hash of it under the
    day's random salt (tracking.store), never the address or the cookie."""
    named = f"device\x00{device}" if device else f"{ip}\x00{user_agent}"
    return hashlib.blake2b(
        named.encode(errors="replace"),
        key=_pseudonym_key(setting("SECRET_KEY")),
        digest_size=16,
    ).digest()


# --- A request, classified ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visit:
    """What tracking keeps of a request: never the address, only a pseudonym in flight."""

    pseudonym: bytes | None
    country: str
    device: str
    source: str
    invalid_reason: str
    language: str = ""


def visit_from_environ(
    environ: Mapping[str, Any],
    *,
    utm_source: str | None = None,
    referrer: str | None = None,
    page_language: str | None = None,
) -> Visit:
    """Classify a WSGI environ (or Django ``request.META``). ``referrer`` defaults to the
    ``Referer`` header; the beacon passes the page's own ``document.referrer`` instead.
    ``page_language`` is the language the page says it was rendered in (``<html lang>``)."""
    user_agent = str(environ.get("HTTP_USER_AGENT", ""))[:1000]
    if referrer is None:
        referrer = str(environ.get("HTTP_REFERER", ""))
    return Visit(
        pseudonym=pseudonym(client_ip(environ) or "", user_agent, device_id(environ)),
        country=country(environ),
        device=device_class(user_agent),
        source=source(
            utm_source=utm_source,
            referrer=referrer,
            own_host=str(environ.get("HTTP_HOST", "")),
            user_agent=user_agent,
        ),
        invalid_reason=invalid_reason(environ, user_agent),
        language=language(page_language),
    )
