"""Writes about entrants: email and Facebook sign-in, identities, consents and data deletion."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from promotions.campaigns.languages import content_fallback
from promotions.campaigns.models import Promotion
from promotions.claims.privacy import claims_data_delete_for_person
from promotions.claims.services import claims_close_for_person
from promotions.entrants.erasure import person_erasures_run
from promotions.entrants.models import (
    Consent,
    ConsentText,
    DataDeletionRequest,
    Identity,
    Person,
)
from promotions.entries.eligibility import Refusal
from promotions.entries.limits import rate_limit_or_refuse
from promotions.entries.models import PromotionCountryRule
from promotions.entries.refusals import Refused
from promotions.entries.senders import Sender, keyed_hash
from promotions.facebook.client import FacebookProfile
from promotions.social.privacy import social_comments_erase
from tracking import counters
from tracking.models import WebhookEventType
from tracking.partner_webhooks import webhook_events_pii_erase

logger = logging.getLogger(__name__)


FACEBOOK_RELEASE_TEXT = gettext_lazy(
    "This promotion is in no way sponsored, endorsed, administered by or associated with "
    "Facebook. By entering, I completely release Facebook from any liability."
)


DEFAULT_PRIVACY_NOTICE = gettext_lazy(
    "The brand uses my name, email address, date of birth and country to run this "
    "promotion, to check my eligibility and to contact me if I win, keeps them until the "
    "promotion's winners are confirmed plus the period the law requires, and deletes them "
    "when I ask."
)


_GMAIL = {"gmail.com", "googlemail.com"}


def email_normalize(email: str) -> str:
    """One mailbox, one string: lower-case, ``+tag`` dropped, Gmail's dots dropped."""
    local, _at, domain = email.strip().lower().rpartition("@")
    if not local or not domain:
        raise ValidationError({"email": _("Enter a valid email address.")})
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        domain = "gmail.com"
        local = local.replace(".", "")
    if not local:
        raise ValidationError({"email": _("Enter a valid email address.")})
    return f"{local}@{domain}"


_EMAIL_LINK_SALT = "promotions.email-verification"


@dataclass(frozen=True)
class EmailLink:
    """What a valid sign-in link says: the address, where to go back to, and the browser
    that asked for it (``Sender.device_hash``; "" when it kept no device cookie)."""

    email: str
    next_path: str
    browser: str

    def asked_here(self, browser: str) -> bool:
        """Whether the browser opening the link is the one that asked for it: only then
        may the address join whoever is signed in there (``person_sign_in_email``)."""
        return bool(self.browser) and hmac.compare_digest(self.browser, browser)


def email_verification_token(*, email: str, next_path: str, browser: str) -> str:
    return signing.dumps({"e": email.strip(), "n": next_path, "b": browser}, salt=_EMAIL_LINK_SALT)


