"""A marketer sees and edits only the brands they belong to (PRODUCT.md, Marketer views)."""

from __future__ import annotations

import pytest

from promotions.models import Brand, BrandMembership, Campaign, Promotion
from tests.factories import BrandFactory, BrandMembershipFactory, CampaignFactory, StaffUserFactory
from tests.promotions.admin.conftest import _world, admin_url, changelist_ids, filter_choices
from tests.promotions.admin.forms import api_key_form, campaign_form, promotion_form
from tracking.models import ApiKey

pytestmark = pytest.mark.django_db


# --- changelists --------------------------------------------------------------------------


def test_manager_sees_only_their_brand_in_every_changelist(as_manager, alpha, bravo, shared_key):
    for model, mine in [
        (Brand, alpha.brand),
        (Campaign, alpha.campaign),
        (Promotion, alpha.promotion),
        (ApiKey, alpha.key),
    ]:
        # when
        response = as_manager.get(admin_url(mine, "changelist"))

        # then
        assert changelist_ids(response) == {mine.pk}, model
        body = response.content.decode()
        assert "Alpha" in body
        assert "Bravo" not in body, f"{model.__name__} changelist leaks brand Bravo"


def test_superuser_sees_every_brand(as_superuser, alpha, bravo, shared_key):
    assert changelist_ids(as_superuser.get("/admin/promotions/brand/")) == {
        alpha.brand.pk,
        bravo.brand.pk,
    }
    assert changelist_ids(as_superuser.get("/admin/promotions/campaign/")) == {
        alpha.campaign.pk,
        bravo.campaign.pk,
    }
    assert changelist_ids(as_superuser.get("/admin/promotions/promotion/")) == {
        alpha.promotion.pk,
        bravo.promotion.pk,
    }
    assert changelist_ids(as_superuser.get("/admin/tracking/apikey/")) == {
        alpha.key.pk,
        bravo.key.pk,
        shared_key.pk,
    }


def test_list_filters_offer_only_the_users_brands(client, manager, alpha, bravo, shared_key):
    # given: the manager of Alpha also manages Charlie (with one brand, Django hides the filter)
    charlie = _world("Charlie", "charlie")
    BrandMembershipFactory(user=manager, brand=charlie.brand, role="manager")
    client.force_login(manager)

    # when
    promotions = filter_choices(client.get("/admin/promotions/promotion/"))
    campaigns = filter_choices(client.get("/admin/promotions/campaign/"))
    keys = filter_choices(client.get("/admin/tracking/apikey/"))

    # then
    assert promotions["brand"] == ["Alpha Brand", "Charlie Brand"]
    assert sorted(promotions["campaign"]) == ["alpha/alpha-launch", "charlie/charlie-launch"]
    assert campaigns["brand"] == ["Alpha Brand", "Charlie Brand"]
    assert keys["brands"] == ["Alpha Brand", "Charlie Brand"]


def test_superuser_filters_offer_every_brand(as_superuser, alpha, bravo):
    promotions = filter_choices(as_superuser.get("/admin/promotions/promotion/"))

    assert promotions["brand"] == ["Alpha Brand", "Bravo Brand"]


def test_live_now_filter(as_manager, alpha):
    paused = CampaignFactory(brand=alpha.brand, status="paused", slug="paused")

    live = changelist_ids(as_manager.get("/admin/promotions/campaign/?live=yes"))
    not_live = changelist_ids(as_manager.get("/admin/promotions/campaign/?live=no"))

    assert live == {alpha.campaign.pk}
    assert not_live == {paused.pk}


def test_key_shared_with_another_brand_stays_hidden(as_manager, alpha, shared_key):
    response = as_manager.get(admin_url(shared_key))

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


# --- another brand's objects by direct URL -------------------------------------------------


@pytest.mark.parametrize("thing", ["brand", "campaign", "promotion", "key"])
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_brands_object_is_as_if_it_did_not_exist(as_manager, bravo, thing, view):
    obj = getattr(bravo, thing)

    response = as_manager.get(admin_url(obj, view))

    if thing == "brand" and view == "delete":
        # Nobody but a superuser deletes brands: refused before the object is looked up.
        assert response.status_code == 403
    else:
        # Django's admin redirects to the index for an object outside get_queryset(), with
        # the same "doesn't exist" message as for an unknown id.
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


