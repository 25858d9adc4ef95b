"""Comment giveaways: a sweepstakes of a brand with a connected Page and one post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.social.models import SocialRules
from tests.factories.promotions import (
    CampaignFactory,
    ConnectedPageFactory,
    PromotionFactory,
    SocialSourceFactory,
)
from tests.fakes import graph_comments

PAGE_ID = "102030405060"
POST_ID = f"{PAGE_ID}_777888999"
TOKEN = "page-token-for-tests"


def giveaway(*, open_now: bool = True, weighting: str = "per_person", **rules):
    """A sweepstakes that takes entries from one Facebook post; returns (promotion, source)."""
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - timedelta(days=20), ends_at=now + timedelta(days=20))
    promotion = PromotionFactory(
        campaign=campaign,
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=2) if open_now else now - timedelta(hours=1),
    )
    page = ConnectedPageFactory(
        brand=campaign.brand,
        page_id=PAGE_ID,
        access_token=TOKEN,
        instagram_account_id="17841400000000001",
        instagram_username="brandgram",
    )
    SocialRules.objects.create(promotion=promotion, weighting=weighting, **rules)
    source = SocialSourceFactory(promotion=promotion, page=page, object_id=POST_ID)
    return promotion, source


@pytest.fixture
def graph_post(fake_graph):
    """The fake Graph with the post (no comments yet); tests add them."""
    graph_comments.post_add(fake_graph, post_id=POST_ID, page_id=PAGE_ID, token=TOKEN)
    return fake_graph