def email_verification_read(token: str) -> EmailLink | None:
    """The link of a valid, unexpired token; None otherwise."""
    try:
        data = signing.loads(
            token, salt=_EMAIL_LINK_SALT, max_age=settings.PROMOTIONS_EMAIL_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    email, next_path, browser = data.get("e"), data.get("n"), data.get("b", "")
    if not (isinstance(email, str) and isinstance(next_path, str) and isinstance(browser, str)):
        return None
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    return EmailLink(email=email, next_path=next_path, browser=browser)


def email_verification_send(
    *,
    email: str,
    promotion: Promotion,
    link: str,
    sender: Sender | None = None,
    language: str = "",
) -> None:
    """Mail the sign-in link in ``language`` (the page's; default the brand's), with the
    console backend in development and locmem in tests."""
    from django.core.validators import validate_email

    try:
        validate_email(email)
        normalized = email_normalize(email)
    except ValidationError as exc:
        raise Refused(
            [Refusal("email_invalid", _("Enter a valid email address."), "email")]
        ) from exc
    rate_limit_or_refuse(scope="email", sender=sender, person=None)
    wait = counters.rate_limit(
        scope="promotions:email-to", key=keyed_hash(normalized), rate="5/hour"
    )
    if wait:
        raise Refused(
            [Refusal("rate_limited", _("We have sent several links already: check your inbox."))],
            status=429,
            retry_after=wait,
        )
    brand = promotion.campaign.brand
    with translation.override(language or brand.language), content_fallback(brand.language):
        subject = _("Confirm your email to take part: %(title)s") % {"title": promotion.title}
        body = _(
            "Hello,\n\nOpen this link to confirm your email address and take part in "
            "“%(title)s” by %(brand)s:\n\n%(link)s\n\nThe link works for 24 hours. If you did "
            "not ask for it, ignore this message.\n"
        ) % {"title": promotion.title, "brand": brand.name, "link": link}
    send_mail(subject, body, None, [email.strip()])


@transaction.atomic
def person_sign_in_email(
    *, email: str, current: Person | None = None, at: datetime | None = None
) -> Person:
    """The person behind a verified email address: the one who signed in with it before,
    else the one whose address it is, else ``current`` (already signed in on this browser,
    with Facebook say: one entrant however they sign in, so confirming an address does not
    make a second person who could enter again), else a new person.

    ``current`` must be given only when this browser asked for the link itself
    (``EmailLink.asked_here``): someone else's link opened here would otherwise tie their
    address to this browser's person, and let them sign in as that person."""
    at = at or timezone.now()
    normalized = email_normalize(email)
    identity = (
        Identity.objects.select_related("person")
        .filter(provider=Identity.Provider.EMAIL, subject=normalized)
        .first()
    )
    if identity is not None:
        return identity.person
    person = Person.objects.filter(email_normalized=normalized).first()
    if person is None and current is not None and current.anonymised_at is None:
        person = current
        if not person.email_normalized:
            person.email, person.email_normalized = email.strip(), normalized
            person.save(update_fields=["email", "email_normalized", "updated_at"])
    if person is None:
        person = Person(email=email.strip(), email_normalized=normalized)
        person.full_clean()
        person.save()
    _identity_add(person=person, provider=Identity.Provider.EMAIL, subject=normalized, at=at)
    return person


def _identity_add(
    *, person: Person, provider: str, subject: str, at: datetime, **extra: Any
) -> Identity:
    try:
        with transaction.atomic():
            return Identity.objects.create(
                person=person, provider=provider, subject=subject, verified_at=at, **extra
            )
    except IntegrityError:  # signed in twice at once: the other request made it
        return Identity.objects.get(provider=provider, subject=subject)


@transaction.atomic
def person_sign_in_facebook(
    *,
    profile: FacebookProfile,
    access_token: str,
    expires_in: int | None,
    current: Person | None = None,
    at: datetime | None = None,
) -> Person:
    """The person behind a Facebook Login. The same person as an email sign-in when
    Facebook gives the same (normalised) address or when already signed in by email."""
    at = at or timezone.now()
    expires_at = at + timedelta(seconds=expires_in) if expires_in else None
    identity = (
        Identity.objects.select_related("person")
        .filter(provider=Identity.Provider.FACEBOOK, subject=profile.user_id)
        .first()
    )
    if identity is not None:
        identity.access_token = access_token
        identity.token_expires_at = expires_at
        identity.deauthorized_at = None
        identity.save(update_fields=["access_token", "token_expires_at", "deauthorized_at"])
        return identity.person
    person = current if current is not None and current.anonymised_at is None else None
    normalized = ""
    if profile.email:
        try:
            normalized = email_normalize(profile.email)
        except ValidationError:
            normalized = ""
    if person is None and normalized:
        person = Person.objects.filter(email_normalized=normalized).first()
    if person is None:
        person = Person(email=profile.email, email_normalized=normalized or None, name=profile.name)
        person.full_clean()
        person.save()
    elif not person.name and profile.name:
        person.name = profile.name
        person.save(update_fields=["name", "updated_at"])
    _identity_add(
        person=person,
        provider=Identity.Provider.FACEBOOK,
        subject=profile.user_id,
        at=at,
        access_token=access_token,
        token_expires_at=expires_at,
    )
    return person


def identity_deauthorize(*, facebook_user_id: str, at: datetime | None = None) -> int:
    """The user removed the app: forget the token (the identity and entries stay)."""
    at = at or timezone.now()
    return Identity.objects.filter(
        provider=Identity.Provider.FACEBOOK, subject=facebook_user_id
    ).update(access_token="", token_expires_at=None, deauthorized_at=at)


@transaction.atomic
def person_anonymise(*, person: Person, at: datetime | None = None) -> dict[str, Any]:
    """Delete a person's personal data and keep what reports count, anonymously.

    Deleted: email, name, date of birth, every sign-in identity (Facebook token
    included), submitted photos, videos and texts, what their giveaway comments said and
    who wrote them, browser pseudonyms, prize claim details, the email and name that
    partner webhook events of their entries hold for re-sends, and what other apps
    registered (``erasure``: the shop's ad-matching data, its orders' webhook events).
    Their open prize claims close first (not eligible: the prize passes to the next
    alternate, as after a decline).
    Kept, tied to an anonymous entrant number: entries, votes, claimed codes and consent
    records (so counts do not change). Returns what was done, for the status page.
    """
    at = at or timezone.now()
    person = Person.objects.select_for_update().get(pk=person.pk)
    identities = list(person.identities.values_list("provider", flat=True))
    submissions = list(person.submissions.filter(removed_at__isnull=True))
    for submission in submissions:
        if submission.file:
            submission.file.delete(save=False)
        submission.title = _("(removed at the entrant's request)")
        submission.description = ""
        submission.video_url = ""
        submission.file = ""
        submission.removed_at = at
        submission.save()
    had = {
        "email_address": bool(person.email or person.email_normalized),
        "name": bool(person.name),
        "date_of_birth": person.birth_date is not None,
    }
    comments = social_comments_erase(person=person)  # found by the identities: first
    person.identities.all().delete()
    claims_close_for_person(person=person, at=at)
    claims_data = claims_data_delete_for_person(person=person, at=at)
    others = person_erasures_run(person=person, at=at)
    pseudonyms = person.entries.exclude(viewer_hash="", device_hash="").update(
        viewer_hash="", device_hash="", click_event_id=None
    )
    # their email and name as partner webhooks' entry.created events still hold them
    webhook_events_pii_erase(
        event_type=WebhookEventType.ENTRY_CREATED,
        key="entry",
        values=person.entries.values_list("public_id", flat=True),
    )
    person.email = ""
    person.email_normalized = None
    person.name = ""
    person.birth_date = None
    person.anonymised_at = at
    person.save()
    return {
        "deleted": {
            **had,
            "facebook_login": identities.count(Identity.Provider.FACEBOOK),
            "email_login": identities.count(Identity.Provider.EMAIL),
            "submissions_content": len(submissions),
            "browser_pseudonyms": pseudonyms,
            "prize_claim_details": claims_data,
            "comments": comments,
            **others,
        },
        "kept_anonymously": {
            "entries": person.entries.count(),
            "votes": person.votes.count(),
            "coupon_codes": person.codes.count(),
            "consent_records": person.consents.count(),
        },
    }


def _confirmation_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _i in range(16))


