"""Facebook's real-time deliveries: stored once, processed in the background.

``webhook_delivery_receive`` stores a verified body once (SHA-256 of the raw bytes is
unique) and queues ``social_webhook_process`` after commit. Processing turns Page ``feed``
changes (``item`` comment or reaction; ``verb`` add, edited, remove) and Instagram
``comments`` changes into the same ``social_comments_store`` the import uses, so a
comment is one entry however it arrives; the scheduled import reconciles whatever a
delivery missed. Other fields and objects are counted as ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from promotions.social import comments
from promotions.social.models import Platform, SocialComment, SocialSource, WebhookDelivery
from promotions.social.rules import ReadComment
from tracking.queue import task_enqueue

logger = logging.getLogger(__name__)


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (Graph's shapes are not trusted)."""
    return value if isinstance(value, dict) else {}


class MalformedDelivery(ValueError):
    """The body is not a webhook delivery (400)."""


def webhook_body_parse(raw: bytes) -> dict[str, Any]:
    """The delivery as a dict with ``object`` and a list ``entry``; MalformedDelivery else."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedDelivery("The body is not JSON.") from exc
    if not isinstance(body, dict) or not isinstance(body.get("object"), str):
        raise MalformedDelivery("A delivery is an object with an 'object' name.")
    if not isinstance(body.get("entry"), list):
        raise MalformedDelivery("A delivery has an 'entry' list.")
    return body


def webhook_delivery_receive(
    *, raw: bytes, at: datetime | None = None
) -> tuple[WebhookDelivery, bool]:
    """Store a verified delivery once; ``(delivery, new)``. A new one is processed by the
    worker after commit."""
    at = at or timezone.now()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                body_hash=digest, body=raw.decode("utf-8"), received_at=at
            )
    except IntegrityError:
        return WebhookDelivery.objects.get(body_hash=digest), False
    task_enqueue("promotions.social.tasks.social_webhook_process", delivery.pk)
    return delivery, True


def _unix(value: object, fallback: datetime) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2**33:
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
        except ValueError:
            pass
    return fallback


def _s(value: object, limit: int = 120) -> str:
    return (
        value[:limit]
        if isinstance(value, str)
        else str(value)[:limit]
        if isinstance(value, int)
        else ""
    )


def _changes(body: dict[str, Any]) -> list[tuple[str, dict[str, Any], datetime, str]]:
    """``[(field, value, entry time, account)]`` of the delivery's changes, shapes checked;
    the account is the entry's id: the Page, or the Instagram professional account, whose
    object changed."""
    found = []
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        when = _unix(entry.get("time"), timezone.now())
        account = _s(entry.get("id"), 64)
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                found.append((_s(change.get("field"), 40), change["value"], when, account))
    return found


def _source_owner(source: SocialSource) -> str:
    """The account a source's deliveries come from: its Page, or the Page's Instagram."""
    page = source.page
    return page.instagram_account_id if source.platform == Platform.INSTAGRAM else page.page_id


def social_webhook_process(*, delivery_id: int) -> dict[str, int]:
    """Apply one stored delivery (safe to run twice: the comments are stored once)."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return {}
    try:
        body = webhook_body_parse(delivery.body.encode("utf-8"))
    except MalformedDelivery:
        body = {"object": "", "entry": []}
    adds: dict[tuple[str, str], list[ReadComment]] = defaultdict(list)
    removes: dict[tuple[str, str], list[str]] = defaultdict(list)
    accounts: dict[tuple[str, str], set[str]] = defaultdict(set)
    ignored = 0
    for name, value, when, account in _changes(body):
        author = _dict(value.get("from"))
        if (
            body["object"] == "page"
            and name == "feed"
            and value.get("item") in ("comment", "reaction")
        ):
            post = _s(value.get("post_id"))
            verb = value.get("verb")
            if value.get("item") == "reaction":
                comment_id = f"{post}:r:{_s(author.get('id'), 64)}"
                kind, text = SocialComment.Kind.REACTION, _s(value.get("reaction_type"), 20)
            else:
                comment_id = _s(value.get("comment_id"))
                kind, text = SocialComment.Kind.COMMENT, _s(value.get("message"), 8000)
            if not post or not comment_id:
                ignored += 1
            elif verb == "remove":
                accounts[(Platform.FACEBOOK, post)].add(account)
                removes[(Platform.FACEBOOK, post)].append(comment_id)
            elif verb in ("add", "edited", "edit"):
                parent = _s(value.get("parent_id"))
                accounts[(Platform.FACEBOOK, post)].add(account)
                adds[(Platform.FACEBOOK, post)].append(
                    ReadComment(
                        comment_id=comment_id,
                        kind=kind,
                        parent_id="" if parent == post else parent,
                        author_id=_s(author.get("id"), 64),
                        author_username="",
                        text=text,
                        created_time=_unix(value.get("created_time"), when),
                    )
                )
            else:
                ignored += 1
        elif body["object"] == "instagram" and name == "comments":
            media = _dict(value.get("media"))
            media_id, comment_id = _s(media.get("id")), _s(value.get("id"))
            if not media_id or not comment_id:
                ignored += 1
                continue
            accounts[(Platform.INSTAGRAM, media_id)].add(account)
            adds[(Platform.INSTAGRAM, media_id)].append(
                ReadComment(
                    comment_id=comment_id,
                    kind=SocialComment.Kind.COMMENT,
                    parent_id=_s(value.get("parent_id")),
                    author_id=_s(author.get("id"), 64),
                    author_username=_s(author.get("username"), 100),
                    text=_s(value.get("text"), 8000),
                    created_time=when,
                )
            )
        else:
            ignored += 1
    keys = set(adds) | set(removes)
    # (platform, object id, the account it belongs to) -> its source
    sources = {
        (s.platform, s.object_id, _source_owner(s)): s
        for s in SocialSource.objects.filter(object_id__in=[k[1] for k in keys]).select_related(
            "page", "promotion__campaign"
        )
    }
    outcome = {"stored": 0, "entries": 0, "removed": 0, "ignored": ignored, "unknown_posts": 0}
    for key in keys:
        owners = accounts[key]
        source = sources.get((*key, next(iter(owners)))) if len(owners) == 1 else None
        if source is None:
            # Not a source's, or not from its own account: a source naming another
            # account's media (another brand's) gets nothing of that account's deliveries.
            named = [s.pk for k, s in sources.items() if k[:2] == key]
            if named:
                logger.warning(
                    "social: delivery %s: changes of %s from %s, not the account of %s: ignored",
                    delivery.pk,
                    key[1],
                    ", ".join(sorted(owners)) or "no account",
                    ", ".join(map(str, named)),
                )
            outcome["unknown_posts"] += len(adds.get(key, [])) + len(removes.get(key, []))
            continue
        if adds.get(key):
            result = comments.social_comments_store(source=source, comments=adds[key])
            outcome["stored"] += result.new + result.changed
            outcome["entries"] += result.entries_created
        if removes.get(key):
            outcome["removed"] += comments.social_comment_remove(
                source=source, comment_ids=removes[key]
            )
    if ignored:
        logger.info("social: delivery %s: %d change(s) ignored", delivery.pk, ignored)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        processed_at=timezone.now(), outcome=outcome
    )
    return outcome
