"""Words a comment giveaway says in public, under the winning comment: in the interface
catalogs (config/catalogs.py reads this module), written in the brand's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from promotions.social.models import SocialRules


def social_reply_public_text(*, rules: SocialRules) -> str:
    """The public reply under a winning comment, seen by everyone: the rules' public text
    as written (never a template: nothing is put into it, so the claim link cannot be),
    or the default in the brand's language."""
    if rules.reply_public_text.strip():
        return rules.reply_public_text.strip()
    with translation.override(rules.promotion.campaign.brand.language):
        return _("This comment won! Check your private messages to claim the prize.")
