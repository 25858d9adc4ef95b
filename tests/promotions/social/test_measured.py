"""Entries from posts are counted like every entry: tracking's rollups (partner insights
``entries``), and the promotion dashboard's tables per post and per hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from promotions.social import importer
from tests.factories import UserFactory
from tests.fakes import graph_comments
from tests.promotions.social.conftest import POST_ID, giveaway
from tracking import services as tracking_services
from tracking import stream
from tracking.models import BreakdownRollup, HourlyRollup

pytestmark = pytest.mark.django_db

POST = POST_ID.split("_")[1]


def test_entries_from_a_post_reach_the_rollups_and_the_dashboard(
    graph_post, client, django_capture_on_commit_callbacks
):
    promotion, _ = giveaway(weighting="per_comment", keyword="go")
    at = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(
            f"{POST}_{i}",
            author=f"{80 + i}",
            message="go" if i < 3 else "no",
            at=at + timedelta(minutes=i),
        )
        for i in range(4)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        importer.social_promotion_import(promotion=promotion)
    with django_capture_on_commit_callbacks(execute=True):
        importer.social_promotion_import(promotion=promotion)  # counted once
    if stream.enabled():  # with Redis, the consumer stores what the import published
        tracking_services.events_consume(until_empty=True, block_ms=10)

    hourly = HourlyRollup.objects.filter(promotion_id=promotion.pk)
    assert hourly.aggregate(n=Sum("entries"))["n"] == 3
    assert list(hourly.values_list("hour", flat=True)) == [at]
    by_source = BreakdownRollup.objects.filter(promotion_id=promotion.pk, source="facebook")
    assert by_source.aggregate(n=Sum("entries"))["n"] == 3
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/promotions/promotion/{promotion.pk}/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Entries per post" in html and POST_ID in html
    # The page says what a reason and an hour are; the CSV keeps the code and the ISO time.
    assert "Required keyword or hashtag missing" in html and "no_keyword" not in html
    assert f"{at:%-d %b %Y, %H:%M} UTC" in html and at.isoformat() not in html
    csv = client.get(f"/admin/promotions/promotion/{promotion.pk}/dashboard/?export=post_hours")
    assert csv.content.decode().splitlines()[1:] == [f"{at.isoformat()},3"]
    reasons = client.get(
        f"/admin/promotions/promotion/{promotion.pk}/dashboard/?export=post_exclusions"
    )
    assert reasons.content.decode().splitlines() == ["reason,comments", "no_keyword,1"]
