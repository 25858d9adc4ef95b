"""Connecting a brand's Facebook Page (and its Instagram account), and its token's health.

Services (writes), keyword-only ``<entity>_<action>``:

* ``page_connect_state_make`` / ``page_connect_state_check``: the OAuth ``state``, signed
  with the marketer's user id and brand, expiring after ``STATE_MAX_AGE``, bound to their
  session by a nonce kept there, and good once.
* ``page_connect_candidates``: after the dialog, the code → a user token → a long-lived
  user token → the Pages it manages (each with its Page token, long-lived because the user
  token is) and who the marketer is on Facebook.
* ``page_connect``: read the Page's Instagram account, store or update the
  ``ConnectedPage`` (token encrypted), then subscribe the app to the Page's webhooks.
* ``connected_page_token_check``: ``debug_token`` says valid, expired or revoked; a change
  to expired/revoked alerts the brand's managers once (a conditional UPDATE decides who
  alerts), a later valid check or a reconnect restores it.
* ``connected_pages_deauthorize``: the marketer removed the app on Facebook: the Pages they
  connected lose their token (the rows stay, so their promotions keep their entries).
* ``connected_page_tokens_reencrypt``: rewrite every token under the newest key.

Graph calls (all through ``promotions.facebook.client``) never run inside a transaction:
each function calls Graph first and writes after, or writes, commits, and then calls.
Tokens are never logged, never put in a message, never shown.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import InvalidToken
from django.core import signing
from django.db import transaction
from django.db.models import ExpressionWrapper, F, TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.models import Brand
from promotions.facebook import client
from promotions.reports import alerts
from promotions.social.models import ConnectedPage
from promotions.social.texts import token_alert_texts

logger = logging.getLogger(__name__)

STATE_SALT = "promotions.social.connect"
STATE_MAX_AGE = 600  # seconds between "Connect" and Facebook sending the marketer back
SESSION_NONCES = "promotions.social.connect_nonces"
SESSION_PENDING = "promotions.social.connect_pending"
NONCES_KEPT = 5
REQUIRED_SCOPES = frozenset(client.PAGE_SCOPES)

# debug_token's error subcodes for a token the person or Facebook took back.
REVOKED_SUBCODES = frozenset({458, 459, 460, 464, 467, 490, 492})


class ConnectError(Exception):
    """Connecting failed in a way the marketer can read (never with a token in it)."""


# --- the OAuth state ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectState:
    brand_id: int
    user_id: int


def page_connect_state_make(
    *, session: MutableMapping[str, Any], user_id: int, brand_id: int
) -> str:
    """A signed, expiring ``state`` for the dialog, whose nonce the session keeps."""
    nonce = secrets.token_urlsafe(16)
    nonces = [n for n in session.get(SESSION_NONCES, []) if isinstance(n, str)]
    session[SESSION_NONCES] = [*nonces, nonce][-NONCES_KEPT:]
    return signing.dumps({"b": brand_id, "u": user_id, "n": nonce}, salt=STATE_SALT, compress=True)


def page_connect_state_check(
    *, session: MutableMapping[str, Any], state: str, user_id: int
) -> ConnectState | None:
    """The brand and user the ``state`` was made for, once; None when it is forged,
    expired, made for another user or session, or used already."""
    try:
        data = signing.loads(state[:1000], salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict):
        return None
    nonce, brand_id, owner = data.get("n"), data.get("b"), data.get("u")
    nonces = [n for n in session.get(SESSION_NONCES, []) if isinstance(n, str)]
    if nonce not in nonces or not isinstance(brand_id, int) or owner != user_id:
        return None
    nonces.remove(nonce)  # single use, whatever happens next
    session[SESSION_NONCES] = nonces
    return ConnectState(brand_id=brand_id, user_id=user_id)


# --- after the dialog --------------------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    """What the marketer may connect: their Facebook id, granted scopes and Pages."""

    facebook_user_id: str
    scopes: tuple[str, ...]
    pages: list[client.ManagedPage]


def page_connect_candidates(*, code: str, redirect_uri: str) -> Candidates:
    """Code → user token → long-lived user token → the Pages it manages. Graph calls only,
    no database: run it outside any transaction."""
    try:
        short_token, _expires = client.oauth_exchange_code(code=code, redirect_uri=redirect_uri)
        user_token, _expires = client.oauth_long_lived_token(user_token=short_token)
        info = client.token_debug(token=user_token)
        pages = client.pages_list(user_token=user_token)
    except client.GraphError as exc:
        logger.warning("social: connecting a Page failed: %s", exc)
        raise ConnectError(
            _("Facebook did not confirm the connection: %(reason)s") % {"reason": _reason(exc)}
        ) from None
    if not info.is_valid or not info.user_id.isdigit():
        raise ConnectError(_("Facebook says this login is not valid. Please connect again."))
    if not pages:
        raise ConnectError(
            _(
                "Facebook gave access to no Page. Connect again and, in Facebook's dialog, "
                "choose the brand's Page (you must have a task on it)."
            )
        )
    return Candidates(facebook_user_id=info.user_id, scopes=info.scopes, pages=pages)


def _reason(exc: client.GraphError) -> str:
    """Graph's own words without our prefix ("GET me/accounts: ..."), tokens blanked."""
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text


