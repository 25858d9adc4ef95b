"""Writes of comment and reaction giveaways: storing what was read, turning eligible
comments into entries, and the replies to winners.

Every comment (or reaction) read, by the import or a webhook, goes through
``social_comments_store``: one transaction that stores each comment once
(``(platform, comment_id)`` unique), judges it by the promotion's rules
(``promotions.social.rules``), keeps every exclusion with its reason, and makes the entries
(``Entry`` rows of a ``Person`` per commenter, so draws, dashboards and rollups work as for
any other entry). An entry's slot holds the weighting in the database: ``s1`` for one entry
per person, ``c<hash of the comment id>`` for one per comment, and
``(promotion, person, slot)`` is unique.

Edited comments are judged again by their new text while the promotion is open (after the
close an edit changes nothing); a deleted comment is excluded with reason ``deleted`` until
the draw; once a promotion is drawn its entries no longer change (the list is frozen).
"""

from __future__ import annotations

import hashlib
import logging
import string
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.models import Promotion
from promotions.draws.models import Draw
from promotions.draws.services import draw_commitment_ensure
from promotions.entrants.models import Identity, Person
from promotions.entries.models import Entry
from promotions.social.models import (
    ExclusionReason,
    Platform,
    SocialComment,
    SocialReply,
    SocialReplyAttempt,
    SocialRules,
    SocialSource,
)
from promotions.social.rules import Judge, ReadComment, post_ref_parse
from promotions.social.texts import social_reply_public_text
from tracking.queue import task_enqueue
from tracking.services import NotStored, conversion_event_id, events_record
from tracking.tracked_event import TrackedEvent

logger = logging.getLogger(__name__)

PER_PERSON_SLOT = "s1"
EXCLUDED_PREFIX = "social: "  # exclusions made here (and undone here) start with it
PROVIDERS: dict[str, str] = {
    Platform.FACEBOOK: Identity.Provider.FACEBOOK_PAGE,
    Platform.INSTAGRAM: Identity.Provider.INSTAGRAM,
}


def comment_slot(platform: str, comment_id: str) -> str:
    """The entry slot of one comment (one entry per comment): stable, 16 characters."""
    return "c" + hashlib.sha256(f"{platform}:{comment_id}".encode()).hexdigest()[:15]


def comment_ref(platform: str, comment_id: str) -> str:
    """The comment's pseudonymous id on the certificate: SHA-256 of ``<platform>:<id>``,
    first 16 hex digits. Whoever knows their comment's id can find it; nobody can read a
    name or a username from it."""
    return hashlib.sha256(f"{platform}:{comment_id}".encode()).hexdigest()[:16]


# --- Sources and rules -----------------------------------------------------------------


def social_rules_get_or_default(*, promotion: Promotion) -> SocialRules:
    rules = SocialRules.objects.filter(promotion=promotion).first()
    return rules or SocialRules(promotion=promotion)


def social_rules_check(*, rules: SocialRules, platforms: Iterable[str]) -> None:
    """Raise ValidationError for rules Facebook or Graph do not allow on these sources."""
    platforms = set(platforms)
    errors: dict[str, str] = {}
    if rules.min_mentions and Platform.FACEBOOK in platforms:
        errors["min_mentions"] = _(
            "Facebook's Pages Terms forbid asking people to tag friends to enter: mentions "
            "can only be required on Instagram media."
        )
    if rules.entry_kind == SocialRules.EntryKind.REACTIONS and Platform.INSTAGRAM in platforms:
        errors["entry_kind"] = _("Instagram media have no reactions: enter by comment there.")
    if rules.entry_kind == SocialRules.EntryKind.REACTIONS and (
        rules.keyword or rules.min_mentions
    ):
        errors["keyword"] = _("A reaction has no text: a keyword or mentions cannot be required.")
    if rules.reply_text:
        names = _placeholders(rules.reply_text)
        if names - {"claim_url"}:
            errors["reply_text"] = _(
                "The reply may only use {claim_url}; write braces as {{ and }}."
            )
        elif rules.reply_private and "claim_url" not in names:
            errors["reply_text"] = _(
                "Put {claim_url} in the private reply: it is how the winner reaches the claim page."
            )
    if rules.reply_private and not rules.reply_text.strip():
        errors["reply_text"] = _("Write the reply's text.")
    if rules.reply_public_text and _placeholders(rules.reply_public_text):
        errors["reply_public_text"] = _(
            "The public reply is seen by everyone: it cannot hold the claim link or any "
            "{placeholder}. The link goes only in the private reply."
        )
    if rules.reply_public and not rules.reply_private:
        errors["reply_private"] = _(
            "The public reply cannot carry the claim link: turn on the private reply, which "
            "brings it to the winner alone."
        )
    if errors:
        raise ValidationError(errors)


