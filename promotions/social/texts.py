"""Words of comment giveaways in the interface catalogs (config/catalogs.py reads this
module): what is said in public under the winning comment, in the brand's language, and
the alert a brand's managers get when a connected Page's token stops working."""

from __future__ import annotations

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from promotions.campaigns.zones import moment_display
from promotions.social.models import SocialRules


def social_reply_public_text(*, rules: SocialRules) -> str:
    """The public reply under a winning comment, seen by everyone: the rules' public text
    as written (never a template: nothing is put into it, so the claim link cannot be),
    or the default in the brand's language."""
    if rules.reply_public_text.strip():
        return rules.reply_public_text.strip()
    with translation.override(rules.promotion.campaign.brand.language):
        return _("This comment won! Check your private messages to claim the prize.")


def social_reply_reminder_text(*, rules: SocialRules, deadline: datetime) -> str:
    """The public reminder under a winning comment whose prize is not claimed yet, in the
    brand's language, with the deadline as the campaign's pages show it: no link, no name."""
    campaign = rules.promotion.campaign
    with translation.override(campaign.brand.language):
        return _(
            "Reminder: this comment won! Check your private messages and claim the prize "
            "before %(deadline)s."
        ) % {"deadline": moment_display(campaign, deadline)}


def token_alert_texts(*, page_name: str, status_label: str, error: str) -> tuple[str, str]:
    """The subject and message of the alert a connected Page's broken token sends, in the
    active language (the brand's: ``alerts.brand_alert_send``)."""
    return (
        _("Facebook Page “%(name)s” disconnected") % {"name": page_name},
        _(
            "The token of the Facebook Page “%(name)s” no longer works (%(status)s: "
            "%(error)s).\n\n"
            "Its comments are no longer imported. Connect the Page again in the admin "
            "(Connected Pages → Connect a Facebook Page)."
        )
        % {"name": page_name, "status": status_label, "error": error},
    )