def _fernet() -> Any:
    return ConnectedPage._meta.get_field("access_token").f  # type: ignore[union-attr]


def page_connect_pending_store(
    *, session: MutableMapping[str, Any], brand_id: int, candidates: Candidates
) -> None:
    """Keep the candidates in the session until the marketer chooses a Page: encrypted
    like the stored tokens (a session row is no place for a token in clear)."""
    plain = json.dumps(
        {
            "brand": brand_id,
            "facebook_user_id": candidates.facebook_user_id,
            "scopes": list(candidates.scopes),
            "pages": [[p.page_id, p.name, p.access_token] for p in candidates.pages],
            "at": timezone.now().timestamp(),
        }
    )
    session[SESSION_PENDING] = _fernet().encrypt(plain.encode()).decode()


def page_connect_pending_get(*, session: MutableMapping[str, Any]) -> tuple[int, Candidates] | None:
    """The candidates kept by ``page_connect_pending_store`` (for ``STATE_MAX_AGE``)."""
    sealed = session.get(SESSION_PENDING)
    if not isinstance(sealed, str):
        return None
    try:
        data = json.loads(_fernet().decrypt(sealed.encode(), ttl=STATE_MAX_AGE))
    except (InvalidToken, ValueError):
        return None
    pages = [
        client.ManagedPage(page_id=page_id, name=name, access_token=token)
        for page_id, name, token in data["pages"]
    ]
    return int(data["brand"]), Candidates(
        facebook_user_id=str(data["facebook_user_id"]), scopes=tuple(data["scopes"]), pages=pages
    )


def page_connect_pending_clear(*, session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_PENDING, None)


@dataclass(frozen=True)
class Connected:
    page: ConnectedPage
    created: bool
    webhooks_error: str  # "" when the subscription worked
    instagram_error: str = ""  # why the Instagram account could not be read, if it could not