def _placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses (``{"?"}`` for one that is not a valid template)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"?"}


def social_rules_save(*, rules: SocialRules) -> SocialRules:
    if rules.promotion.kind != Promotion.Kind.SWEEPSTAKES:
        raise ValidationError(_("Comment and reaction giveaways are sweepstakes."))
    platforms = SocialSource.objects.filter(promotion=rules.promotion).values_list(
        "platform", flat=True
    )
    social_rules_check(rules=rules, platforms=platforms)
    rules.full_clean()
    rules.save()
    promotion_id = rules.promotion_id
    task_enqueue("promotions.social.tasks.social_promotion_rejudge", promotion_id)
    return rules


def social_promotion_rejudge(*, promotion: Promotion, at: datetime | None = None) -> int:
    """Judge every stored comment again by the promotion's current rules (after a change
    in admin), in batches; entries follow. Nothing changes once a draw is made. Returns the
    number of comments whose rule reason changed."""
    at = at or timezone.now()
    if Draw.objects.filter(promotion=promotion, status=Draw.Status.DRAWN).exists():
        return 0
    rules = social_rules_get_or_default(promotion=promotion)
    rules.promotion = promotion
    changed = 0
    for source in SocialSource.objects.filter(promotion=promotion).select_related("page"):
        source.promotion = promotion
        judge = _judge(source, rules)
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    SocialComment.objects.select_for_update()
                    .filter(source=source, pk__gt=last)
                    .order_by("pk")[:1000]
                )
                if not rows:
                    break
                last = rows[-1].pk
                touched = []
                for row in rows:
                    reason = judge.reason(
                        ReadComment(
                            comment_id=row.comment_id,
                            kind=row.kind,
                            parent_id=row.parent_id,
                            author_id=row.author_id,
                            author_username=row.author_username,
                            text=row.text,
                            created_time=row.created_time,
                        )
                    )
                    if reason != row.rule_reason:
                        row.rule_reason = reason
                        touched.append(row)
                _entries_plan_apply(source=source, rules=rules, touched=touched, at=at)
                SocialComment.objects.bulk_update(
                    touched, ["rule_reason", "status", "reason", "entry"]
                )
                changed += len(touched)
    return changed


