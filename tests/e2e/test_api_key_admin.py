"""A marketer creates a partner API key in admin: the key shows once, then never again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import BrandMembership
from tests.factories import StaffUserFactory
from tracking.selectors import api_key_get_by_token

pytestmark = pytest.mark.browser


def login(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_marketer_creates_an_api_key_and_sees_it_once(desktop, screenshot):
    # given
    campaign = demo_seed()
    user = StaffUserFactory(username="keymaster")
    BrandMembership.objects.create(brand=campaign.brand, user=user, role="manager")
    page = desktop
    login(page, "keymaster")

    # when
    page.locator("tr.model-apikey").get_by_role("link", name="Add").click()
    page.get_by_label("Name").fill("Agency Nova reporting")
    page.get_by_label("Nova Mobile (demo)").check()
    page.get_by_label("Read reports (reports:read)").check()
    page.get_by_label("Post events (events:write)").check()
    screenshot(page, "admin-10-api-key-form")
    page.get_by_role("button", name="Save", exact=True).click()

    # then: the key, once
    message = page.locator(".messagelist .success")
    expect(message).to_contain_text("Copy it now, it will not be shown again")
    raw = page.locator(".ph-secret").inner_text()
    assert re.fullmatch(r"phk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", raw)
    key = api_key_get_by_token(raw)
    assert key is not None and key.name == "Agency Nova reporting"
    screenshot(page, "admin-11-api-key-created")

    # and never again
    page.get_by_role("link", name="I have copied the key").click()
    expect(page.locator("#result_list")).to_contain_text(key.prefix)
    expect(page.locator("body")).not_to_contain_text(raw)
    screenshot(page, "admin-12-api-key-list")
    page.reload()
    expect(page.locator("body")).not_to_contain_text(raw)
