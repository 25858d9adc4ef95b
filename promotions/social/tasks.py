"""Background work of comment giveaways: plain functions that load by id and call a
service, safe to run twice (schedules in config/schedules.py)."""

from __future__ import annotations

import logging

from promotions.social import comments, importer, replies, webhooks

logger = logging.getLogger(__name__)


def social_imports_run() -> dict[str, int]:
    """Every few minutes: a pass over each open promotion's posts, and the final import
    of those that closed."""
    result = importer.social_imports_due()
    if result.read:
        logger.info(
            "social: read %d, new %d, entries %d", result.read, result.new, result.entries_created
        )
    return {"read": result.read, "new": result.new, "entries": result.entries_created}


def social_promotion_import_run(promotion_id: int) -> dict[str, int]:
    """An import asked for in admin ("Import now")."""
    from promotions.campaigns.models import Promotion

    promotion = Promotion.objects.filter(pk=promotion_id).first()
    if promotion is None:
        return {}
    result = importer.social_promotion_import(promotion=promotion)
    return {"read": result.read, "new": result.new, "entries": result.entries_created}


def social_promotion_rejudge(promotion_id: int) -> int:
    """After the rules changed in admin: every stored comment judged again."""
    from promotions.campaigns.models import Promotion

    promotion = Promotion.objects.filter(pk=promotion_id).select_related("campaign").first()
    return 0 if promotion is None else comments.social_promotion_rejudge(promotion=promotion)


def social_webhook_process(delivery_id: int) -> dict[str, int]:
    return webhooks.social_webhook_process(delivery_id=delivery_id)


def social_reply_send(reply_id: int) -> None:
    replies.social_reply_send(reply_id=reply_id)


def social_replies_send_due() -> int:
    return replies.social_replies_send_due()