def social_source_prepare(*, source: SocialSource, address: str = "") -> SocialSource:
    """Fill ``platform``/``object_id`` from a pasted id or permalink and check the source
    against its promotion (brand, kind, rules). Raises ValidationError; saves nothing."""
    if address.strip():
        ref = post_ref_parse(address, page_id=source.page.page_id if source.page_id else "")
        if ref is None:
            raise ValidationError(
                {"object_id": _("Paste a Facebook post or Instagram media address, or its id.")}
            )
        if ref.shortcode:
            raise ValidationError(
                {
                    "object_id": _(
                        "An Instagram address names the post by its shortcode: paste the media "
                        "id (instagram:<id>) or choose it from the Page's recent posts."
                    )
                }
            )
        source.platform, source.object_id = ref.platform, ref.object_id
        if address.strip().startswith("http"):
            source.permalink = address.strip()[:500]
    promotion = source.promotion
    errors: dict[str, str] = {}
    if promotion.kind != Promotion.Kind.SWEEPSTAKES:
        errors["promotion"] = _("Comment and reaction giveaways are sweepstakes.")
    if source.page_id and source.page.brand_id != promotion.campaign.brand_id:
        errors["page"] = _("The Page is connected to another brand.")
    if (
        source.platform == Platform.INSTAGRAM
        and source.page_id
        and not source.page.instagram_account_id
    ):
        errors["page"] = _("This Page has no Instagram professional account connected.")
    if (
        source.platform == Platform.FACEBOOK
        and source.page_id
        and not source.object_id.startswith(f"{source.page.page_id}_")
    ):
        errors["object_id"] = _("This post is not one of the Page's posts.")
    if errors:
        raise ValidationError(errors)
    rules = social_rules_get_or_default(promotion=promotion)
    social_rules_check(rules=rules, platforms=[source.platform])
    source.full_clean()
    return source


def social_source_add(*, source: SocialSource, address: str = "") -> SocialSource:
    social_source_prepare(source=source, address=address)
    source.save()
    return source


# --- Storing comments and making entries ------------------------------------------------


@dataclass
class StoreResult:
    read: int = 0
    new: int = 0
    changed: int = 0
    entries_created: int = 0
    entries_excluded: int = 0


def _judge(source: SocialSource, rules: SocialRules) -> Judge:
    page = source.page
    own = {page.page_id, page.instagram_account_id, page.instagram_username}
    return Judge(
        platform=source.platform,
        page_ids=frozenset(x.casefold() for x in own if x),
        blocked=rules.blocked(),
        keyword=rules.keyword,
        min_mentions=rules.min_mentions,
        exclude_page=rules.exclude_page,
        starts_at=rules.promotion.starts_at,
        ends_at=rules.promotion.ends_at,
    )


def _persons_for(platform: str, author_ids: set[str], at: datetime) -> dict[str, int]:
    """``{author id: person id}``, making a Person and an Identity for each new author.

    Two writers making the same author at once: the Identity's unique (provider, subject)
    keeps one; the other Person stays without identity or entry."""
    provider = PROVIDERS[platform]
    found = dict(
        Identity.objects.filter(provider=provider, subject__in=author_ids).values_list(
            "subject", "person_id"
        )
    )
    missing = sorted(author_ids - set(found))
    if missing:
        people = Person.objects.bulk_create([Person() for _ in missing])
        identities = [
            Identity(person_id=p.pk, provider=provider, subject=a, verified_at=at)
            for a, p in zip(missing, people, strict=True)
        ]
        try:  # the usual case: nobody made these authors meanwhile
            with transaction.atomic():
                Identity.objects.bulk_create(identities)
            found.update((i.subject, i.person_id) for i in identities)
        except IntegrityError:
            Identity.objects.bulk_create(identities, ignore_conflicts=True)
            found.update(
                Identity.objects.filter(provider=provider, subject__in=missing).values_list(
                    "subject", "person_id"
                )
            )
    return found


@dataclass
class _Plan:
    """What the stored comments of one batch become."""

    rows: dict[str, SocialComment] = field(default_factory=dict)  # comment id → row
    wanted: dict[tuple[int, str], datetime] = field(default_factory=dict)  # entry key → time
    unwanted: dict[tuple[int, str], str] = field(default_factory=dict)  # entry key → reason


