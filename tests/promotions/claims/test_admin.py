"""Claims in admin: brand-scoped list with filters, "not eligible" with a reason passes the
prize on, shipped (winner emailed) then delivered, documents streamed only to the brand."""

from __future__ import annotations

import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils.formats import date_format

from promotions.claims import services as claims_services
from promotions.models import BrandMembership, Campaign, DrawReplacement, PrizeClaim
from tests.factories.promotions import BrandMembershipFactory
from tests.promotions.claims.helpers import closed_sweepstakes

pytestmark = pytest.mark.django_db
LIST = "/admin/promotions/prizeclaim/"


def _drawn(django_capture_on_commit_callbacks):
    promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    return promotion, draw, PrizeClaim.objects.get(draw=draw)


def _client(promotion, role=BrandMembership.Role.MANAGER) -> Client:
    membership = BrandMembershipFactory(brand=promotion.campaign.brand, role=role)
    client = Client()
    client.force_login(membership.user)
    return client


def test_a_marketer_sees_only_their_brands_claims(django_capture_on_commit_callbacks):
    mine, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    _other, _other_draw, foreign = _drawn(django_capture_on_commit_callbacks)
    client = _client(mine)

    listing = client.get(LIST, {"status": "notified", "deadline": "later"})
    by_draw = client.get(LIST, {"draw__id__exact": claim.draw_id})
    draws = client.get("/admin/promotions/draw/")
    own_page = client.get(f"{LIST}{claim.pk}/change/")
    prize_page = client.get(f"/admin/promotions/prize/{claim.prize_id}/change/")
    foreign_page = client.get(f"{LIST}{foreign.pk}/change/")
    foreign_ship = client.get(f"{LIST}{foreign.pk}/ship/")

    assert listing.status_code == 200
    body = listing.content.decode()
    assert claim.entry.public_id in body and foreign.entry.public_id not in body
    assert by_draw.status_code == 200 and claim.entry.public_id in by_draw.content.decode()
    assert f"?draw__id__exact={claim.draw_id}" in draws.content.decode()
    assert own_page.status_code == 200 and "Waiting for the winner" in own_page.content.decode()
    assert prize_page.status_code == 200 and 'name="claim_shipping_address"' in (
        prize_page.content.decode()
    )
    assert foreign_page.status_code == 302  # "does not exist" redirect to the admin index
    assert foreign_ship.status_code == 404


def test_not_eligible_with_a_reason_passes_the_prize_on(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, draw, claim = _drawn(django_capture_on_commit_callbacks)
    client = _client(promotion)
    mailoutbox.clear()
    action = {"action": "mark_ineligible", "_selected_action": [claim.pk]}

    asked = client.post(LIST, action)
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(LIST, {**action, "apply": "1", "reason": "Under 18 on entry day."})

    assert asked.status_code == 200 and b"Reason" in asked.content
    assert applied.status_code == 302
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.INELIGIBLE
    assert DrawReplacement.objects.get(draw=draw).reason == "Under 18 on entry day."
    assert [m.to for m in mailoutbox] == [[claim.successor.entry.person.email]]


def test_shipped_then_delivered_and_an_analyst_may_not(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    claims_services.claim_submit(
        claim=claim,
        person=claim.entry.person,
        answers=claims_services.ClaimAnswers(answers={"city": "Paris"}),
    )
    analyst = _client(promotion, role=BrandMembership.Role.ANALYST)
    manager = _client(promotion)
    mailoutbox.clear()

    refused = analyst.post(f"{LIST}{claim.pk}/ship/", {"carrier": "DHL"})
    empty = manager.post(f"{LIST}{claim.pk}/ship/", {"carrier": ""})
    with django_capture_on_commit_callbacks(execute=True):
        shipped = manager.post(
            f"{LIST}{claim.pk}/ship/", {"carrier": "DHL", "tracking_number": "JD0001"}
        )
    delivered = manager.post(LIST, {"action": "mark_delivered", "_selected_action": [claim.pk]})

    assert refused.status_code == 403 and empty.status_code == 200
    assert shipped.status_code == 302 and delivered.status_code == 302
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.DELIVERED and claim.tracking_number == "JD0001"
    assert len(mailoutbox) == 1 and "JD0001" in mailoutbox[0].body


def test_a_document_is_streamed_to_the_brand_only(django_capture_on_commit_callbacks):
    mine, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    other, _other_draw, _foreign = _drawn(django_capture_on_commit_callbacks)
    claim.document.save("id.pdf", ContentFile(b"%PDF-1.4 passport"))

    own = _client(mine).get(f"{LIST}{claim.pk}/document/")
    stranger = _client(other).get(f"{LIST}{claim.pk}/document/")
    anonymous = Client().get(f"{LIST}{claim.pk}/document/")

    assert own.status_code == 200 and b"".join(own.streaming_content) == b"%PDF-1.4 passport"
    assert own["Content-Disposition"].startswith("attachment")
    assert stranger.status_code == 404
    assert anonymous.status_code == 302  # to the admin login


def test_an_alternate_nothing_can_tell_is_the_managers_to_reach_with_the_link_admin_shows(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given: a winner, and a first alternate without an email address
    promotion, draw, first = _drawn(django_capture_on_commit_callbacks)
    alternate = promotion.entries.get(public_id=draw.alternates[0]).person
    type(alternate).objects.filter(pk=alternate.pk).update(email="", email_normalized=None)
    mailoutbox.clear()

    # when: the winner declines, and the alternate moves up
    with django_capture_on_commit_callbacks(execute=True):
        successor = claims_services.claim_decline(claim=first, person=first.entry.person)

    # then: the managers are told to reach them, in one email
    assert successor is not None and successor.channel == PrizeClaim.Channel.NONE
    [email] = mailoutbox
    assert email.to == ["manager@brand.example"]
    assert email.subject == f"A winner to reach another way: {promotion.title}"
    assert f"Entry {draw.alternates[0]} won" in email.body
    assert f"/admin/promotions/prizeclaim/{successor.pk}/change/" in email.body
    # and the claim's admin page shows the link to give them
    page = _client(promotion).get(f"/admin/promotions/prizeclaim/{successor.pk}/change/")
    assert claims_services.claim_link(claim=successor) in page.content.decode()
    assert "Give it to the winner only" in page.content.decode()
    # a winner who was told shows no link
    page = _client(promotion).get(f"/admin/promotions/prizeclaim/{first.pk}/change/")
    assert "Give it to the winner only" not in page.content.decode()


def test_deadlines_and_moments_read_in_the_campaigns_zone(django_capture_on_commit_callbacks):
    promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    Campaign.objects.filter(pk=promotion.campaign_id).update(timezone="Asia/Tokyo")
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    client = _client(promotion)

    listing = client.get(LIST).content.decode()
    page = client.get(f"{LIST}{claim.pk}/change/").content.decode()

    local = claim.deadline.astimezone(tokyo)
    assert f'<span title="Asia/Tokyo">{local:%Y-%m-%d %H:%M} <small>JST</small></span>' in listing
    assert f"{local:%H:%M}" in page and "JST" in page
    told = claim.notified_at.astimezone(tokyo)
    assert date_format(told, "DATETIME_FORMAT") in page
