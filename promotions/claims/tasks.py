"""Background work for claims: plain functions that load by id and call a service or an
email, safe to run twice (schedules in config/schedules.py; the rest queued on commit)."""

from __future__ import annotations

import logging
from datetime import datetime

from promotions.claims import emails
from promotions.claims import privacy as claims_privacy
from promotions.claims import selectors as claims_selectors
from promotions.claims import services as claims_services
from promotions.claims.models import PrizeClaim
from promotions.reports import alerts
from promotions.social import replies as social_replies
from tracking.queue import sweep

logger = logging.getLogger(__name__)


def claim_notification_send(claim_id: int) -> bool:
    return emails.claim_notification_send(claim_id=claim_id)


def claim_reminder_send(claim_id: int) -> bool:
    return emails.claim_reminder_send(claim_id=claim_id)


def claim_received_send(claim_id: int) -> bool:
    return emails.claim_received_send(claim_id=claim_id)


def claim_unreachable_send(claim_id: int) -> bool:
    return emails.claim_unreachable_send(claim_id=claim_id)


def claim_private_reply_failed(entry_id: int) -> int:
    return claims_services.claim_private_reply_failed(entry_id=entry_id)


def claim_private_reply_sent(entry_id: int, at: str) -> int:
    return claims_services.claim_private_reply_sent(
        entry_id=entry_id, at=datetime.fromisoformat(at)
    )


def claims_notices_resend() -> int:
    """Every 10 minutes: winners whose "you won" has not gone out (a failed task is not run
    again), told now; each once however often this runs. Returns how many were told."""
    return sweep(
        claims_selectors.claims_notice_due(),
        _claim_notice_resend,
        what="promotions: claim %s: winner's notice",
    )


def _claim_notice_resend(claim_id: int) -> bool:
    """The email sent again; or a private reply that went out, recorded as telling now."""
    claim = PrizeClaim.objects.get(pk=claim_id)
    if claim.channel == PrizeClaim.Channel.EMAIL:
        return emails.claim_notification_send(claim_id=claim_id)
    sent_at = social_replies.social_private_reply_sent_at(entry_id=claim.entry_id)
    if sent_at is None:
        return False
    return claims_services.claim_private_reply_sent(entry_id=claim.entry_id, at=sent_at) > 0


def claim_shipped_send(claim_id: int) -> bool:
    return emails.claim_shipped_send(claim_id=claim_id)


def entry_confirmation_send(entry_id: int) -> bool:
    return emails.entry_confirmation_send(entry_id=entry_id)


def entry_confirmations_send(entry_ids: list[int]) -> int:
    """A batch's confirmations, one email per entry (each once, as above); how many sent."""
    return sum(emails.entry_confirmation_send(entry_id=pk) for pk in entry_ids)


def entry_confirmations_resend() -> int:
    """Every 10 minutes: the entry confirmations that failed (a failed task is not run
    again); each is sent once however often this runs. Returns how many went."""
    return sweep(
        claims_selectors.entries_confirmation_due(),
        lambda pk: emails.entry_confirmation_send(entry_id=pk),
        what="promotions: entry %s: confirmation email",
    )


def draw_done_send(draw_id: int) -> bool:
    return emails.draw_done_send(draw_id=draw_id)


def draw_complete_after_import(draw_id: int, user_id: int | None = None) -> bool:
    """The admin's "Run" of a comment giveaway: its final import, then the draw."""
    from django.contrib.auth import get_user_model

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return claims_services.draw_complete_after_import(draw_id=draw_id, by=by) is not None


def claims_unfilled_alert(campaign_id: int) -> str:
    return alerts.alert_rule_unfilled_raise(campaign_id=campaign_id)


def claims_expire_due() -> int:
    done = claims_services.claims_expire_due()
    if done:
        logger.info("promotions: %d claim(s) expired and passed on", done)
    return done


def claims_remind_due() -> int:
    return claims_services.claims_remind_due()


def claims_data_purge_due() -> int:
    done = claims_privacy.claims_data_purge_due()
    if done:
        logger.info("promotions: deleted the data of %d claim(s)", done)
    return done