def social_comments_store(
    *,
    source: SocialSource,
    comments: Sequence[ReadComment],
    at: datetime | None = None,
    cursor: str | None = None,
    seen_pass: int | None = None,
    rules: SocialRules | None = None,
) -> StoreResult:
    """Store one batch of comments of ``source`` (a page of the import, or a webhook's),
    with their entries, and the import's ``cursor`` when given: all or nothing."""
    at = at or timezone.now()
    promotion = source.promotion
    rules = rules or social_rules_get_or_default(promotion=promotion)
    rules.promotion = promotion
    result = StoreResult(read=len(comments))
    # A reaction giveaway takes no comments and a comment giveaway no reactions (the Page's
    # feed webhook sends both): those are not candidates, and are not stored.
    kind = (
        SocialComment.Kind.REACTION
        if rules.entry_kind == SocialRules.EntryKind.REACTIONS
        else SocialComment.Kind.COMMENT
    )
    unique = {c.comment_id: c for c in comments if c.kind == kind}  # a repeat: the last
    with transaction.atomic():
        existing = {
            row.comment_id: row
            for row in SocialComment.objects.filter(
                platform=source.platform, comment_id__in=list(unique)
            )
        }
        judge = _judge(source, rules)
        open_now = at < promotion.ends_at
        frozen = _promotion_drawn(promotion)
        touched: list[SocialComment] = []
        new_rows: list[SocialComment] = []
        for read in unique.values():
            row = existing.get(read.comment_id)
            if row is None:
                row = SocialComment(
                    source=source,
                    platform=source.platform,
                    comment_id=read.comment_id,
                    kind=read.kind,
                    parent_id=read.parent_id,
                    author_id=read.author_id,
                    author_username=read.author_username,
                    text=read.text,
                    created_time=read.created_time,
                    rule_reason=judge.reason(read),
                    seen_pass=seen_pass or 0,
                    imported_at=at,
                )
                new_rows.append(row)
                touched.append(row)
            elif row.deleted_at is None and open_now and row.text != read.text:
                row.text = read.text
                row.edited_at = at
                row.rule_reason = judge.reason(read)
                touched.append(row)
                result.changed += 1
        if seen_pass is not None:
            SocialComment.objects.filter(pk__in=[r.pk for r in existing.values()]).exclude(
                seen_pass=seen_pass
            ).update(seen_pass=seen_pass)
        if not frozen:
            created, excluded = _entries_plan_apply(
                source=source, rules=rules, touched=touched, at=at
            )
            result.entries_created, result.entries_excluded = created, excluded
        else:
            for row in touched:
                if row.pk is None:
                    row.status, row.reason = (
                        SocialComment.Status.EXCLUDED,
                        row.rule_reason or ExclusionReason.AFTER_CLOSE,
                    )
        if new_rows:
            SocialComment.objects.bulk_create(new_rows, ignore_conflicts=True)
            result.new = len(new_rows)
        changed = [r for r in touched if r.pk is not None]
        if changed:
            SocialComment.objects.bulk_update(
                changed, ["text", "edited_at", "rule_reason", "status", "reason", "entry"]
            )
        if cursor is not None:
            SocialSource.objects.filter(pk=source.pk).update(cursor=cursor, last_error="")
            source.cursor = cursor
    return result


def _promotion_drawn(promotion: Promotion) -> bool:
    """Whether a draw was made (its entries are frozen). Read once per import: a
    ``social_promotion_import`` holds the promotion object for one pass only."""
    cached = getattr(promotion, "_social_drawn", None)
    if cached is None:
        cached = Draw.objects.filter(promotion=promotion, status=Draw.Status.DRAWN).exists()
        promotion._social_drawn = cached  # type: ignore[attr-defined]
    return bool(cached)


def social_comment_remove(
    *, source: SocialSource, comment_ids: Iterable[str], at: datetime | None = None
) -> int:
    """Comments deleted on Facebook or Instagram: excluded with reason ``deleted`` (their
    entries too, unless another comment of the same person holds it). Drawn promotions
    only record the deletion."""
    at = at or timezone.now()
    promotion = source.promotion
    with transaction.atomic():
        rows = list(
            SocialComment.objects.select_for_update().filter(
                source=source, comment_id__in=list(comment_ids), deleted_at__isnull=True
            )
        )
        if not rows:
            return 0
        for row in rows:
            row.deleted_at = at
        SocialComment.objects.bulk_update(rows, ["deleted_at"])
        if not Draw.objects.filter(promotion=promotion, status=Draw.Status.DRAWN).exists():
            rules = social_rules_get_or_default(promotion=promotion)
            rules.promotion = promotion
            _entries_plan_apply(source=source, rules=rules, touched=rows, at=at)
            SocialComment.objects.bulk_update(rows, ["status", "reason", "entry"])
    return len(rows)