@transaction.atomic
def data_deletion_request_create(
    *, facebook_user_id: str, at: datetime | None = None
) -> DataDeletionRequest:
    """Facebook's data deletion callback: anonymise the person behind the app-scoped id
    now, and keep a record whose confirmation code opens the status page."""
    at = at or timezone.now()
    identity = (
        Identity.objects.select_related("person")
        .filter(provider=Identity.Provider.FACEBOOK, subject=facebook_user_id)
        .first()
    )
    person = identity.person if identity is not None else None
    summary = person_anonymise(person=person, at=at) if person is not None else {}
    return DataDeletionRequest.objects.create(
        confirmation_code=_confirmation_code(),
        person=person,
        requested_at=at,
        completed_at=at,
        summary=summary,
    )


def _consent_version(kind: str, text: str, language: str = "") -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{kind}:{language}:{digest}" if language else f"{kind}:{digest}"


def consent_text_get(*, kind: str, text: str, language: str = "") -> ConsentText:
    """The stored version of these exact words in ``language`` (version = kind, language
    and SHA-256 of the words: the same words read in another language are another
    version)."""
    version = _consent_version(kind, text, language)
    obj = ConsentText.objects.filter(version=version).first()
    if obj is not None:
        return obj
    try:
        with transaction.atomic():
            return ConsentText.objects.create(
                kind=kind, language=language, version=version, text=text
            )
    except IntegrityError:
        return ConsentText.objects.get(version=version)


