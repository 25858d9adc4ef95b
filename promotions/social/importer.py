"""The import that misses nothing: every comment (or reaction) of a promotion's sources.

A pass walks a source's edge from the start with Graph's cursors (``limit=100``;
Facebook: ``filter=stream`` so replies come too, ``order=chronological``; Instagram: the
media's comments with their replies). Each page is stored with the cursor that follows
it in one transaction (``social_comments_store``): an import killed anywhere resumes
from the last stored page, and a comment is one row and one entry however often it is
read. Transient errors and throttling (codes 4, 17, 32, 613, 80001-80014, HTTP 5xx)
are retried with exponential backoff; when ``X-Business-Use-Case-Usage`` passes
``SOCIAL_USAGE_SLOWDOWN_PERCENT`` the import pauses between pages, and when Facebook
announces a wait the pass stops where it is (the next run resumes it). A pass that
reaches the end marks the comments it did not see again as deleted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from promotions.campaigns.models import Promotion
from promotions.facebook.client import GraphError, GraphPage, graph_edge_page
from promotions.social import comments, services
from promotions.social.models import (
    ConnectedPage,
    Platform,
    SocialComment,
    SocialRules,
    SocialSource,
)
from promotions.social.rules import ReadComment

logger = logging.getLogger(__name__)


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (Graph's shapes are not trusted)."""
    return value if isinstance(value, dict) else {}


FB_COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id}"
IG_REPLY_FIELDS = "id,text,timestamp,username,from{id,username}"
IG_COMMENT_FIELDS = f"{IG_REPLY_FIELDS},replies{{{IG_REPLY_FIELDS}}}"

Sleep = Callable[[float], None]
Progress = Callable[[int], None]


class ImportStopped(Exception):
    """The pass stopped before its end (retries used up, a wait announced, a bad token);
    what was stored stays, and the next run resumes from the stored cursor."""