def _final_reason(row: SocialComment) -> str:
    return ExclusionReason.DELETED if row.deleted_at else row.rule_reason


def _entries_plan_apply(
    *, source: SocialSource, rules: SocialRules, touched: list[SocialComment], at: datetime
) -> tuple[int, int]:
    """Set status, reason and entry on ``touched`` (and, one entry per person, on the
    person's other comments, saved here) and make or exclude the entries."""
    if not touched:
        return 0, 0
    promotion = rules.promotion
    authors = {r.author_id for r in touched if r.author_id}
    people = _persons_for(source.platform, authors, at) if authors else {}
    plan = _Plan()
    others: list[SocialComment] = []
    before: dict[int, tuple[str, str, int | None]] = {}
    if rules.weighting == SocialRules.Weighting.PER_COMMENT:
        for row in touched:
            reason = _final_reason(row)
            person = people.get(row.author_id)
            row.status = SocialComment.Status.EXCLUDED if reason else SocialComment.Status.ENTERED
            row.reason = reason
            if person is None:
                continue
            key = (person, comment_slot(row.platform, row.comment_id))
            if reason:
                plan.unwanted[key] = reason
            else:
                plan.wanted[key] = row.created_time
            plan.rows[row.comment_id] = row
    else:
        ids = {r.comment_id for r in touched}
        source_ids = getattr(promotion, "_social_source_ids", None)
        if source_ids is None:
            source_ids = list(
                SocialSource.objects.filter(promotion=promotion).values_list("pk", flat=True)
            )
            promotion._social_source_ids = source_ids  # type: ignore[attr-defined]

        others = [
            row
            for row in SocialComment.objects.filter(
                source_id__in=source_ids, platform=source.platform, author_id__in=authors
            ).only(
                "pk",
                "comment_id",
                "author_id",
                "created_time",
                "rule_reason",
                "deleted_at",
                "status",
                "reason",
                "entry_id",
                "platform",
            )
            if row.comment_id not in ids
        ]
        before = {row.pk: (row.status, row.reason, row.entry_id) for row in others}
        by_author: dict[str, list[SocialComment]] = defaultdict(list)
        for row in [*touched, *others]:
            by_author[row.author_id].append(row)
        for author, rows in by_author.items():
            person = people.get(author)
            rows.sort(key=lambda r: (r.created_time, r.comment_id))
            first = next((r for r in rows if not _final_reason(r)), None)
            for row in rows:
                reason = _final_reason(row) or ("" if row is first else ExclusionReason.REPEAT)
                row.status = (
                    SocialComment.Status.EXCLUDED if reason else SocialComment.Status.ENTERED
                )
                row.reason = reason
            if person is None:
                continue
            key = (person, PER_PERSON_SLOT)
            if first is not None:
                plan.wanted[key] = first.created_time
            else:
                plan.unwanted[key] = _final_reason(rows[0]) or ExclusionReason.DELETED
    entries, created = _entries_ensure(promotion=promotion, source=source, plan=plan, at=at)
    excluded = _entries_exclude(entries=entries, plan=plan, at=at)
    for row in [*touched, *others]:
        person = people.get(row.author_id)
        if person is None:
            row.entry_id = None
            continue
        slot = (
            PER_PERSON_SLOT
            if rules.weighting == SocialRules.Weighting.PER_PERSON
            else comment_slot(row.platform, row.comment_id)
        )
        entry = entries.get((person, slot))
        row.entry_id = entry.pk if entry is not None else None
    if others:
        others = [r for r in others if before[r.pk] != (r.status, r.reason, r.entry_id)]
    if others:
        SocialComment.objects.bulk_update(others, ["status", "reason", "entry"])
    return created, excluded


