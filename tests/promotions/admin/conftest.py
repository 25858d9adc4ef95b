"""Two brands, Alpha and Bravo, and the people who may (or may not) see them in admin."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from promotions.models import Brand, BrandMembership, Campaign, Promotion
from tests.factories import (
    BrandFactory,
    BrandMembershipFactory,
    CampaignFactory,
    PromotionFactory,
    StaffUserFactory,
    UserFactory,
)
from tracking.models import ApiKey
from tracking.services import api_key_create


@dataclass
class BrandWorld:
    brand: Brand
    campaign: Campaign
    promotion: Promotion
    key: ApiKey


def _world(name: str, slug: str) -> BrandWorld:
    brand = BrandFactory(name=f"{name} Brand", slug=slug)
    campaign = CampaignFactory(brand=brand, name=f"{name} Campaign", slug=f"{slug}-launch")
    promotion = PromotionFactory(campaign=campaign, title=f"{name} Giveaway", slug="giveaway")
    key, _ = api_key_create(name=f"{name} Agency", brand_ids=[brand.pk], scopes=["reports:read"])
    return BrandWorld(brand=brand, campaign=campaign, promotion=promotion, key=key)


@pytest.fixture
def alpha(db) -> BrandWorld:
    return _world("Alpha", "alpha")


@pytest.fixture
def bravo(db) -> BrandWorld:
    return _world("Bravo", "bravo")


@pytest.fixture
def shared_key(alpha, bravo) -> ApiKey:
    key, _ = api_key_create(
        name="Bravo-and-Alpha Holding",
        brand_ids=[alpha.brand.pk, bravo.brand.pk],
        scopes=["reports:read"],
    )
    return key


@pytest.fixture
def manager(alpha):
    """Staff, manager of Alpha; no Django model permission ticked anywhere."""
    membership = BrandMembershipFactory(
        brand=alpha.brand, user=StaffUserFactory(username="manny"), role="manager"
    )
    return membership.user


@pytest.fixture
def analyst(alpha):
    membership = BrandMembershipFactory(
        brand=alpha.brand,
        user=StaffUserFactory(username="anna"),
        role=BrandMembership.Role.ANALYST,
    )
    return membership.user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def changelist_ids(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].queryset}


def filter_choices(response) -> dict[str, list[str]]:
    """{filter title: [choice labels]} of a changelist's sidebar, "All" left out."""
    changelist = response.context["cl"]
    choices = {}
    for spec in changelist.filter_specs:
        labels = [str(c["display"]) for c in spec.choices(changelist)]
        choices[str(spec.title)] = [label for label in labels if label != "All"]
    return choices


def admin_url(obj, view: str = "change") -> str:
    meta = obj._meta
    if view == "changelist":
        return f"/admin/{meta.app_label}/{meta.model_name}/"
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{view}/"