def page_connect(
    *,
    brand: Brand,
    user_id: int,
    facebook_user_id: str,
    scopes: tuple[str, ...],
    page: client.ManagedPage,
) -> Connected:
    """Store (or renew) the brand's connection to ``page``, then subscribe the app to its
    webhooks. A Page connected to another brand is refused (``ConnectError``)."""
    taken = ConnectedPage.objects.filter(page_id=page.page_id).exclude(brand=brand).exists()
    if taken:
        raise ConnectError(
            _("The Page “%(name)s” is connected to another brand already.") % {"name": page.name}
        )
    instagram_error = ""
    try:
        instagram = client.page_instagram_account(
            page_id=page.page_id, page_token=page.access_token
        )
    except client.GraphError as exc:  # connect the Page anyway, and say why IG is missing
        logger.warning("social: Instagram account of Page %s unreadable: %s", page.page_id, exc)
        instagram, instagram_error = None, _reason(exc)
    now = timezone.now()
    with transaction.atomic():
        connected, created = ConnectedPage.objects.select_for_update().update_or_create(
            page_id=page.page_id,
            defaults={
                "brand": brand,
                "name": page.name,
                "instagram_account_id": instagram[0] if instagram else "",
                "instagram_username": instagram[1] if instagram else "",
                "access_token": page.access_token,
                "scopes": sorted(scopes),
                "token_status": ConnectedPage.TokenStatus.VALID,
                "token_checked_at": now,
                "token_error": _missing_scopes_message(scopes),
                "token_alerted_at": None,
                "token_expires_at": None,
                "connected_at": now,
                "connected_by_id": user_id,
                "connected_facebook_user_id": facebook_user_id,
                "webhooks_subscribed_at": None,
            },
        )
    webhooks_error = connected_page_webhooks_subscribe(connected_page=connected)
    return Connected(
        page=connected,
        created=created,
        webhooks_error=webhooks_error,
        instagram_error=instagram_error,
    )


def connected_page_webhooks_subscribe(*, connected_page: ConnectedPage) -> str:
    """Subscribe the app to the Page's ``feed`` webhooks; "" when done, else the reason.
    Call it outside any transaction."""
    if not connected_page.access_token:
        return _("The Page has no token; connect it again.")
    try:
        client.page_subscribe_app(
            page_id=connected_page.page_id, page_token=connected_page.access_token
        )
    except client.GraphError as exc:
        logger.warning("social: webhook subscription of Page %s failed: %s", connected_page.pk, exc)
        return _reason(exc)
    connected_page.webhooks_subscribed_at = timezone.now()
    ConnectedPage.objects.filter(pk=connected_page.pk).update(
        webhooks_subscribed_at=connected_page.webhooks_subscribed_at
    )
    return ""


def _missing_scopes_message(scopes: tuple[str, ...] | list[str]) -> str:
    missing = sorted(REQUIRED_SCOPES - set(scopes))
    if not missing:
        return ""
    return _("Permissions not granted: %(scopes)s.") % {"scopes": ", ".join(missing)}


def connected_page_missing_scopes(*, connected_page: ConnectedPage) -> list[str]:
    return sorted(REQUIRED_SCOPES - set(connected_page.scopes or []))


# --- the token's health ------------------------------------------------------------------


def _status_of(info: client.TokenInfo) -> str:
    """Valid; revoked when the person or Facebook took it back (app removed, password
    changed, logged out, no task on the Page any more); otherwise expired (code 190)."""
    if info.is_valid:
        return ConnectedPage.TokenStatus.VALID
    if info.error_subcode in REVOKED_SUBCODES:
        return ConnectedPage.TokenStatus.REVOKED
    return ConnectedPage.TokenStatus.EXPIRED


def connected_page_token_check(*, connected_page_id: int, now: datetime | None = None) -> str:
    """Ask Facebook about the Page's token; returns the status it has now ("unknown" when
    Facebook could not be asked: nothing changes then, the next check asks again)."""
    now = now or timezone.now()
    page = ConnectedPage.objects.filter(pk=connected_page_id).first()
    if page is None:
        return "gone"
    status: str
    if not page.access_token:
        status = ConnectedPage.TokenStatus.REVOKED
        error = _("The Page has no token; connect it again.")
    else:
        try:
            info = client.token_debug(token=page.access_token)
        except client.GraphError as exc:
            logger.warning("social: token check of Page %s failed: %s", page.pk, exc)
            ConnectedPage.objects.filter(pk=page.pk).update(token_checked_at=now)
            return "unknown"
        status = _status_of(info)
        if status == ConnectedPage.TokenStatus.VALID:
            error = _missing_scopes_message(info.scopes)
        else:
            error = info.error_message or _("Facebook says the token is not valid.")
        updates: dict[str, Any] = {"scopes": sorted(info.scopes)} if info.is_valid else {}
        updates["token_expires_at"] = info.expires_at
        ConnectedPage.objects.filter(pk=page.pk).update(**updates)
    _status_set(page=page, status=status, error=error, now=now)
    if status == ConnectedPage.TokenStatus.VALID and page.webhooks_subscribed_at is None:
        connected_page_webhooks_subscribe(connected_page=page)  # a failed one, tried again
    return status