def _entries_ensure(
    *, promotion: Promotion, source: SocialSource, plan: _Plan, at: datetime
) -> tuple[dict[tuple[int, str], Entry], int]:
    """The entries of the plan's keys, valid where wanted: made when missing (ON CONFLICT
    DO NOTHING on the frequency slot), revived when only this room had excluded them."""
    keys = set(plan.wanted) | set(plan.unwanted)
    if not keys:
        return {}, 0
    persons = {p for p, _ in keys}
    slots = {s for _, s in keys}

    def load() -> dict[tuple[int, str], Entry]:
        rows = Entry.objects.filter(
            promotion=promotion, person_id__in=persons, slot__in=slots
        ).only("pk", "public_id", "person_id", "slot", "status", "exclusion_reason", "created_at")
        return {(e.person_id, e.slot): e for e in rows if (e.person_id, e.slot) in keys}

    entries = load()
    missing = [k for k in plan.wanted if k not in entries]
    created = 0
    if missing:
        rows = [
            Entry(
                promotion=promotion,
                person_id=person,
                slot=slot,
                source=source.platform,
                created_at=plan.wanted[(person, slot)],
            )
            for person, slot in missing
        ]
        try:  # the usual case: nobody made them meanwhile, and the ids come back
            with transaction.atomic():
                new = Entry.objects.bulk_create(rows)
            entries.update({(e.person_id, e.slot): e for e in new})
        except IntegrityError:  # a webhook or another import made some: keep theirs
            Entry.objects.bulk_create(rows, ignore_conflicts=True)
            before = set(entries)
            entries = load()
            new = [entries[k] for k in missing if k in entries and k not in before]
        created = len(new)
        if new:
            _conversions_record(promotion=promotion, entries=new, source=source.platform)
            if at < promotion.ends_at and not getattr(promotion, "_draw_committed", False):
                draw_commitment_ensure(promotion=promotion, at=at)
                promotion._draw_committed = True  # type: ignore[attr-defined]  # once per import
    revive = [
        e.pk
        for k, e in entries.items()
        if k in plan.wanted
        and e.status == Entry.Status.EXCLUDED
        and e.exclusion_reason.startswith(EXCLUDED_PREFIX)
    ]
    if revive:
        Entry.objects.filter(pk__in=revive).update(
            status=Entry.Status.VALID, exclusion_reason="", excluded_at=None
        )
    return entries, created


def _entries_exclude(*, entries: dict[tuple[int, str], Entry], plan: _Plan, at: datetime) -> int:
    by_reason: dict[str, list[int]] = defaultdict(list)
    for key, reason in plan.unwanted.items():
        entry = entries.get(key)
        if entry is not None and entry.status == Entry.Status.VALID:
            by_reason[reason].append(entry.pk)
    done = 0
    for reason, pks in by_reason.items():
        label = str(ExclusionReason(reason).label) if reason in ExclusionReason.values else reason
        done += Entry.objects.filter(pk__in=pks, status=Entry.Status.VALID).update(
            status=Entry.Status.EXCLUDED,
            exclusion_reason=f"{EXCLUDED_PREFIX}{label}",
            excluded_at=at,
        )
    return done


def _conversions_record(*, promotion: Promotion, entries: list[Entry], source: str) -> None:
    """Count the new entries in tracking's reports once the transaction commits (stable
    event ids: a retry counts each once), in one batch."""
    campaign_id, brand_id = promotion.campaign_id, promotion.campaign.brand_id
    events = [
        TrackedEvent(
            event_id=conversion_event_id(kind="entry", object_id=e.pk),
            ts=e.created_at,
            type="entry",
            promotion_id=promotion.pk,
            campaign_id=campaign_id,
            brand_id=brand_id,
            source=source,
        )
        for e in entries
    ]

    def record() -> None:
        try:
            events_record(events=events)
        except NotStored as exc:
            logger.warning("social: %d entries not counted by tracking: %s", len(events), exc)

    transaction.on_commit(record)