def test_unknown_id_answers_exactly_like_another_brands_object(as_manager, bravo):
    unknown = as_manager.get("/admin/promotions/campaign/999999/change/", follow=True)
    foreign = as_manager.get(admin_url(bravo.campaign), follow=True)

    assert unknown.redirect_chain == [("/admin/", 302)]
    assert foreign.redirect_chain == [("/admin/", 302)]
    message = [str(m) for m in foreign.context["messages"]]
    assert message == [
        f"campaign with ID “{bravo.campaign.pk}” doesn’t exist. Perhaps it was deleted?"  # noqa: RUF001 (Django's own typography)
    ]


def test_posting_to_another_brands_object_changes_nothing(as_manager, bravo):
    response = as_manager.post(
        admin_url(bravo.promotion), promotion_form(bravo.campaign, title="Hacked")
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    bravo.promotion.refresh_from_db()
    assert bravo.promotion.title == "Bravo Giveaway"


def test_staff_without_membership_sees_nothing(client, alpha):
    client.force_login(StaffUserFactory())

    index = client.get("/admin/")
    changelist = client.get("/admin/promotions/campaign/")
    change = client.get(admin_url(alpha.campaign))

    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert changelist.status_code == 403
    assert change.status_code == 403


def test_membership_grants_the_model_permissions_without_ticked_boxes(as_manager, manager):
    assert manager.user_permissions.count() == 0 and manager.groups.count() == 0

    index = as_manager.get("/admin/")

    models = {
        m["object_name"]: m["perms"]
        for app in index.context["app_list"]
        if app["app_label"] in ("promotions", "tracking")
        for m in app["models"]
    }
    assert set(models) == {
        "Brand",
        "Campaign",
        "Promotion",
        "ApiKey",
        # What hangs off promotions (DataDeletionRequest is for superusers only).
        "Draw",
        "DrawReplacement",
        "Entry",
        "Flag",
        "Person",
        "Prize",
        "PrizeClaim",
        "Submission",
        # Alerts (promotions) and report subscriptions (tracking): see their own tests.
        "AlertRule",
        "AlertIncident",
        "ReportSubscription",
        "ReportPush",
        # Connected Facebook Pages: tests/promotions/social/test_connect_admin.py.
        "ConnectedPage",
        # Comment giveaways (promotions.social; webhook deliveries are for superusers only).
        "SocialSource",
        "SocialRules",
        "SocialComment",
        "SocialReply",
        # Partner webhooks (tracking): tests/promotions/admin/test_webhooks_admin.py.
        "WebhookSubscription",
        "WebhookDelivery",
    }
    assert models["Campaign"] == {"add": True, "change": True, "delete": True, "view": True}
    assert models["Brand"] == {"add": False, "change": True, "delete": False, "view": True}


# --- choices in forms ----------------------------------------------------------------------


def test_promotion_form_offers_only_the_users_campaigns(as_manager, alpha, bravo):
    response = as_manager.get("/admin/promotions/promotion/add/")

    field = response.context["adminform"].form.fields["campaign"]
    assert list(field.queryset) == [alpha.campaign]
    assert "Bravo" not in response.content.decode()


def test_promotion_in_another_brands_campaign_is_refused(as_manager, alpha, bravo):
    response = as_manager.post(
        "/admin/promotions/promotion/add/", promotion_form(bravo.campaign, slug="sneaky")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "campaign": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not Promotion.objects.filter(slug="sneaky").exists()


def test_campaign_for_another_brand_is_refused(as_manager, bravo):
    response = as_manager.post("/admin/promotions/campaign/add/", campaign_form(bravo.brand))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "brand": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not Campaign.objects.filter(slug="summer").exists()


def test_api_key_for_another_brand_is_refused(as_manager, alpha, bravo):
    before = ApiKey.objects.count()

    response = as_manager.post("/admin/tracking/apikey/add/", api_key_form([bravo.brand]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "brands": [f"Select a valid choice. {bravo.brand.pk} is not one of the available choices."]
    }
    assert ApiKey.objects.count() == before


def test_manager_creates_a_campaign_and_a_promotion(as_manager, alpha):
    response = as_manager.post("/admin/promotions/campaign/add/", campaign_form(alpha.brand))
    assert response.status_code == 302
    campaign = Campaign.objects.get(brand=alpha.brand, slug="summer")

    response = as_manager.post("/admin/promotions/promotion/add/", promotion_form(campaign))

    assert response.status_code == 302
    assert response["Location"] == "/admin/promotions/promotion/"
    assert campaign.promotions.get().title == "Spring draw"


# --- roles -----------------------------------------------------------------------------------


def test_analyst_views_but_cannot_change(as_analyst, alpha):
    changelist = as_analyst.get("/admin/promotions/promotion/")
    view = as_analyst.get(admin_url(alpha.promotion))
    post = as_analyst.post(admin_url(alpha.promotion), promotion_form(alpha.campaign))
    add = as_analyst.get("/admin/promotions/promotion/add/")
    delete = as_analyst.post(admin_url(alpha.promotion, "delete"), {"post": "yes"})

    assert changelist_ids(changelist) == {alpha.promotion.pk}
    assert view.status_code == 200
    assert view.context["title"] == "View promotion"
    assert 'name="_save"' not in view.content.decode()
    assert post.status_code == 403
    assert add.status_code == 403
    assert delete.status_code == 403
    alpha.promotion.refresh_from_db()
    assert alpha.promotion.title == "Alpha Giveaway"


def test_analyst_has_no_actions_and_cannot_add_keys(as_analyst, alpha):
    changelist = as_analyst.get("/admin/tracking/apikey/")
    add = as_analyst.post("/admin/tracking/apikey/add/", api_key_form([alpha.brand]))

    assert changelist.context["action_form"] is None
    assert add.status_code == 403


def test_bulk_delete_refuses_objects_of_a_brand_the_user_only_reads(client, alpha):
    # given: manager of Alpha, analyst of Charlie
    user = StaffUserFactory()
    BrandMembershipFactory(user=user, brand=alpha.brand, role="manager")
    charlie = BrandFactory(name="Charlie Brand")
    BrandMembershipFactory(user=user, brand=charlie, role="analyst")
    theirs = CampaignFactory(brand=charlie)
    mine = CampaignFactory(brand=alpha.brand)
    client.force_login(user)

    # when
    response = client.post(
        "/admin/promotions/campaign/",
        {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"},
    )

    # then
    assert response.status_code == 403
    assert Campaign.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_mixed_roles_edit_only_where_managing(client, alpha):
    user = StaffUserFactory()
    BrandMembershipFactory(user=user, brand=alpha.brand, role="manager")
    charlie = BrandFactory(name="Charlie Brand")
    BrandMembershipFactory(user=user, brand=charlie, role="analyst")
    theirs = CampaignFactory(brand=charlie)
    client.force_login(user)

    add_form = client.get("/admin/promotions/promotion/add/")
    view = client.get(admin_url(theirs))

    assert list(add_form.context["adminform"].form.fields["campaign"].queryset) == [alpha.campaign]
    assert view.status_code == 200 and view.context["title"] == "View campaign"


# --- brands and memberships ----------------------------------------------------------------


def test_manager_cannot_create_brands_or_memberships(as_manager, alpha, manager):
    add_brand = as_manager.get("/admin/promotions/brand/add/")
    change = as_manager.get(admin_url(alpha.brand))

    assert add_brand.status_code == 403
    assert change.status_code == 200
    inline = change.context["inline_admin_formsets"][0]
    assert inline.has_add_permission is False
    assert inline.has_change_permission is False
    assert inline.has_delete_permission is False
    assert "slug" in change.context["adminform"].readonly_fields


def test_manager_cannot_add_a_member_by_posting_the_inline(as_manager, alpha, manager):
    outsider = StaffUserFactory(username="outsider")
    before = BrandMembership.objects.count()

    as_manager.post(
        admin_url(alpha.brand),
        {
            "name": "Alpha Brand",
            "timezone": "Europe/Paris",
            "language": "en",
            "facebook_page_id": "",
            "embed_domains": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": outsider.pk,
            "memberships-0-role": "manager",
        },
    )

    assert BrandMembership.objects.count() == before
    assert not BrandMembership.objects.filter(user=outsider).exists()


def test_superuser_creates_a_brand_with_a_member(as_superuser):
    marketer = StaffUserFactory(username="mia")

    response = as_superuser.post(
        "/admin/promotions/brand/add/",
        {
            "name": "Delta",
            "slug": "delta",
            "timezone": "Europe/Berlin",
            "language": "de",
            "facebook_page_id": "",
            "embed_domains": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": marketer.pk,
            "memberships-0-role": "analyst",
        },
    )

    assert response.status_code == 302
    membership = BrandMembership.objects.get(brand__slug="delta")
    assert (membership.user, membership.role) == (marketer, "analyst")


def test_filtering_by_another_brand_by_url_shows_nothing_of_it(as_manager, alpha, bravo):
    response = as_manager.get(
        f"/admin/promotions/promotion/?campaign__brand__id__exact={bravo.brand.pk}"
    )

    # (with a single brand Django hides the brand filter and ignores its parameter)
    assert changelist_ids(response) == {alpha.promotion.pk}
    assert "Bravo" not in response.content.decode()
