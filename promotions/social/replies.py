"""Replies to the comments that won: public (a comment under it) and private (Messenger),
and the public reminder before the claim deadline, each once per comment, sent by the
worker and retried with backoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from promotions.entries.models import Entry
from promotions.social.models import (
    Platform,
    SocialComment,
    SocialReply,
    SocialReplyAttempt,
    SocialRules,
)
from promotions.social.services import template_names
from promotions.social.texts import social_reply_public_text, social_reply_reminder_text
from tracking.queue import task_enqueue


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
    rules = _rules_get(entry)
    if rules is None or not (rules.reply_public or rules.reply_private):
        return []
    if rules.reply_private and "claim_url" not in template_names(rules.reply_text):
        return []  # refused by the rules' check: the winner would never get the link
    comment = social_winning_comment_get(entry=entry)
    if comment is None:
        return []
    texts = []
    if rules.reply_public:
        texts.append((SocialReply.Kind.PUBLIC, social_reply_public_text(rules=rules)))
    if rules.reply_private:
        texts.append((SocialReply.Kind.PRIVATE, rules.reply_text.format(claim_url=link)))
    with transaction.atomic():
        return [_reply_queue(comment, kind, entry, text, at) for kind, text in texts]


def social_winner_remind(
    *, entry: Entry, deadline: datetime, at: datetime | None = None
) -> SocialReply | None:
    """Queue the public reminder under the comment that won with ``entry``, whose prize is
    not claimed by ``deadline`` yet: once per comment, and only where the rules reply in
    public (a brand that keeps replies private gets no public comment). The private reply
    cannot be sent twice (Messenger takes one per comment), so the reminder says where to
    look, never the link. None when nothing can be queued."""
    at = at or timezone.now()
    rules = _rules_get(entry)
    comment = social_winning_comment_get(entry=entry)
    if rules is None or not rules.reply_public or comment is None:
        return None
    text = social_reply_reminder_text(rules=rules, deadline=deadline)
    return _reply_queue(comment, SocialReply.Kind.REMINDER, entry, text, at)


def _rules_get(entry: Entry) -> SocialRules | None:
    return (
        SocialRules.objects.filter(promotion_id=entry.promotion_id)
        .select_related("promotion__campaign__brand")
        .first()
    )


def _reply_queue(
    comment: SocialComment, kind: str, entry: Entry, text: str, at: datetime
) -> SocialReply:
    """The comment's reply of this kind, made and queued for the worker (after commit) the
    first time; the one already made after that."""
    reply, made = SocialReply.objects.get_or_create(
        comment=comment,
        kind=kind,
        defaults={"entry": entry, "text": text, "next_attempt_at": at, "created_at": at},
    )
    if made:
        task_enqueue("promotions.social.tasks.social_reply_send", reply.pk)
    return reply


def social_winning_comment_get(*, entry: Entry) -> SocialComment | None:
    """The comment an entry won with (its first entered one), or None: an entry that did
    not come from a comment (a reaction has no comment to answer)."""
    return (
        SocialComment.objects.filter(entry=entry, status=SocialComment.Status.ENTERED)
        .filter(source__promotion__social_rules__entry_kind=SocialRules.EntryKind.COMMENTS)
        .order_by("created_time", "id")
        .first()
    )


def social_private_reply_sent_at(*, entry_id: int) -> datetime | None:
    """When the private reply to an entry's winning comment went out, if it did."""
    return (
        SocialReply.objects.filter(
            entry_id=entry_id, kind=SocialReply.Kind.PRIVATE, status=SocialReply.Status.SENT
        )
        .values_list("sent_at", flat=True)
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
        if reply.kind in (SocialReply.Kind.PUBLIC, SocialReply.Kind.REMINDER):
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
            if reply.kind == SocialReply.Kind.PRIVATE:  # the claim link reached the winner
                task_enqueue(
                    "promotions.claims.tasks.claim_private_reply_sent",
                    reply.entry_id,
                    at.isoformat(),
                )
        elif final or reply.attempts >= settings.SOCIAL_REPLY_MAX_ATTEMPTS:
            reply.status, reply.last_error = SocialReply.Status.FAILED, error
            if reply.kind == SocialReply.Kind.PRIVATE:  # the claim link reached nobody
                task_enqueue("promotions.claims.tasks.claim_private_reply_failed", reply.entry_id)
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
