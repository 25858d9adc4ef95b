"""Storing the comments (and reactions) of giveaways: what the import and the webhooks
read, the deletions, and a new judgement when the rules change.

Every comment (or reaction) read, by the import or a webhook, goes through
``social_comments_store``: one transaction that stores each comment once
(``(platform, comment_id)`` unique), judges it by the promotion's rules
(``promotions.social.rules``), keeps every exclusion with its reason, and makes the entries
(``promotions.social.comment_entries``).

Edited comments are judged again by their new text while the promotion is open (after the
close an edit changes nothing); a deleted comment is excluded with reason ``deleted`` until
the draw, unless it is read again while the promotion is open (a reaction taken back and
given again: its id is the person's); once a promotion is drawn its entries no longer
change (the list is frozen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from promotions.bulk import rows_get, rows_insert
from promotions.campaigns.models import Promotion
from promotions.draws.models import Draw
from promotions.social import comment_entries
from promotions.social.models import ExclusionReason, SocialComment, SocialRules, SocialSource
from promotions.social.privacy import ERASED_PREFIX
from promotions.social.rules import Judge, ReadComment
from promotions.social.services import social_rules_get_or_default


def comment_ref(platform: str, comment_id: str) -> str:
    """The comment's pseudonymous id on the certificate: SHA-256 of ``<platform>:<id>``,
    first 16 hex digits. Whoever knows their comment's id can find it; nobody can read a
    name or a username from it."""
    return hashlib.sha256(f"{platform}:{comment_id}".encode()).hexdigest()[:16]


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


@dataclass(slots=True, eq=False)
class _Row(comment_entries.Stored):
    """A comment of the batch: stored already (``pk``), or new."""

    text: str = ""
    seen_pass: int = 0
    edited_at: datetime | None = None


_ROW_COLUMNS = (*comment_entries.STORED_COLUMNS, "text", "seen_pass")
_NEW_FIELDS = (
    "comment_id",
    "parent_id",
    "author_id",
    "author_username",
    "text",
    "created_time",
    "status",
    "reason",
    "rule_reason",
    "entry_id",
)


def _stored_get(platform: str, comment_ids: list[str]) -> dict[str, _Row]:
    """The batch's comments stored already, by comment id."""
    rows = rows_get(
        SocialComment,
        ("comment_id",),
        [(c,) for c in comment_ids],
        _ROW_COLUMNS,
        where={"platform": platform},
    )
    return {row[0]: _Row(*row) for row in rows}


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
        existing = _stored_get(source.platform, list(unique))
        judge = _judge(source, rules)
        open_now = at < promotion.ends_at
        frozen = _promotion_drawn(promotion)
        touched: list[_Row] = []
        new: list[tuple[ReadComment, _Row]] = []
        edited: list[_Row] = []
        restored: list[_Row] = []
        for read in unique.values():
            row = existing.get(read.comment_id)
            if row is None:
                row = _Row(
                    comment_id=read.comment_id,
                    platform=source.platform,
                    author_id=read.author_id,
                    created_time=read.created_time,
                    rule_reason=judge.reason(read),
                )
                new.append((read, row))
                touched.append(row)
            elif row.deleted_at is not None and open_now and not frozen:
                # Back: a reaction taken back and given again (its id is the person's), or a
                # comment a pass missed. It counts again, judged as it reads now.
                row.deleted_at, row.rule_reason = None, judge.reason(read)
                if not row.author_id.startswith(ERASED_PREFIX):
                    row.text = read.text
                restored.append(row)
                touched.append(row)
            elif (
                row.deleted_at is None
                and open_now
                and row.text != read.text
                and not row.author_id.startswith(ERASED_PREFIX)  # its author asked so
            ):
                row.text, row.edited_at, row.rule_reason = read.text, at, judge.reason(read)
                edited.append(row)
                touched.append(row)
        result.changed = len(edited) + len(restored)
        if seen_pass is not None:
            unseen = [r.pk for r in existing.values() if r.pk and r.seen_pass != seen_pass]
            if unseen:
                SocialComment.objects.filter(pk__in=unseen).update(seen_pass=seen_pass)
        if not frozen:
            created, excluded = comment_entries.comment_entries_apply(
                source=source, rules=rules, touched=touched, at=at
            )
            result.entries_created, result.entries_excluded = created, excluded
        else:
            for _, row in new:
                row.status = SocialComment.Status.EXCLUDED
                row.reason = row.rule_reason or ExclusionReason.AFTER_CLOSE
        rows_insert(
            SocialComment,
            _NEW_FIELDS,
            [
                (
                    read.comment_id,
                    read.parent_id,
                    read.author_id,
                    read.author_username,
                    read.text,
                    read.created_time,
                    row.status,
                    row.reason,
                    row.rule_reason,
                    row.entry_id,
                )
                for read, row in new
            ],
            same={
                "source_id": source.pk,
                "platform": source.platform,
                "kind": kind,
                "seen_pass": seen_pass or 0,
                "imported_at": at,
            },
            conflict=("platform", "comment_id"),
        )
        result.new = len(new)
        comment_entries.stored_save(
            edited, ("text", "edited_at", "rule_reason", "status", "reason", "entry_id")
        )
        comment_entries.stored_save(
            restored, ("text", "deleted_at", "rule_reason", "status", "reason", "entry_id")
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
        rows = [
            comment_entries.Stored.of(row)
            for row in SocialComment.objects.select_for_update().filter(
                source=source, comment_id__in=list(comment_ids), deleted_at__isnull=True
            )
        ]
        if not rows:
            return 0
        for row in rows:
            row.deleted_at = at
        fields: tuple[str, ...] = ("deleted_at",)
        if not Draw.objects.filter(promotion=promotion, status=Draw.Status.DRAWN).exists():
            rules = social_rules_get_or_default(promotion=promotion)
            rules.promotion = promotion
            comment_entries.comment_entries_apply(source=source, rules=rules, touched=rows, at=at)
            fields = ("deleted_at", "status", "reason", "entry_id")
        comment_entries.stored_save(rows, fields)
    return len(rows)


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
                touched: list[comment_entries.Stored] = []
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
                        touched.append(comment_entries.Stored.of(row))
                comment_entries.comment_entries_apply(
                    source=source, rules=rules, touched=touched, at=at
                )
                comment_entries.stored_save(
                    touched, ("rule_reason", "status", "reason", "entry_id")
                )
                changed += len(touched)
    return changed


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
