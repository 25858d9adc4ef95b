"""What a visitor may see of a brand's campaigns and promotions (hub, tab, previews)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from promotions.campaigns.action_cache import action_cached
from promotions.campaigns.models import Brand, BrandMembership, Campaign, Promotion, Status


class Gone(Exception):
    """The thing existed and is over: the page answers 410 with a friendly message."""

    def __init__(
        self, message: str, campaign: Campaign | None = None, promotion: Promotion | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.campaign = campaign
        self.promotion = promotion


def _ended_text(thing: Campaign | Promotion) -> str:
    name = thing.name if isinstance(thing, Campaign) else thing.title
    return _("%(name)s has ended. Thank you for taking part!") % {"name": name}


# Worded when shown, in the page's language (the page's language is chosen later).
_ended = lazy(_ended_text, str)


@dataclass(frozen=True)
class Hub:
    campaign: Campaign
    promotions: list[Promotion]
    preview: bool


def user_can_preview(*, user: AbstractBaseUser | AnonymousUser, brand: Brand) -> bool:
    """Staff of the brand (and superusers) see drafts and upcoming promotions as a preview."""
    if not getattr(user, "is_staff", False):
        return False
    return Brand.objects.for_user(user).filter(pk=brand.pk).exists()


def campaign_get_for_page(
    *,
    brand_slug: str,
    campaign_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
) -> tuple[Campaign, bool]:
    """The campaign a hub shows, and whether the viewer previews it as the brand's staff.

    Staff of the brand see drafts and upcoming things; for everybody else unknown or draft
    campaigns are 404 and finished ones raise ``Gone`` (410).
    """
    at = at or timezone.now()
    campaign = (
        Campaign.objects.select_related("brand")
        .filter(brand__slug=brand_slug, slug=campaign_slug)
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign.")
    return _campaign_visible(campaign=campaign, user=user, at=at)


def _campaign_visible(
    *, campaign: Campaign, user: AbstractBaseUser | AnonymousUser, at: datetime
) -> tuple[Campaign, bool]:
    if user_can_preview(user=user, brand=campaign.brand):
        return campaign, True
    if campaign.is_live(at):
        return campaign, False
    if campaign.status != Status.DRAFT and campaign.is_finished(at):
        raise Gone(_ended(campaign), campaign)
    raise Http404("This campaign is not open.")


def hub_get(
    *,
    brand_slug: str,
    campaign_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
) -> Hub:
    at = at or timezone.now()
    campaign, preview = campaign_get_for_page(
        brand_slug=brand_slug, campaign_slug=campaign_slug, user=user, at=at
    )
    promotions = campaign.promotions.all() if preview else campaign.promotions.live(at)
    if preview:
        promotions = promotions.exclude(status=Status.ENDED)
    return Hub(campaign=campaign, promotions=list(promotions), preview=preview)


def promotion_get_for_page(
    *,
    brand_slug: str,
    campaign_slug: str,
    promotion_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
    cached: bool = False,
) -> tuple[Promotion, bool]:
    """The promotion a tab shows and whether it is a preview; 404 or ``Gone`` otherwise.
    ``cached``: an action's read, which may be a few seconds old (``action_cache``)."""
    at = at or timezone.now()

    def load() -> Promotion | None:
        # One query with its campaign and brand (every tab view and entry starts here).
        return (
            Promotion.objects.select_related("campaign__brand")
            .filter(
                campaign__brand__slug=brand_slug, campaign__slug=campaign_slug, slug=promotion_slug
            )
            .first()
        )

    key = ("promotion", brand_slug, campaign_slug, promotion_slug)
    promotion = action_cached(key, load) if cached else load()
    # The campaign's own checks come first, as when it is read alone.
    if promotion is None:
        campaign_get_for_page(brand_slug=brand_slug, campaign_slug=campaign_slug, user=user, at=at)
        raise Http404("No such promotion.")
    campaign, preview = _campaign_visible(campaign=promotion.campaign, user=user, at=at)
    if preview or promotion.is_live(at):
        return promotion, preview
    if promotion.status != Status.DRAFT and promotion.is_finished(at):
        raise Gone(_ended(promotion), campaign, promotion)
    raise Http404("This promotion is not open.")


def brand_manager_emails(*, brand_id: int) -> list[str]:
    """The addresses of the brand's active managers: whom alerts and "draw made" go to
    when nobody named others."""
    managers = BrandMembership.objects.filter(
        brand_id=brand_id, role=BrandMembership.Role.MANAGER, user__is_active=True
    ).exclude(user__email="")
    return sorted(managers.values_list("user__email", flat=True))