def _status_set(*, page: ConnectedPage, status: str, error: str, now: datetime) -> None:
    """Write the status; the one caller whose UPDATE turns it bad sends the alert."""
    rows = ConnectedPage.objects.filter(pk=page.pk)
    if status == ConnectedPage.TokenStatus.VALID:
        rows.update(
            token_status=status, token_error=error, token_checked_at=now, token_alerted_at=None
        )
        return
    turned = rows.filter(token_alerted_at__isnull=True).update(
        token_status=status, token_error=error, token_checked_at=now, token_alerted_at=now
    )
    if not turned:  # alerted already for this incident
        rows.update(token_status=status, token_error=error, token_checked_at=now)
        return

    alerts.brand_alert_send(
        brand=page.brand,
        compose=lambda: token_alert_texts(
            page_name=page.name,
            status_label=str(ConnectedPage.TokenStatus(status).label).lower(),
            error=error,
        ),
    )


def connected_pages_token_check(*, now: datetime | None = None) -> dict[str, int]:
    """Check every Page that has a token (the schedule's task); counts per status."""
    counts: dict[str, int] = {}
    ids = ConnectedPage.objects.exclude(access_token__isnull=True).values_list("pk", flat=True)
    for pk in list(ids):
        try:
            status = connected_page_token_check(connected_page_id=pk, now=now)
        except Exception:  # one Page must not stop the others
            logger.exception("social: token check of Page %s crashed", pk)
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    return counts


def connected_pages_deauthorize(*, facebook_user_id: str, now: datetime | None = None) -> int:
    """The Facebook user removed the app: wipe the tokens of the Pages they connected.
    Returns how many Pages lost their token."""
    now = now or timezone.now()
    pages = list(
        ConnectedPage.objects.filter(connected_facebook_user_id=facebook_user_id).exclude(
            access_token__isnull=True
        )
    )
    for page in pages:
        ConnectedPage.objects.filter(pk=page.pk).update(access_token=None)
        _status_set(
            page=page,
            status=ConnectedPage.TokenStatus.REVOKED,
            error=_("The person who connected the Page removed the app on Facebook."),
            now=now,
        )
    return len(pages)


@dataclass(frozen=True)
class Reencrypted:
    done: int
    unreadable: list[int]  # Page ids whose token no configured key decrypts (left as is)


def connected_page_tokens_reencrypt() -> Reencrypted:
    """Encrypt every stored token again with the newest key (``FIELD_ENCRYPTION_KEYS``'s
    first); older keys only need to decrypt until this has run.

    The raw column is read and decrypted here: the field itself hands back the ciphertext
    when no key fits, and encrypting that again would lose the token for good.
    """
    fernet = _fernet()
    raw_column = ExpressionWrapper(F("access_token"), output_field=TextField())
    done, unreadable = 0, []
    ids = ConnectedPage.objects.exclude(access_token__isnull=True).values_list("pk", flat=True)
    for pk in list(ids):
        with transaction.atomic():
            rows = ConnectedPage.objects.select_for_update().filter(pk=pk)
            raw = rows.annotate(raw=raw_column).values_list("raw", flat=True).first()
            if not raw:
                continue
            try:
                plain = fernet.decrypt(raw.encode()).decode()
            except InvalidToken:
                unreadable.append(pk)
                continue
            rows.update(access_token=plain)
            done += 1
    return Reencrypted(done=done, unreadable=unreadable)