def consent_texts(
    promotion: Promotion, language: str = "", local_rule: PromotionCountryRule | None = None
) -> dict[str, str]:
    """The words shown next to each checkbox of this promotion's form, in ``language``
    (default: the language active now), translated content falling back to the brand's.
    The official rules are ``local_rule``'s text when the entrant's country of residence
    has its own (what its residents read on the rules page), else the promotion's."""
    brand_language = promotion.campaign.brand.language
    with (
        translation.override(language or translation.get_language()),
        content_fallback(brand_language),
    ):
        local_text = (local_rule.official_rules or "") if local_rule is not None else ""
        texts: dict[str, str] = {
            ConsentText.Kind.OFFICIAL_RULES: local_text
            if local_text.strip()
            else promotion.official_rules,
            ConsentText.Kind.PRIVACY: promotion.privacy_notice or str(DEFAULT_PRIVACY_NOTICE),
            ConsentText.Kind.FACEBOOK_RELEASE: str(FACEBOOK_RELEASE_TEXT),
        }
        if promotion.marketing_text:
            texts[ConsentText.Kind.MARKETING] = promotion.marketing_text
    return texts


def consents_record(
    *,
    person: Person,
    promotion: Promotion,
    kinds: Iterable[str],
    at: datetime,
    language: str = "",
    local_rule: PromotionCountryRule | None = None,
) -> list[str]:
    """Record each consent given, with the version of its text (the words the entrant
    read, in ``language``: the rules of their country, ``local_rule``, when it has its
    own) and the time; returns the versions. Giving the same consent to the same words
    again keeps the first time.

    Two queries on every entry (the texts' rows, then one INSERT ... ON CONFLICT DO
    NOTHING of the consents); a text seen for the first time is stored first."""
    rows = consent_text_rows(
        promotion=promotion, kinds=kinds, language=language, local_rule=local_rule
    )
    Consent.objects.bulk_create(
        [Consent(person=person, promotion=promotion, text=row, given_at=at) for row in rows],
        ignore_conflicts=True,
    )
    return [row.version for row in rows]


def consent_text_rows(
    *,
    promotion: Promotion,
    kinds: Iterable[str],
    language: str = "",
    local_rule: PromotionCountryRule | None = None,
) -> list[ConsentText]:
    """The stored versions of the words an entrant consented to (``consents_record``; the
    entries consumer asks once per batch for all the entrants who read the same words)."""
    language = language or promotion.campaign.brand.language
    texts = consent_texts(promotion, language, local_rule)
    wanted = {
        kind: _consent_version(kind, texts[kind], language) for kind in kinds if kind in texts
    }
    if not wanted:
        return []
    stored = {row.version: row for row in ConsentText.objects.filter(version__in=wanted.values())}
    return [
        stored.get(version) or consent_text_get(kind=kind, text=texts[kind], language=language)
        for kind, version in wanted.items()
    ]
