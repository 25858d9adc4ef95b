"""The marketer admin for what consumers do: Facebook's rules on promotions, entries
reviewed (never deleted), code pools, draws, moderation, all scoped by brand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from promotions.draws import services as draws_services
from promotions.models import CouponCode, Draw, Entry, Flag, Promotion, Submission
from tests.factories.promotions import (
    BrandFactory,
    BrandMembershipFactory,
    CampaignFactory,
    EntryFactory,
    PromotionFactory,
    StaffUserFactory,
    SubmissionFactory,
)
from tests.promotions.admin.forms import campaign_form, promotion_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return CampaignFactory()


@pytest.fixture
def manager_client(client, campaign):
    user = BrandMembershipFactory(brand=campaign.brand, user=StaffUserFactory()).user
    client.force_login(user)
    return client


def errors(response):
    assert response.status_code == 200, response.status_code
    return {k: list(v) for k, v in response.context["adminform"].form.errors.items()}


@pytest.mark.parametrize(
    ("kind", "methods", "message"),
    [
        (
            "sweepstakes",
            ["free_form", "like_page"],
            "Facebook forbids requiring a share on a personal timeline, tagging friends or a Like to "
            "enter or to earn entries: remove Like the Page (forbidden by Facebook).",
        ),
        (
            "contest",
            ["free_form", "share_timeline", "tag_friends"],
            "Facebook forbids requiring a share on a personal timeline, tagging friends or a Like to "
            "enter or to earn entries: remove Share on a personal timeline (forbidden by Facebook); "
            "Tag friends (forbidden by Facebook).",
        ),
        (
            "sweepstakes",
            ["purchase"],
            "A sweepstakes that gives entries for purchases must also offer a free way to enter (no "
            "purchase necessary): add the free entry form.",
        ),
    ],
)
def test_a_promotion_facebook_forbids_cannot_be_saved(
    manager_client, campaign, kind, methods, message
):
    response = manager_client.post(
        "/admin/promotions/promotion/add/",
        promotion_form(campaign, kind=kind, entry_methods=methods),
    )

    assert errors(response) == {"entry_methods": [message]}
    assert Promotion.objects.count() == 0


def test_a_sweepstakes_with_purchase_entries_and_a_free_route_is_saved(manager_client, campaign):
    response = manager_client.post(
        "/admin/promotions/promotion/add/",
        promotion_form(campaign, entry_methods=["free_form", "purchase"], countries="fr be"),
    )

    assert response.status_code == 302
    promotion = Promotion.objects.get()
    assert (promotion.entry_methods, promotion.countries) == (["free_form", "purchase"], "BE, FR")


def test_unknown_countries_are_a_form_error(manager_client, campaign):
    response = manager_client.post(
        "/admin/promotions/promotion/add/", promotion_form(campaign, countries="FR, XX")
    )

    assert errors(response) == {
        "countries": ["Not ISO 3166 country codes: XX (use two letters, e.g. FR, BE)."]
    }


def test_entries_are_scoped_by_brand_and_never_deleted(manager_client, campaign):
    mine = EntryFactory(promotion=PromotionFactory(campaign=campaign))
    theirs = EntryFactory()

    listing = manager_client.get("/admin/promotions/entry/")
    delete = manager_client.post(f"/admin/promotions/entry/{mine.pk}/delete/", {"post": "yes"})

    assert [e.pk for e in listing.context["cl"].result_list] == [mine.pk]
    assert manager_client.get(f"/admin/promotions/entry/{theirs.pk}/change/").status_code == 302
    assert delete.status_code == 403
    assert (
        "delete_selected" not in listing.context["action_form"].fields["action"].choices.__str__()
    )
    assert Entry.objects.count() == 2


def test_excluding_entries_asks_for_a_reason_and_keeps_it(manager_client, campaign):
    entry = EntryFactory(promotion=PromotionFactory(campaign=campaign), flagged=True)
    Flag.objects.create(entry=entry, kind="bot", reason="Honeypot.")
    data = {"action": "exclude_entries", ACTION_CHECKBOX_NAME: [entry.pk]}

    asked = manager_client.post("/admin/promotions/entry/", data)
    done = manager_client.post(
        "/admin/promotions/entry/", {**data, "apply": "1", "reason": "Bot farm."}
    )

    assert asked.status_code == 200 and "Reason (kept with the record)" in asked.content.decode()
    assert done.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.exclusion_reason, entry.flagged) == ("excluded", "Bot farm.", False)
    assert Flag.objects.get().status == "upheld"


def test_a_manager_fills_a_code_pool(manager_client, campaign):
    promotion = PromotionFactory(campaign=campaign, kind=Promotion.Kind.OFFER)
    url = f"/admin/promotions/promotion/{promotion.pk}/codes/"

    manager_client.post(url, {"generate": "5", "code_prefix": "spring"})
    manager_client.post(url, {"codes": "HAND-0001\nhand-0002\n\nbad!"})
    page = manager_client.get(url).content.decode()

    assert CouponCode.objects.filter(code__startswith="SPRING-").count() == 5
    assert set(
        CouponCode.objects.filter(code__startswith="HAND").values_list("code", flat=True)
    ) == {"HAND-0001", "HAND-0002"}
    assert "7 codes: 0 handed out, 0 used in the shop." in page


def test_another_brands_code_pool_is_a_404(manager_client):
    foreign = PromotionFactory(kind=Promotion.Kind.OFFER)

    assert manager_client.get(f"/admin/promotions/promotion/{foreign.pk}/codes/").status_code == 404


def test_a_manager_commits_and_runs_a_draw(manager_client, campaign):
    promotion = PromotionFactory(campaign=campaign)
    EntryFactory(promotion=promotion, created_at=timezone.now() - timedelta(hours=2))

    added = manager_client.post(
        "/admin/promotions/draw/add/",
        {
            "promotion": promotion.pk,
            "prize": "",
            "winners_count": "1",
            "alternates_count": "0",
            "reason": "",
        },
    )
    draw = Draw.objects.get()
    early = manager_client.post(
        "/admin/promotions/draw/",
        {"action": "run_draws", ACTION_CHECKBOX_NAME: [draw.pk]},
        follow=True,
    )
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    manager_client.post(
        "/admin/promotions/draw/", {"action": "run_draws", ACTION_CHECKBOX_NAME: [draw.pk]}
    )

    assert added.status_code == 302
    assert "Entries are open until" in early.content.decode()
    draw.refresh_from_db()
    assert draw.status == "drawn" and draw.entry_count == 1


def test_moderation_actions(manager_client, campaign):
    promotion = PromotionFactory(campaign=campaign, kind=Promotion.Kind.CONTEST)
    film = SubmissionFactory(promotion=promotion, status=Submission.Status.PENDING)

    manager_client.post(
        "/admin/promotions/submission/", {"action": "approve", ACTION_CHECKBOX_NAME: [film.pk]}
    )

    film.refresh_from_db()
    assert film.status == "approved"


def test_replacing_a_winner_in_admin_records_the_reason(manager_client, campaign):
    promotion = PromotionFactory(campaign=campaign)
    draw = draws_services.draw_commit(promotion=promotion, winners_count=1, alternates_count=1)
    for _ in range(3):
        EntryFactory(promotion=promotion, created_at=timezone.now() - timedelta(hours=2))
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    done = draws_services.draw_run(draw=draw)

    response = manager_client.post(
        "/admin/promotions/drawreplacement/add/",
        {"draw": done.pk, "replaced_entry": done.winners[0], "reason": "No answer."},
    )

    assert response.status_code == 302
    assert list(done.replacements.values_list("replacement_entry", "reason")) == [
        (done.alternates[0], "No answer.")
    ]


def test_contest_standings_in_admin_follow_the_weighting(manager_client, campaign):
    promotion = PromotionFactory(campaign=campaign, kind=Promotion.Kind.CONTEST, jury_weight=50)
    SubmissionFactory(promotion=promotion, title="Night ride")

    page = manager_client.get(
        f"/admin/promotions/promotion/{promotion.pk}/standings/"
    ).content.decode()

    assert "Score = 50% &times; votes / most votes + 50% &times; jury average / 10." in page
    assert "Night ride" in page


def test_a_campaign_keeps_its_brand_once_made(admin_client, campaign):
    """Its entries, events, codes (unique within the brand) and offers are the brand's."""
    other = BrandFactory()
    url = f"/admin/promotions/campaign/{campaign.pk}/change/"
    add = admin_client.get("/admin/promotions/campaign/add/")
    change = admin_client.get(url)
    posted = admin_client.post(url, campaign_form(other, slug=campaign.slug))

    assert not add.context["adminform"].form.fields["brand"].disabled
    assert change.context["adminform"].form.fields["brand"].disabled
    assert campaign.brand.name in change.content.decode()
    assert posted.status_code == 302
    campaign.refresh_from_db()
    assert campaign.brand_id != other.pk