def social_pass_finish(*, source: SocialSource, at: datetime | None = None) -> int:
    """A full import pass ended: comments it did not see again were deleted (reason
    ``deleted``), the cursor goes back to the start for the next pass."""
    at = at or timezone.now()
    started = source.pass_started_at or at
    gone = list(
        SocialComment.objects.filter(
            source=source,
            deleted_at__isnull=True,
            seen_pass__lt=source.pass_number,
            imported_at__lt=started,  # a webhook's comment newer than the pass is not gone
        ).values_list("comment_id", flat=True)
    )
    removed = social_comment_remove(source=source, comment_ids=gone, at=at) if gone else 0
    SocialSource.objects.filter(pk=source.pk).update(cursor="", imported_at=at, last_error="")
    source.cursor, source.imported_at = "", at
    return removed


def social_pass_start(*, source: SocialSource, at: datetime | None = None) -> SocialSource:
    """A new full pass (when no pass is under way): comments are marked seen by it."""
    at = at or timezone.now()
    if source.cursor:
        return source
    SocialSource.objects.filter(pk=source.pk).update(
        pass_number=F("pass_number") + 1, pass_started_at=at
    )
    source.refresh_from_db(fields=["pass_number", "pass_started_at", "cursor"])
    return source


def social_source_lease(*, source: SocialSource, seconds: int, at: datetime | None = None) -> bool:
    """Hold the source for one import (a conditional UPDATE: two workers never import the
    same source at once); False when another import holds it."""
    at = at or timezone.now()
    return bool(
        SocialSource.objects.filter(pk=source.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=at))
        .update(lease_until=at + timedelta(seconds=seconds))
    )


def social_source_release(*, source: SocialSource, error: str = "") -> None:
    updates: dict[str, object] = {"lease_until": None}
    if error:
        updates["last_error"] = error[:2000]
    SocialSource.objects.filter(pk=source.pk).update(**updates)


# --- Replies to winners ----------------------------------------------------------------


def social_winner_reply(
    *, entry: Entry, link: str, at: datetime | None = None
) -> list[SocialReply]:
    """Queue the replies the rules ask for to the comment that won with ``entry`` (its
    first entered comment, one entry per person): each kind once per comment, ever.

    ``link`` (the claim link, with its token) goes only into the private reply, which only
    the commenter can read: the rules' template with ``{claim_url}`` = ``link``. The public
    reply (``social_reply_public_text``) never sees it. Neither carries a name or a
    username. Sent by the worker after commit, retried with backoff."""
    at = at or timezone.now()
    rules = (
        SocialRules.objects.filter(promotion_id=entry.promotion_id)
        .select_related("promotion__campaign__brand")
        .first()
    )
    if rules is None or not (rules.reply_public or rules.reply_private):
        return []
    if rules.reply_private and "claim_url" not in _placeholders(rules.reply_text):
        return []  # refused by the rules' check: the winner would never get the link
    comment = social_winning_comment_get(entry=entry)
    if comment is None:
        return []
    texts = []
    if rules.reply_public:
        texts.append((SocialReply.Kind.PUBLIC, social_reply_public_text(rules=rules)))
    if rules.reply_private:
        texts.append((SocialReply.Kind.PRIVATE, rules.reply_text.format(claim_url=link)))
    replies = []
    with transaction.atomic():
        for kind, text in texts:
            reply, made = SocialReply.objects.get_or_create(
                comment=comment,
                kind=kind,
                defaults={"entry": entry, "text": text, "next_attempt_at": at, "created_at": at},
            )
            replies.append(reply)
            if made:
                task_enqueue("promotions.social.tasks.social_reply_send", reply.pk)
    return replies


