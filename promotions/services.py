"""Writes of the promotions app: entrants and their identities, consents, entries (plays,
claims, submissions), votes, jury scores, flags, coupon codes, fair draws and data deletion.

Every "at most N" is held by the database, not by a read before a write:

* entry frequency: ``(promotion, person, slot)`` is unique (``Entry.slot``);
* prize inventory: ``UPDATE prize SET awarded = awarded + 1 WHERE awarded < quantity``
  (one statement, row-locked) and ``(prize, unit)`` unique, with a CHECK on ``awarded``;
* winning moments: ``UPDATE ... WHERE entry_id IS NULL``;
* coupon codes: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ... WHERE person_id
  IS NULL``, and ``(promotion, person)`` unique;
* votes: ``(promotion, person, day)`` unique.

On SQLite the IMMEDIATE transactions of the settings serialise writers instead.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from promotions import eligibility, fairdraw
from promotions.eligibility import Answers, Check, Refusal
from promotions.facebook_client import FacebookProfile
from promotions.models import (
    ConsentText,
    CouponCode,
    DataDeletionRequest,
    Draw,
    DrawReplacement,
    Entry,
    EntryFrequency,
    Flag,
    Identity,
    JuryScore,
    Person,
    Prize,
    PrizeAward,
    Promotion,
    Submission,
    SubmissionMedia,
    Vote,
    WinningMoment,
)
from promotions.requestinfo import Sender, keyed_hash
from tracking.services import conversion_event_id, conversion_record

logger = logging.getLogger(__name__)

FACEBOOK_RELEASE_TEXT = (
    "This promotion is in no way sponsored, endorsed, administered by or associated with "
    "Facebook. By entering, I completely release Facebook from any liability."
)
DEFAULT_PRIVACY_NOTICE = (
    "The brand uses my name, email address, date of birth and country to run this "
    "promotion, to check my eligibility and to contact me if I win, keeps them until the "
    "promotion's winners are confirmed plus the period the law requires, and deletes them "
    "when I ask."
)


# --- errors ---------------------------------------------------------------------------------


class Refused(Exception):
    """A consumer action that cannot be done, with every reason (shown as form errors or
    as the JSON error's ``fields``). ``status`` is the HTTP status a view answers with."""

    def __init__(self, refusals: list[Refusal], status: int = 400, retry_after: int = 0) -> None:
        super().__init__("; ".join(r.message for r in refusals))
        self.refusals = refusals
        self.status = status
        self.retry_after = retry_after

    @property
    def code(self) -> str:
        return self.refusals[0].code if len(self.refusals) == 1 else "not_eligible"


_CONFLICTS = {"already_entered", "already_entered_today", "no_entries_left", "already_voted_today"}
_FORBIDDEN = {"not_open_yet", "closed", "not_open", "identity_required", "codes_exhausted"}


def _refuse(refusals: list[Refusal]) -> Refused:
    codes = {r.code for r in refusals}
    status = 409 if codes & _CONFLICTS else 403 if codes <= _FORBIDDEN else 400
    return Refused(refusals, status=status)


# --- rate limits ----------------------------------------------------------------------------


def _parse_rate(rate: str) -> tuple[int, int]:
    count, _sep, period = rate.partition("/")
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}
    return int(count), seconds[period]


def rate_limit_hit(*, scope: str, key: str, rate: str) -> int:
    """Count one action of ``key`` in a fixed window; the seconds to wait when over the rate
    (0 when allowed). A cache outage lets the action through rather than failing it."""
    limit, window = _parse_rate(rate)
    now = int(time.time())
    bucket = now // window
    cache_key = f"promotions:rl:{scope}:{key}:{bucket}"
    try:
        count = 1 if cache.add(cache_key, 1, window + 5) else cache.incr(cache_key)
    except Exception as exc:  # cache down: never a 5xx for the consumer
        logger.warning("promotions: rate limit cache unavailable: %s", exc)
        return 0
    if count > limit:
        return (bucket + 1) * window - now
    return 0


def rate_limit_or_refuse(*, scope: str, sender: Sender | None, person: Person | None) -> None:
    rate = settings.PROMOTIONS_RATES[scope]
    keys = []
    if sender is not None:
        keys.append(f"v:{sender.viewer_hash}")
    if person is not None:
        keys.append(f"p:{person.pk}")
    for key in keys:
        wait = rate_limit_hit(scope=scope, key=key, rate=rate)
        if wait:
            message = _("Too many attempts. Please wait %(s)d seconds and try again.") % {"s": wait}
            raise Refused([Refusal("rate_limited", message)], status=429, retry_after=wait)


# --- identities -----------------------------------------------------------------------------

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