@dataclass
class ImportResult:
    sources: int = 0
    pages: int = 0
    read: int = 0
    new: int = 0
    entries_created: int = 0
    deleted: int = 0
    retries: int = 0
    complete: bool = True
    errors: list[str] = field(default_factory=list)

    def add(self, other: ImportResult) -> None:
        for name in ("sources", "pages", "read", "new", "entries_created", "deleted", "retries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.complete = self.complete and other.complete
        self.errors += other.errors


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None


def _text(value: object, limit: int = 8000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def facebook_comments_read(rows: list[dict[str, Any]], *, seen_at: datetime) -> list[ReadComment]:
    read = []
    for row in rows:
        author = _dict(row.get("from"))
        parent = _dict(row.get("parent"))
        if not isinstance(row.get("id"), str):
            continue
        read.append(
            ReadComment(
                comment_id=row["id"][:120],
                kind=SocialComment.Kind.COMMENT,
                parent_id=_text(parent.get("id"), 120),
                author_id=_text(author.get("id"), 64),
                author_username="",
                text=_text(row.get("message")),
                created_time=_time(row.get("created_time")) or seen_at,
            )
        )
    return read


def instagram_comments_read(
    rows: list[dict[str, Any]], *, seen_at: datetime, parent_id: str = ""
) -> list[ReadComment]:
    read = []
    for row in rows:
        author = _dict(row.get("from"))
        if not isinstance(row.get("id"), str):
            continue
        read.append(
            ReadComment(
                comment_id=row["id"][:120],
                kind=SocialComment.Kind.COMMENT,
                parent_id=parent_id,
                author_id=_text(author.get("id"), 64),
                author_username=_text(author.get("username") or row.get("username"), 100),
                text=_text(row.get("text")),
                created_time=_time(row.get("timestamp")) or seen_at,
            )
        )
    return read


def facebook_reactions_read(
    rows: list[dict[str, Any]], *, post_id: str, seen_at: datetime
) -> list[ReadComment]:
    """Reactions have no time in Graph: a reaction is dated when the import first saw it."""
    return [
        ReadComment(
            comment_id=f"{post_id}:r:{row['id']}"[:120],
            kind=SocialComment.Kind.REACTION,
            parent_id=post_id,
            author_id=str(row["id"])[:64],
            author_username="",
            text=_text(row.get("type"), 20),
            created_time=seen_at,
        )
        for row in rows
        if isinstance(row.get("id"), str)
    ]


class _Fetcher:
    """Graph pages with retries, backoff and the slow-down before the rate limit."""

    def __init__(self, page: ConnectedPage, sleep: Sleep, result: ImportResult) -> None:
        self.page = page
        self.sleep = sleep
        self.result = result

    def get(self, path: str, params: dict[str, Any], after: str) -> GraphPage:
        attempt = 0
        while True:
            try:
                answer = graph_edge_page(
                    path, access_token=self.page.access_token, params=params, after=after
                )
                break
            except GraphError as exc:
                attempt += 1
                if exc.code == 190:
                    ConnectedPage.objects.filter(pk=self.page.pk).update(
                        token_status=ConnectedPage.TokenStatus.EXPIRED, token_error=str(exc)[:500]
                    )
                    raise ImportStopped(f"The Page's token no longer works: {exc}") from exc
                if (
                    not (exc.retryable or exc.throttled)
                    or attempt > settings.SOCIAL_IMPORT_MAX_RETRIES
                ):
                    raise ImportStopped(str(exc)) from exc
                wait = settings.SOCIAL_IMPORT_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
                if exc.throttled:
                    wait *= 4
                self.result.retries += 1
                logger.info("social: %s, retry %d in %.2fs", exc, attempt, wait)
                self.sleep(min(wait, settings.SOCIAL_IMPORT_RETRY_MAX_SECONDS))
        if answer.regain_seconds > 0:
            raise ImportStopped(f"Facebook asks to wait {answer.regain_seconds} s (rate limit).")
        slowdown = settings.SOCIAL_USAGE_SLOWDOWN_PERCENT
        if answer.usage_percent >= slowdown:
            # From the threshold to 100 %, pause longer and longer between pages.
            share = (answer.usage_percent - slowdown + 1) / max(1, 100 - slowdown)
            self.sleep(min(settings.SOCIAL_IMPORT_RETRY_MAX_SECONDS, 60 * share))
        return answer


def social_source_import(
    *,
    source: SocialSource,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
    max_pages: int | None = None,
) -> ImportResult:
    """Import ``source`` from its stored cursor to the end of the edge (one pass).

    Raises ImportStopped when the pass could not reach its end; what was stored stays."""
    result = ImportResult(sources=1)
    promotion = source.promotion
    rules = services.social_rules_get_or_default(promotion=promotion)
    rules.promotion = promotion
    source = comments.social_pass_start(source=source)
    fetcher = _Fetcher(source.page, sleep, result)
    reactions = rules.entry_kind == SocialRules.EntryKind.REACTIONS
    if source.platform == Platform.FACEBOOK and reactions:
        path = f"{source.object_id}/reactions"
        params: dict[str, Any] = {"limit": 100, "fields": "id,type"}
    elif source.platform == Platform.FACEBOOK:
        path = f"{source.object_id}/comments"
        params = {
            "limit": 100,
            "filter": "stream",
            "order": "chronological",
            "fields": FB_COMMENT_FIELDS,
        }
    else:
        path = f"{source.object_id}/comments"
        params = {"limit": 100, "fields": IG_COMMENT_FIELDS}
    after = source.cursor
    while True:
        page = fetcher.get(path, params, after)
        now = timezone.now()
        if source.platform == Platform.FACEBOOK and reactions:
            read = facebook_reactions_read(page.rows, post_id=source.object_id, seen_at=now)
        elif source.platform == Platform.FACEBOOK:
            read = facebook_comments_read(page.rows, seen_at=now)
        else:
            read = _instagram_with_replies(fetcher, page.rows, now)
        stored = comments.social_comments_store(
            source=source,
            comments=read,
            at=now,
            cursor=page.after or source.cursor,
            seen_pass=source.pass_number,
            rules=rules,
        )
        if page.after:
            after = page.after
        result.pages += 1
        result.read += stored.read
        result.new += stored.new
        result.entries_created += stored.entries_created
        if progress is not None:
            progress(len(page.rows))
        if page.after is None:
            result.deleted += comments.social_pass_finish(source=source)
            return result
        if max_pages is not None and result.pages >= max_pages:
            result.complete = False
            return result


def _instagram_with_replies(
    fetcher: _Fetcher, rows: list[dict[str, Any]], now: datetime
) -> list[ReadComment]:
    read = instagram_comments_read(rows, seen_at=now)
    for row in rows:
        nested = _dict(row.get("replies"))
        if not nested:
            continue
        replies = [r for r in nested.get("data") or [] if isinstance(r, dict)]
        read += instagram_comments_read(replies, seen_at=now, parent_id=str(row.get("id")))
        paging = _dict(nested.get("paging"))
        cursors = _dict(paging.get("cursors"))
        after = cursors.get("after") if paging.get("next") else None
        while after:
            more = fetcher.get(
                f"{row['id']}/replies", {"limit": 100, "fields": IG_REPLY_FIELDS}, after
            )
            read += instagram_comments_read(more.rows, seen_at=now, parent_id=str(row["id"]))
            after = more.after
    return read


def social_promotion_import(
    *,
    promotion: Promotion,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> ImportResult:
    """One pass over each source of ``promotion`` that no other import holds."""
    total = ImportResult(sources=0)
    for source in SocialSource.objects.filter(promotion=promotion).select_related(
        "page", "promotion__campaign"
    ):
        if not comments.social_source_lease(
            source=source, seconds=settings.SOCIAL_IMPORT_LEASE_SECONDS
        ):
            total.complete = False
            total.errors.append(f"{source}: another import is running")
            continue
        error = ""
        try:
            total.add(social_source_import(source=source, sleep=sleep, progress=progress))
        except ImportStopped as exc:
            error = str(exc)
            total.complete = False
            total.errors.append(f"{source}: {exc}")
            logger.warning("social: import of %s stopped: %s", source, exc)
        finally:
            comments.social_source_release(source=source, error=error)
    return total


def social_final_import(*, promotion: Promotion, sleep: Sleep = time.sleep) -> ImportResult:
    """The import before the draw: a complete pass over every source that started after
    entries closed (finishing a pass under way first), so comments deleted before the draw
    are excluded and none that came in before the close is missing. Records the time on
    the promotion's rules; ``complete`` False means do not draw yet."""
    total = ImportResult(sources=0)
    for _ in range(3):
        result = social_promotion_import(promotion=promotion, sleep=sleep)
        total.add(result)
        if not result.complete:
            return total
        late = SocialSource.objects.filter(promotion=promotion).exclude(
            pass_started_at__gte=promotion.ends_at
        )
        if not late.exists():
            break
    else:
        total.complete = False
        return total
    SocialRules.objects.update_or_create(
        promotion=promotion, defaults={"final_imported_at": timezone.now()}
    )
    return total


def social_imports_due(*, at: datetime | None = None) -> ImportResult:
    """Scheduled: a pass for every open promotion with sources, and the final import of
    those that closed and have not had it."""
    at = at or timezone.now()
    total = ImportResult(sources=0)
    with_sources = Promotion.objects.filter(social_sources__isnull=False).distinct()
    for promotion in with_sources.filter(starts_at__lte=at, ends_at__gt=at, status="active"):
        total.add(social_promotion_import(promotion=promotion))
    closed = with_sources.filter(ends_at__lte=at).exclude(
        social_rules__final_imported_at__isnull=False
    )
    for promotion in closed:
        total.add(social_final_import(promotion=promotion))
    return total