def social_winning_comment_get(*, entry: Entry) -> SocialComment | None:
    """The comment an entry won with (its first entered one), or None: an entry that did
    not come from a comment (a reaction has no comment to answer)."""
    return (
        SocialComment.objects.filter(entry=entry, status=SocialComment.Status.ENTERED)
        .filter(source__promotion__social_rules__entry_kind=SocialRules.EntryKind.COMMENTS)
        .order_by("created_time", "id")
        .first()
    )


def social_reply_send(*, reply_id: int, at: datetime | None = None) -> SocialReply | None:
    """Send one due reply, if this worker claims it (conditional UPDATE); log the attempt;
    a failure waits ``SOCIAL_REPLY_RETRY_BASE_SECONDS * 2^(n-1)`` up to
    ``SOCIAL_REPLY_MAX_ATTEMPTS``. Graph is called outside any transaction."""
    from promotions.facebook.client import GraphError, graph_post_authorized

    at = at or timezone.now()
    claimed = SocialReply.objects.filter(
        pk=reply_id, status=SocialReply.Status.PENDING, next_attempt_at__lte=at
    ).update(status=SocialReply.Status.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return None
    reply = SocialReply.objects.select_related("comment__source__page").get(pk=reply_id)
    comment = reply.comment
    page = comment.source.page
    status_code: int | None = None
    graph_id, error = "", ""
    late = at - comment.created_time > timedelta(days=7)
    if reply.kind == SocialReply.Kind.PRIVATE and late:
        error, final = "A private reply is possible only within 7 days of the comment.", True
    else:
        data: dict[str, Any]
        if reply.kind == SocialReply.Kind.PUBLIC:
            edge = "replies" if comment.platform == Platform.INSTAGRAM else "comments"
            path, data = f"{comment.comment_id}/{edge}", {"message": reply.text}
        else:
            path = f"{page.page_id}/messages"
            data = {
                "recipient": {"comment_id": comment.comment_id},
                "message": {"text": reply.text},
            }
        try:
            answer = graph_post_authorized(path, access_token=page.access_token, data=data)
            graph_id = str((answer or {}).get("id") or (answer or {}).get("message_id") or "")
            final = True
        except GraphError as exc:
            status_code, error = exc.status, str(exc)[:1000]
            # Already replied (10900): the one reply exists; outside the window (10903): never.
            final = not (exc.retryable or exc.throttled) or exc.code in (10900, 10903)
            if exc.code == 10900:
                error, graph_id = "", "already-replied"
    with transaction.atomic():
        SocialReplyAttempt.objects.create(
            reply=reply, at=at, ok=not error, status_code=status_code, detail=error or graph_id
        )
        if not error:
            reply.status, reply.sent_at, reply.graph_id, reply.last_error = (
                SocialReply.Status.SENT,
                at,
                graph_id,
                "",
            )
        elif final or reply.attempts >= settings.SOCIAL_REPLY_MAX_ATTEMPTS:
            reply.status, reply.last_error = SocialReply.Status.FAILED, error
        else:
            wait = settings.SOCIAL_REPLY_RETRY_BASE_SECONDS * 2 ** (reply.attempts - 1)
            reply.status, reply.last_error = SocialReply.Status.PENDING, error
            reply.next_attempt_at = at + timedelta(seconds=wait)
        reply.save(update_fields=["status", "sent_at", "graph_id", "last_error", "next_attempt_at"])
    return reply


def social_replies_send_due(*, at: datetime | None = None) -> int:
    """Scheduled: send every reply whose next attempt is due (and free replies whose worker
    died mid-send, after 10 minutes)."""
    at = at or timezone.now()
    SocialReply.objects.filter(
        status=SocialReply.Status.SENDING, next_attempt_at__lt=at - timedelta(minutes=10)
    ).update(status=SocialReply.Status.PENDING)
    due = list(
        SocialReply.objects.filter(
            status=SocialReply.Status.PENDING, next_attempt_at__lte=at
        ).values_list("pk", flat=True)[:200]
    )
    return sum(1 for pk in due if social_reply_send(reply_id=pk, at=at) is not None)
