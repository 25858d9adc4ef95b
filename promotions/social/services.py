"""Writes of comment and reaction giveaways' sources and rules: a post or media taken as a
source, and the rules that judge its comments, checked against what Facebook allows (a
rules change queues a new judgement of every stored comment).

Storing what the import and the webhooks read is in ``promotions.social.comments``; the
entries made from stored comments in ``promotions.social.comment_entries``; the replies to
winners in ``promotions.social.replies``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from promotions.campaigns.models import Promotion
from promotions.draws.models import Draw
from promotions.social.models import Platform, SocialRules, SocialSource
from promotions.social.rules import post_ref_parse
from tracking.queue import task_enqueue


def social_rules_get_or_default(*, promotion: Promotion) -> SocialRules:
    rules = SocialRules.objects.filter(promotion=promotion).first()
    return rules or SocialRules(promotion=promotion)


def social_rules_change_check(*, rules: SocialRules) -> None:
    """Rules stored already are frozen once a draw is made: its certificate states them."""
    drawn = Draw.objects.filter(promotion=rules.promotion, status=Draw.Status.DRAWN)
    if rules.pk and drawn.exists():
        raise ValidationError(
            _("The rules cannot change once the draw is made: its certificate states them.")
        )


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
        names = template_names(rules.reply_text)
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
    if rules.reply_public_text and template_names(rules.reply_public_text):
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


def template_names(template: str) -> set[str]:
    """The ``{names}`` a reply template uses (``{"?"}`` for one that is not a valid template)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"?"}


def social_rules_save(*, rules: SocialRules) -> SocialRules:
    if rules.promotion.kind != Promotion.Kind.SWEEPSTAKES:
        raise ValidationError(_("Comment and reaction giveaways are sweepstakes."))
    social_rules_change_check(rules=rules)
    platforms = SocialSource.objects.filter(promotion=rules.promotion).values_list(
        "platform", flat=True
    )
    social_rules_check(rules=rules, platforms=platforms)
    rules.full_clean()
    rules.save()
    promotion_id = rules.promotion_id
    task_enqueue("promotions.social.tasks.social_promotion_rejudge", promotion_id)
    return rules


def social_promotion_window_changed(*, promotion: Promotion) -> None:
    """A promotion's window moved: its stored comments are judged again in the background
    (a comment before the old start counts once the start moves back; one before a later
    start no longer does), as after a change of its rules."""
    if SocialSource.objects.filter(promotion=promotion).exists():
        task_enqueue("promotions.social.tasks.social_promotion_rejudge", promotion.pk)


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