def email_verification_token(*, email: str, next_path: str) -> str:
    return signing.dumps({"e": email.strip(), "n": next_path}, salt=_EMAIL_LINK_SALT)


def email_verification_read(token: str) -> tuple[str, str] | None:
    """``(email, next path)`` of a valid, unexpired link token; None otherwise."""
    try:
        data = signing.loads(
            token, salt=_EMAIL_LINK_SALT, max_age=settings.PROMOTIONS_EMAIL_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    email, next_path = data.get("e"), data.get("n")
    if not isinstance(email, str) or not isinstance(next_path, str):
        return None
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    return email, next_path


def email_verification_send(
    *, email: str, promotion: Promotion, link: str, sender: Sender | None = None
) -> None:
    """Mail the sign-in link (console backend in development, locmem in tests)."""
    from django.core.validators import validate_email

    try:
        validate_email(email)
        normalized = email_normalize(email)
    except ValidationError as exc:
        raise Refused(
            [Refusal("email_invalid", _("Enter a valid email address."), "email")]
        ) from exc
    rate_limit_or_refuse(scope="email", sender=sender, person=None)
    wait = rate_limit_hit(scope="email-to", key=keyed_hash(normalized), rate="5/hour")
    if wait:
        raise Refused(
            [Refusal("rate_limited", _("We have sent several links already: check your inbox."))],
            status=429,
            retry_after=wait,
        )
    brand = promotion.campaign.brand
    with translation.override(brand.language):
        subject = _("Confirm your email to take part: %(title)s") % {"title": promotion.title}
        body = _(
            "Hello,\n\nOpen this link to confirm your email address and take part in "
            "“%(title)s” by %(brand)s:\n\n%(link)s\n\nThe link works for 24 hours. If you did "
            "not ask for it, ignore this message.\n"
        ) % {"title": promotion.title, "brand": brand.name, "link": link}
    send_mail(subject, body, None, [email.strip()])


@transaction.atomic
def person_sign_in_email(*, email: str, at: datetime | None = None) -> Person:
    """The person behind a verified email address (created on first sign-in)."""
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


# --- data deletion ----------------------------------------------------------------------


@transaction.atomic
def person_anonymise(*, person: Person, at: datetime | None = None) -> dict[str, Any]:
    """Delete a person's personal data and keep what reports count, anonymously.

    Deleted: email, name, date of birth, every sign-in identity (Facebook token
    included), submitted photos, videos and texts, browser pseudonyms. Kept, tied to
    an anonymous entrant number: entries, votes, claimed codes and consent records (so
    counts do not change). Returns what was done, for the status page.
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
    person.identities.all().delete()
    pseudonyms = person.entries.exclude(viewer_hash="", device_hash="").update(
        viewer_hash="", device_hash="", click_event_id=None
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


# --- consents -------------------------------------------------------------------------------


def consent_text_get(*, kind: str, text: str) -> ConsentText:
    """The stored version of these exact words (version = kind + SHA-256 of the text)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    version = f"{kind}:{digest}"
    obj = ConsentText.objects.filter(version=version).first()
    if obj is not None:
        return obj
    try:
        with transaction.atomic():
            return ConsentText.objects.create(kind=kind, version=version, text=text)
    except IntegrityError:
        return ConsentText.objects.get(version=version)


def consent_texts(promotion: Promotion) -> dict[str, str]:
    """The words shown next to each checkbox of this promotion's form."""
    texts: dict[str, str] = {
        ConsentText.Kind.OFFICIAL_RULES: promotion.official_rules,
        ConsentText.Kind.PRIVACY: promotion.privacy_notice or DEFAULT_PRIVACY_NOTICE,
        ConsentText.Kind.FACEBOOK_RELEASE: FACEBOOK_RELEASE_TEXT,
    }
    if promotion.marketing_text:
        texts[ConsentText.Kind.MARKETING] = promotion.marketing_text
    return texts


def consents_record(
    *, person: Person, promotion: Promotion, kinds: Iterable[str], at: datetime
) -> list[str]:
    """Record each consent given, with the version of its text and the time; returns the
    versions. Giving the same consent to the same words again keeps the first time."""
    texts = consent_texts(promotion)
    versions = []
    for kind in kinds:
        if kind not in texts:
            continue
        text = consent_text_get(kind=kind, text=texts[kind])
        person.consents.get_or_create(promotion=promotion, text=text, defaults={"given_at": at})
        versions.append(text.version)
    return versions


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionInput:
    title: str = ""
    description: str = ""
    file: UploadedFile | None = None
    video_url: str = ""


@dataclass
class EntryOutcome:
    entry: Entry
    award: PrizeAward | None = None
    code: CouponCode | None = None
    submission: Submission | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def under_review(self) -> bool:
        return bool(self.flags)


PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm"}


def _submission_refusals(promotion: Promotion, submission: SubmissionInput | None) -> list[Refusal]:
    if promotion.kind != Promotion.Kind.CONTEST:
        return []
    submission = submission or SubmissionInput()
    refusals = []
    if not submission.title.strip():
        refusals.append(Refusal("title_required", _("Give your entry a title."), "title"))
    if len(submission.description) > 2000:
        refusals.append(
            Refusal(
                "description_too_long",
                _("Keep the description under 2,000 characters."),
                "description",
            )
        )
    media = promotion.submission_media
    max_bytes = settings.PROMOTIONS_UPLOAD_MAX_MB * 1024 * 1024
    upload = submission.file
    if upload is not None:
        allowed = PHOTO_TYPES if media == SubmissionMedia.PHOTO else VIDEO_TYPES
        if media == SubmissionMedia.TEXT or upload.content_type not in allowed:
            refusals.append(Refusal("file_type", _("This file type is not accepted here."), "file"))
        elif upload.size is not None and upload.size > max_bytes:
            refusals.append(
                Refusal(
                    "file_too_big",
                    _("The file is larger than %(mb)d MB.")
                    % {"mb": settings.PROMOTIONS_UPLOAD_MAX_MB},
                    "file",
                )
            )
    url = submission.video_url.strip()
    if url and (media != SubmissionMedia.VIDEO or not url.startswith("https://") or len(url) > 500):
        refusals.append(
            Refusal(
                "video_url_invalid", _("Give a video link that starts with https://."), "video_url"
            )
        )
    if media == SubmissionMedia.PHOTO and upload is None:
        refusals.append(Refusal("photo_required", _("Choose a photo to upload."), "file"))
    if media == SubmissionMedia.VIDEO and upload is None and not url:
        refusals.append(
            Refusal("video_required", _("Upload your video or give a link to it."), "video_url")
        )
    if media == SubmissionMedia.TEXT and not submission.description.strip():
        refusals.append(Refusal("text_required", _("Write your entry."), "description"))
    return refusals


def _slot(promotion: Promotion, at: datetime, entries_so_far: int) -> str:
    if promotion.entry_frequency == EntryFrequency.DAILY:
        return eligibility.local_day(promotion, at).isoformat()
    if promotion.entry_frequency == EntryFrequency.TOTAL:
        return str(entries_so_far + 1)
    return "1"


def entry_check(
    *, promotion: Promotion, person: Person, answers: Answers, at: datetime
) -> list[Refusal]:
    """Every reason ``person`` may not enter ``promotion`` now with these answers."""
    mine = promotion.entries.filter(person=person)
    check = Check(
        promotion=promotion,
        person=person,
        answers=answers,
        at=at,
        entries_so_far=mine.count(),
        entered_today=promotion.entry_frequency == EntryFrequency.DAILY
        and mine.filter(slot=eligibility.local_day(promotion, at).isoformat()).exists(),
    )
    return eligibility.entry_refusals(check)


def entry_create(
    *,
    promotion: Promotion,
    person: Person,
    answers: Answers,
    sender: Sender | None = None,
    submission: SubmissionInput | None = None,
    honeypot: str = "",
    at: datetime | None = None,
) -> EntryOutcome:
    """Enter ``person`` into ``promotion``: check every rule, record the consents and the
    entry, then by kind play the instant win, claim a coupon code or store the contest
    submission; flag what looks wrong. Raises ``Refused`` with every reason otherwise."""
    at = at or timezone.now()
    rate_limit_or_refuse(scope="enter", sender=sender, person=person)
    refusals = entry_check(promotion=promotion, person=person, answers=answers, at=at)
    refusals += (
        _submission_refusals(promotion, submission)
        if not refusals or all(r.field for r in refusals)
        else []
    )
    if refusals:
        raise _refuse(refusals)
    if (
        promotion.kind == Promotion.Kind.OFFER
        and not promotion.codes.filter(person__isnull=True).exists()
    ):
        raise _refuse(
            [
                Refusal(
                    "codes_exhausted",
                    _("All codes have been claimed. Thank you for your interest!"),
                )
            ]
        )
    with transaction.atomic():
        outcome = _entry_insert(
            promotion=promotion,
            person=person,
            answers=answers,
            sender=sender,
            submission=submission,
            honeypot=honeypot,
            at=at,
        )
    entry = outcome.entry
    transaction.on_commit(lambda: _conversion_record(entry))
    return outcome


def _entry_insert(
    *,
    promotion: Promotion,
    person: Person,
    answers: Answers,
    sender: Sender | None,
    submission: SubmissionInput | None,
    honeypot: str,
    at: datetime,
) -> EntryOutcome:
    changed = []
    for attr, value in (
        ("name", answers.name.strip()[:120]),
        ("birth_date", answers.birth_date),
        ("country", answers.country.upper()),
    ):
        if value and getattr(person, attr) != value:
            setattr(person, attr, value)
            changed.append(attr)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    kinds = [*answers.consents, *(["marketing"] if answers.marketing else [])]
    consents_record(person=person, promotion=promotion, kinds=kinds, at=at)

    attribution = sender.attribution if sender is not None else None
    if attribution is not None and attribution.brand_id != promotion.campaign.brand_id:
        attribution = None
    entries_so_far = promotion.entries.filter(person=person).count()
    entry = Entry(
        promotion=promotion,
        person=person,
        slot=_slot(promotion, at, entries_so_far),
        country=answers.country.upper(),
        click_event_id=attribution.click_event_id if attribution else None,
        source=f"click:{attribution.promotion_id}" if attribution else "",
        viewer_hash=sender.viewer_hash if sender else "",
        device_hash=sender.device_hash if sender else "",
        created_at=at,
    )
    entry.full_clean(exclude=["promotion", "person"], validate_unique=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # the same person entering twice at once
        check = Check(promotion, person, answers, at, entries_so_far=10**6, entered_today=True)
        refusal = eligibility.frequency_rule(check)
        assert refusal is not None
        raise _refuse([refusal]) from exc

    flags = _entry_flags(entry=entry, sender=sender, honeypot=honeypot, answers=answers, at=at)
    outcome = EntryOutcome(entry=entry, flags=flags)
    kind = promotion.kind
    if kind == Promotion.Kind.INSTANT_WIN and not flags:
        outcome.award = _instant_win_play(entry=entry, at=at)
    elif kind == Promotion.Kind.OFFER and not flags:
        outcome.code = _code_claim(entry=entry, at=at)
    elif kind == Promotion.Kind.CONTEST:
        outcome.submission = _submission_store(
            entry=entry, submission=submission or SubmissionInput(), at=at
        )
    elif kind == Promotion.Kind.SWEEPSTAKES:
        draw_commitment_ensure(promotion=promotion, at=at)
    return outcome


def _conversion_record(entry: Entry) -> None:
    """Count the entry in tracking's reports (a stable event id: once even if retried).
    Tracking failing never fails the entry: it is already stored."""
    promotion = entry.promotion
    try:
        conversion_record(
            event_id=conversion_event_id(kind="entry", object_id=entry.pk),
            type="entry",
            promotion_id=promotion.pk,
            campaign_id=promotion.campaign_id,
            brand_id=promotion.campaign.brand_id,
            ts=entry.created_at,
            country=entry.country,
        )
    except Exception as exc:
        logger.warning("promotions: entry %s not counted by tracking: %s", entry.pk, exc)


# --- flags ----------------------------------------------------------------------------------


def _disposable_domains() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(blocklist) | frozenset(settings.PROMOTIONS_EXTRA_DISPOSABLE_DOMAINS)


def is_disposable_email(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in _disposable_domains()


def _entry_flags(
    *, entry: Entry, sender: Sender | None, honeypot: str, answers: Answers, at: datetime
) -> list[Flag]:
    reasons: list[tuple[str, str]] = []
    person = entry.person
    if honeypot:
        reasons.append(
            (Flag.Kind.BOT, "The hidden form field was filled in (people never see it).")
        )
    if sender is not None and sender.looks_like_bot:
        ua = sender.user_agent[:120] or "(none)"
        reasons.append((Flag.Kind.BOT, f"The browser says it is a robot: user agent {ua!r}."))
    if person.email and is_disposable_email(person.email):
        domain = person.email.rpartition("@")[2].lower()
        reasons.append((Flag.Kind.DISPOSABLE_EMAIL, f"{domain} is a disposable email domain."))
    if entry.viewer_hash:
        window = settings.PROMOTIONS_VELOCITY_WINDOW_SECONDS
        recent = (
            Entry.objects.filter(
                viewer_hash=entry.viewer_hash,
                created_at__gt=at - timedelta(seconds=window),
            )
            .exclude(pk=entry.pk)
            .count()
        )
        if recent + 1 > settings.PROMOTIONS_VELOCITY_LIMIT:
            reasons.append(
                (
                    Flag.Kind.VELOCITY,
                    f"{recent + 1} entries from the same browser within {window // 60} minutes.",
                )
            )
    others = Entry.objects.filter(promotion_id=entry.promotion_id).exclude(person_id=person.pk)
    if entry.device_hash:
        same_device = others.filter(device_hash=entry.device_hash).first()
        if same_device is not None:
            reasons.append(
                (
                    Flag.Kind.DUPLICATE_PERSON,
                    f"Same browser as entry {same_device.public_id} by another entrant.",
                )
            )
    if answers.birth_date and answers.name.strip():
        twin = others.filter(
            person__birth_date=answers.birth_date, person__name__iexact=answers.name.strip()
        ).first()
        if twin is not None:
            reasons.append(
                (
                    Flag.Kind.DUPLICATE_PERSON,
                    f"Same name and date of birth as entry {twin.public_id} (another email).",
                )
            )
    flags = [Flag(entry=entry, kind=kind, reason=reason, created_at=at) for kind, reason in reasons]
    if flags:
        Flag.objects.bulk_create(flags)
        Entry.objects.filter(pk=entry.pk).update(flagged=True)
        entry.flagged = True
    return flags


@transaction.atomic
def entry_flag(*, entry: Entry, reason: str, by: Any = None, at: datetime | None = None) -> Flag:
    """Staff flag an entry by hand: it leaves draws until reviewed."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is flagged.")})
    flag = Flag.objects.create(
        entry=entry, kind=Flag.Kind.MANUAL, reason=reason.strip(), created_at=at or timezone.now()
    )
    Entry.objects.filter(pk=entry.pk).update(flagged=True)
    entry.flagged = True
    return flag


@transaction.atomic
def entry_exclude(
    *, entry: Entry, reason: str, by: Any = None, at: datetime | None = None
) -> Entry:
    """Exclude an entry (from draws, galleries and prizes) with a reason; never delete it."""
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is excluded.")})
    entry.flags.filter(status=Flag.Status.OPEN).update(
        status=Flag.Status.UPHELD, reviewed_at=at, reviewed_by=by, review_note=reason.strip()
    )
    entry.status = Entry.Status.EXCLUDED
    entry.exclusion_reason = reason.strip()
    entry.excluded_at = at
    entry.excluded_by = by
    entry.flagged = False
    entry.save(
        update_fields=["status", "exclusion_reason", "excluded_at", "excluded_by", "flagged"]
    )
    return entry


@transaction.atomic
def entry_flags_clear(
    *, entry: Entry, note: str = "", by: Any = None, at: datetime | None = None
) -> EntryOutcome:
    """Reviewed and fine: the open flags are cleared and the entry counts again. An offer
    claim held back by the flags gets its code now (``Refused`` if none is left)."""
    at = at or timezone.now()
    entry.flags.filter(status=Flag.Status.OPEN).update(
        status=Flag.Status.CLEARED, reviewed_at=at, reviewed_by=by, review_note=note
    )
    entry.flagged = False
    entry.save(update_fields=["flagged"])
    outcome = EntryOutcome(entry=entry)
    if (
        entry.promotion.kind == Promotion.Kind.OFFER
        and not CouponCode.objects.filter(entry=entry).exists()
    ):
        outcome.code = _code_claim(entry=entry, at=at)
    return outcome


# --- instant wins ---------------------------------------------------------------------------


def _prize_take(prize_id: int) -> int | None:
    """Take one unit of a prize: its unit number (1..quantity), or None when none is left.
    One conditional UPDATE: concurrent plays queue on the row, none can overdraw it."""
    table = Prize._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET awarded = awarded + 1 "  # noqa: S608 (our table name)
            "WHERE id = %s AND awarded < quantity RETURNING awarded",
            [prize_id],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


class _NoUnit(Exception):
    pass


def _instant_win_play(*, entry: Entry, at: datetime) -> PrizeAward | None:
    """One play: a winning moment that has come (the oldest first), else the odds of each
    prize in order. One prize at most per play; a prize unit never goes to two plays."""
    moments = WinningMoment.objects.filter(
        prize__promotion_id=entry.promotion_id, at__lte=at, entry__isnull=True
    ).order_by("at", "id")
    for _attempt in range(5):
        moment = moments.select_for_update(skip_locked=True).first()
        if moment is None:
            break
        try:
            with transaction.atomic():
                if not WinningMoment.objects.filter(pk=moment.pk, entry__isnull=True).update(
                    entry=entry, claimed_at=at
                ):
                    continue  # another play took it first
                unit = _prize_take(moment.prize_id)
                if unit is None:
                    raise _NoUnit
                return PrizeAward.objects.create(
                    prize_id=moment.prize_id, entry=entry, unit=unit, awarded_at=at
                )
        except _NoUnit:
            break  # the prize ran out through its odds; moments cannot give more
    for prize in entry.promotion.prizes.filter(
        odds_one_in__isnull=False, awarded__lt=F("quantity")
    ).order_by("position", "id"):
        assert prize.odds_one_in is not None
        if secrets.randbelow(prize.odds_one_in) != 0:
            continue
        unit = _prize_take(prize.pk)
        if unit is not None:
            return PrizeAward.objects.create(prize=prize, entry=entry, unit=unit, awarded_at=at)
    return None


# --- offers: coupon codes ---------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def code_normalize(code: str) -> str:
    return "".join(code.split()).upper()


def _code_claim(*, entry: Entry, at: datetime) -> CouponCode:
    """Hand the entrant a code nobody holds. ``SKIP LOCKED`` lets concurrent claimants take
    different codes; the ``WHERE person_id IS NULL`` update makes a code go to one person."""
    free = CouponCode.objects.filter(promotion_id=entry.promotion_id, person__isnull=True)
    for _attempt in range(200):
        code = free.select_for_update(skip_locked=True).order_by("id").first()
        if code is None:
            if not free.exists():
                break
            time.sleep(0.01)  # every free code is being claimed right now: look again
            continue
        if CouponCode.objects.filter(pk=code.pk, person__isnull=True).update(
            person=entry.person, entry=entry, claimed_at=at
        ):
            code.person, code.entry, code.claimed_at = entry.person, entry, at
            return code
    raise _refuse(
        [Refusal("codes_exhausted", _("All codes have been claimed. Thank you for your interest!"))]
    )


@dataclass(frozen=True)
class CodeImport:
    created: int
    duplicates: list[str]
    invalid: list[str]


@transaction.atomic
def code_pool_import(*, promotion: Promotion, codes: Iterable[str]) -> CodeImport:
    """Add codes to an offer promotion's pool (upper-cased; letters, digits and dashes,
    4 to 40). Codes already in any pool are reported, never added twice."""
    if promotion.kind != Promotion.Kind.OFFER:
        raise ValidationError(_("Only offer promotions have a code pool."))
    wanted: dict[str, None] = {}
    invalid = []
    for raw in codes:
        code = code_normalize(raw)
        if not code:
            continue
        if (
            not (4 <= len(code) <= 40)
            or not all(c.isalnum() or c == "-" for c in code)
            or not code.isascii()
        ):
            invalid.append(raw.strip())
            continue
        wanted[code] = None
    existing = set(CouponCode.objects.filter(code__in=list(wanted)).values_list("code", flat=True))
    fresh = [c for c in wanted if c not in existing]
    CouponCode.objects.bulk_create([CouponCode(promotion=promotion, code=c) for c in fresh])
    return CodeImport(created=len(fresh), duplicates=sorted(existing), invalid=invalid)


def code_pool_generate(
    *, promotion: Promotion, count: int, length: int = 10, prefix: str = ""
) -> int:
    """Generate ``count`` random codes (unambiguous letters and digits) into the pool."""
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": _("Generate between 1 and 100,000 codes.")})
    prefix = code_normalize(prefix)
    made = 0
    while made < count:
        batch = {
            (f"{prefix}-" if prefix else "")
            + "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))
            for _j in range(min(count - made, 1000))
        }
        made += code_pool_import(promotion=promotion, codes=batch).created
    return made


class CodeNotRedeemable(ValidationError):
    pass


@transaction.atomic
def promotion_code_redeem(*, code: str, reference: str, at: datetime | None = None) -> CouponCode:
    """For the shop: mark a claimed code used by an order (``reference``, e.g. the order id).

    A code is redeemed once: a conditional UPDATE (``WHERE redeemed_at IS NULL``) decides.
    Redeeming again with the same reference returns the code unchanged (a retried webhook);
    ``CodeNotRedeemable`` when the code is unknown, was never handed out, or was already
    used by another order.
    """
    at = at or timezone.now()
    normalized = code_normalize(code)
    reference = reference.strip()[:80]
    if not reference:
        raise CodeNotRedeemable(_("Say which order redeems the code."))
    obj = CouponCode.objects.filter(code=normalized).first()
    if obj is None or obj.person_id is None:
        raise CodeNotRedeemable(_("This code is not valid."))
    if CouponCode.objects.filter(pk=obj.pk, redeemed_at__isnull=True).update(
        redeemed_at=at, redemption_ref=reference
    ):
        obj.redeemed_at, obj.redemption_ref = at, reference
        return obj
    obj.refresh_from_db()
    if obj.redemption_ref == reference:
        return obj
    raise CodeNotRedeemable(_("This code has already been used."))


# --- contests -------------------------------------------------------------------------------


def _submission_store(*, entry: Entry, submission: SubmissionInput, at: datetime) -> Submission:
    obj = Submission(
        promotion_id=entry.promotion_id,
        person=entry.person,
        entry=entry,
        title=submission.title.strip()[:120],
        description=submission.description.strip(),
        media=entry.promotion.submission_media,
        video_url=submission.video_url.strip(),
        created_at=at,
    )
    if submission.file is not None:
        obj.file.save(submission.file.name or "upload", submission.file, save=False)
    obj.save()
    return obj


@transaction.atomic
def submission_moderate(
    *,
    submission: Submission,
    approve: bool,
    note: str = "",
    by: Any = None,
    at: datetime | None = None,
) -> Submission:
    """Approve a submission into the public gallery, or reject it with a note."""
    if not approve and not note.strip():
        raise ValidationError({"moderation_note": _("Say why the submission is rejected.")})
    if submission.removed_at is not None and approve:
        raise ValidationError(_("The entrant deleted this submission."))
    submission.status = Submission.Status.APPROVED if approve else Submission.Status.REJECTED
    submission.moderation_note = note.strip()
    submission.moderated_at = at or timezone.now()
    submission.moderated_by = by
    submission.save(update_fields=["status", "moderation_note", "moderated_at", "moderated_by"])
    return submission


def vote_cast(
    *,
    submission: Submission,
    person: Person,
    sender: Sender | None = None,
    at: datetime | None = None,
) -> Vote:
    """One vote per person per contest per day (the brand's day). The unique constraint
    decides between concurrent votes; the loser is told to come back tomorrow."""
    at = at or timezone.now()
    rate_limit_or_refuse(scope="vote", sender=sender, person=person)
    promotion = submission.promotion
    check = Check(promotion=promotion, person=person, answers=Answers(), at=at)
    refusal = eligibility.window_rule(check) or eligibility.identity_rule(check)
    if refusal is None and (
        submission.status != Submission.Status.APPROVED or submission.removed_at is not None
    ):
        refusal = Refusal("not_in_gallery", _("This entry is not in the gallery."))
    if refusal is None and submission.person_id == person.pk:
        refusal = Refusal("own_submission", _("You cannot vote for your own entry."))
    if refusal is not None:
        raise _refuse([refusal])
    day = eligibility.local_day(promotion, at)
    try:
        with transaction.atomic():
            return Vote.objects.create(
                promotion=promotion, submission=submission, person=person, day=day, created_at=at
            )
    except IntegrityError as exc:
        tomorrow = datetime.combine(
            day + timedelta(days=1),
            datetime.min.time(),
            tzinfo=promotion.campaign.brand.tzinfo,
        )
        raise _refuse(
            [
                Refusal(
                    "already_voted_today",
                    _("You have already voted today. You can vote again from %(when)s.")
                    % {"when": eligibility._local(promotion, tomorrow)},
                )
            ]
        ) from exc


def jury_score_set(*, submission: Submission, juror: Any, score: int, note: str = "") -> JuryScore:
    if not 0 <= score <= 10:
        raise ValidationError({"score": _("A score is 0 to 10.")})
    obj, _created = JuryScore.objects.update_or_create(
        submission=submission, juror=juror, defaults={"score": score, "note": note}
    )
    return obj


# --- fair draws -------------------------------------------------------------------------------


def _default_winners(promotion: Promotion, prize: Prize | None) -> int:
    if prize is not None:
        return prize.quantity
    return sum(p.quantity for p in promotion.prizes.all()) or 1


@transaction.atomic
def draw_commit(
    *,
    promotion: Promotion,
    prize: Prize | None = None,
    winners_count: int | None = None,
    alternates_count: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Draw:
    """Choose a secret seed and publish its SHA-256 (the promotion page shows it).

    The first draw of a promotion must be committed before entries close, or the
    commitment proves nothing; any later draw (a re-draw) must say why.
    """
    at = at or timezone.now()
    earlier = promotion.draws.exists()
    if earlier and not reason.strip():
        raise ValidationError(
            {"reason": _("This promotion already has a draw: say why you draw again.")}
        )
    if not earlier and at >= promotion.ends_at and not reason.strip():
        raise ValidationError(
            {"reason": _("Entries have closed, so a commitment made now proves nothing: say why.")}
        )
    if prize is not None and prize.promotion_id != promotion.pk:
        raise ValidationError({"prize": _("The prize belongs to another promotion.")})
    winners = winners_count or _default_winners(promotion, prize)
    alternates = alternates_count if alternates_count is not None else max(3, winners)
    seed = secrets.token_hex(32)
    draw = Draw(
        promotion=promotion,
        prize=prize,
        seed=seed,
        seed_commitment=fairdraw.sha256_hex(bytes.fromhex(seed)),
        committed_at=at,
        reason=reason.strip(),
        winners_count=winners,
        alternates_count=alternates,
    )
    draw.full_clean()
    draw.save()
    return draw


def draw_commitment_ensure(*, promotion: Promotion, at: datetime | None = None) -> Draw | None:
    """A sweepstakes has a committed draw while it takes entries (made at its first entry
    or by the schedule, whichever comes first)."""
    at = at or timezone.now()
    if promotion.kind != Promotion.Kind.SWEEPSTAKES or at >= promotion.ends_at:
        return None
    existing = promotion.draws.order_by("id").first()
    if existing is not None:
        return existing
    Promotion.objects.select_for_update().filter(pk=promotion.pk).first()  # one at a time
    return promotion.draws.order_by("id").first() or draw_commit(promotion=promotion, at=at)


def draws_commit_due(*, at: datetime | None = None) -> int:
    """Scheduled: commit a draw for every live sweepstakes that has none yet."""
    at = at or timezone.now()
    made = 0
    for promotion in Promotion.objects.live(at).filter(
        kind=Promotion.Kind.SWEEPSTAKES, draws__isnull=True
    ):
        with transaction.atomic():
            if draw_commitment_ensure(promotion=promotion, at=at) is not None:
                made += 1
    return made


def person_tag(draw: Draw, person: Person) -> str:
    """Groups one person's entries in a draw's list without saying who they are."""
    return keyed_hash("draw-person", str(draw.pk), str(person.public_id))[:16]


@transaction.atomic
def draw_run(*, draw: Draw, by: Any = None, at: datetime | None = None) -> Draw:
    """Freeze the eligible entries, publish the list's hash, reveal the seed and derive
    winners and alternates (promotions.fairdraw). Earlier draws' winners take no part."""
    at = at or timezone.now()
    draw = Draw.objects.select_for_update().select_related("promotion").get(pk=draw.pk)
    promotion = draw.promotion
    if draw.is_drawn:
        raise ValidationError(_("This draw has already been made."))
    if at < promotion.ends_at:
        raise ValidationError(
            _("Entries are open until %(end)s: draw after they close.")
            % {"end": eligibility._local(promotion, promotion.ends_at)}
        )
    won_before: set[str] = set()
    for earlier in promotion.draws.filter(status=Draw.Status.DRAWN).exclude(pk=draw.pk):
        won_before.update(earlier.winners)
        won_before.update(earlier.replacements.values_list("replacement_entry", flat=True))
    winners_people = Entry.objects.filter(public_id__in=won_before).values("person_id")
    entries = (
        promotion.entries.drawable()
        .filter(created_at__lt=promotion.ends_at)
        .exclude(person_id__in=winners_people)
        .select_related("person")
    )
    rows = [(e.public_id, person_tag(draw, e.person)) for e in entries]
    entry_list = fairdraw.canonical_entry_list(rows)
    list_hash = fairdraw.sha256_hex(entry_list.encode("utf-8"))
    result = fairdraw.pick(
        seed_hex=draw.seed,
        list_hash=list_hash,
        entry_list=entry_list,
        winners=draw.winners_count,
        alternates=draw.alternates_count,
    )
    draw.entry_list = entry_list
    draw.entry_list_hash = list_hash
    draw.entry_count = len(rows)
    draw.winners = result.winners
    draw.alternates = result.alternates
    draw.status = Draw.Status.DRAWN
    draw.drawn_at = at
    draw.drawn_by = by
    draw.save()
    return draw


@transaction.atomic
def draw_replace_winner(
    *, draw: Draw, entry_public_id: str, reason: str, by: Any = None, at: datetime | None = None
) -> DrawReplacement:
    """Re-draw one prize: the winner gives way to the next unused alternate, and the
    reason is published on the certificate."""
    at = at or timezone.now()
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the winner is replaced.")})
    if not draw.is_drawn:
        raise ValidationError(_("The draw has not been made yet."))
    replaced = {r.replaced_entry: r.replacement_entry for r in draw.replacements.all()}
    current = [replaced.get(w, w) for w in draw.winners]
    while any(w in replaced for w in current):
        current = [replaced.get(w, w) for w in current]
    if entry_public_id not in current:
        raise ValidationError(
            _("%(e)s is not a current winner of this draw.") % {"e": entry_public_id}
        )
    used = set(replaced.values())
    spare = [a for a in draw.alternates if a not in used]
    if not spare:
        raise ValidationError(_("No alternate is left: commit a new draw (with its reason)."))
    return DrawReplacement.objects.create(
        draw=draw,
        replaced_entry=entry_public_id,
        replacement_entry=spare[0],
        reason=reason.strip(),
        replaced_at=at,
        replaced_by=by,
    )


def prize_set_quantity(*, prize: Prize, quantity: int) -> Prize:
    """Change a prize's quantity; never below what has been awarded."""
    updated = Prize.objects.filter(pk=prize.pk, awarded__lte=quantity).update(quantity=quantity)
    if not updated:
        prize.refresh_from_db()
        raise ValidationError(
            {
                "quantity": _("%(n)d already awarded: the quantity cannot be lower.")
                % {"n": prize.awarded}
            }
        )
    prize.refresh_from_db()
    return prize
