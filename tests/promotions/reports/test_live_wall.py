"""The live wall: who may open it, what it shows (no personal data beyond a first name
and an initial), and the cached snapshot it polls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.test import Client

from promotions.models import Submission
from promotions.reports.live import live_wall_url
from tests.factories import BrandFactory, BrandMembershipFactory, CampaignFactory, PromotionFactory
from tests.factories.promotions import EntryFactory, PersonFactory, SubmissionFactory
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    brand = BrandFactory(slug="nova", timezone="Europe/Paris")
    return CampaignFactory(brand=brand, slug="launch", name="Launch week")


def test_the_walls_link_opens_it_without_signing_in(client, campaign):
    promotion = PromotionFactory(campaign=campaign, title="Giveaway")
    EntryFactory(promotion=promotion, person=PersonFactory(name="Marie-Claire Dupont"))
    EntryFactory(promotion=promotion, person=PersonFactory(name=""))
    SubmissionFactory(
        promotion__campaign=campaign,
        title="Night ride",
        person=PersonFactory(name="Léo Martin", email="leo@example.com"),
    )
    SubmissionFactory(
        promotion__campaign=campaign,
        title="Hidden",
        person=PersonFactory(name="Zoé Bernard"),
        status=Submission.Status.PENDING,
    )
    ids = (promotion.pk, campaign.pk, campaign.brand_id)
    now = datetime.now(UTC)
    events_store([TrackedEvent(uuid.uuid4(), now, "impression", *ids) for _ in range(20)])
    events_store([TrackedEvent(uuid.uuid4(), now, "click", *ids) for _ in range(5)])

    page = client.get(live_wall_url(campaign=campaign))
    data = client.get(page.context["snapshot_url"]).json()

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert data["counters"] == {
        "impressions": 20,
        "clicks": 5,
        "ctr": 0.25,
        "entries": 4,  # each submission is an entry too, moderated or not
        "submissions": 1,
    }
    assert [e["name"] for e in data["entries"]] == [
        "Zoé B.",
        "Léo M.",
        "A participant",
        "Marie-Claire D.",
    ]
    assert [(s["title"], s["name"]) for s in data["submissions"]] == [("Night ride", "Léo M.")]
    body = page.content.decode() + str(data)
    for private in ("Dupont", "Martin", "Bernard", "Hidden", "leo@example.com", "@"):
        assert private not in body


def test_an_excluded_entrys_submission_leaves_the_wall(client, campaign):
    from promotions.entries import services as entries_services

    kept = SubmissionFactory(promotion__campaign=campaign, title="Night ride")
    excluded = SubmissionFactory(promotion=kept.promotion, title="Copied film")
    entries_services.entry_exclude(entry=excluded.entry, reason="Plagiarised film")

    page = client.get(live_wall_url(campaign=campaign))
    data = client.get(page.context["snapshot_url"]).json()

    assert data["counters"]["submissions"] == 1
    assert [s["title"] for s in data["submissions"]] == ["Night ride"]


def test_without_the_key_only_the_brands_staff_see_the_wall(client, campaign):
    other = BrandFactory()
    stranger = BrandMembershipFactory(brand=other).user
    member = BrandMembershipFactory(brand=campaign.brand, role="analyst").user
    url = "/live/nova/launch/"

    assert client.get(url).status_code == 404
    assert client.get(url + "snapshot.json").status_code == 404
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 200
    assert client.get(url + "snapshot.json").status_code == 200


def test_a_key_for_another_campaign_opens_nothing(client, campaign):
    other = CampaignFactory(brand=campaign.brand, slug="summer")
    key = live_wall_url(campaign=other).split("key=")[1]

    assert client.get(f"/live/nova/launch/?key={key}").status_code == 404
    assert client.get("/live/nova/launch/snapshot.json?key=forged").status_code == 404


def test_ten_screens_cost_one_snapshot(campaign, settings, django_assert_num_queries):
    settings.LIVE_WALL_CACHE_SECONDS = 60  # one computation for every poll of this test
    EntryFactory(promotion__campaign=campaign)
    url = live_wall_url(campaign=campaign).replace("/?key=", "/snapshot.json?key=")
    screens = [Client() for _ in range(10)]
    first = screens[0].get(url).json()

    with django_assert_num_queries(9):  # nine more polls: one campaign lookup each
        later = [screen.get(url).json() for screen in screens[1:]]

    assert all(snapshot == first for snapshot in later)