def test_a_campaign_renamed_to_a_sibling_s_slug_is_a_form_error(admin_client, campaign):
    # given: another campaign of the same brand
    CampaignFactory(brand=campaign.brand, slug="winter")
    url = f"/admin/promotions/campaign/{campaign.pk}/change/"

    # when: the marketer gives this one the same address
    answer = admin_client.post(url, campaign_form(campaign.brand, slug="winter"))

    # then: the form says so (the slug is unique within the brand), nothing changes
    assert errors(answer) == {"__all__": ["Campaign with this Brand and Slug already exists."]}
    campaign.refresh_from_db()
    assert campaign.slug != "winter"


def test_a_promotion_moves_between_campaigns_of_its_brand_only(admin_client, campaign):
    promotion = PromotionFactory(campaign=campaign, slug="spring-draw")
    sibling = CampaignFactory(brand=campaign.brand)
    foreign = CampaignFactory()
    url = f"/admin/promotions/promotion/{promotion.pk}/change/"

    refused = admin_client.post(url, promotion_form(foreign))
    promotion.refresh_from_db()
    assert promotion.campaign_id == campaign.pk
    assert errors(refused)["campaign"] == [
        "A promotion stays with its brand (its entries, codes and offers are the brand's): "
        f"choose a campaign of {campaign.brand.name}."
    ]

    moved = admin_client.post(url, promotion_form(sibling))
    promotion.refresh_from_db()
    assert moved.status_code == 302 and promotion.campaign_id == sibling.pk
