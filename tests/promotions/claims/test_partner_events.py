"""Partner webhooks from the claims room: winner.notified, prize.claimed and prize.shipped
reach a real receiver once each, signed, in docs/partners.md's shapes, with no personal
data (and ``pii`` never: these events carry none)."""

from __future__ import annotations

import json
import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.claims import emails, tasks
from promotions.claims import services as claims_services
from promotions.claims.services import draws_run_due
from promotions.models import Person, PrizeClaim
from tests.promotions.claims.helpers import SHIPPING, closed_sweepstakes
from tracking import partner_webhooks, webhooks
from tracking.models import WebhookEvent

pytestmark = pytest.mark.django_db

TYPES = ["winner.notified", "prize.claimed", "prize.shipped"]


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_winner_told_prize_claimed_and_shipped_reach_the_partner_once_each(
    make_api_key, receiver, django_capture_on_commit_callbacks
):
    # given: a closed sweepstakes whose brand's partner subscribed (with entries:read and
    # entries:pii, so a body would carry pii if any event gave it)
    promotion, draw, due = closed_sweepstakes(entrants=4)
    brand = promotion.campaign.brand
    key, _raw = make_api_key(
        brands=[brand], scopes=["webhooks:write", "entries:read", "entries:pii"]
    )
    subscription = partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url=receiver.url, event_types=TYPES
    )
    receiver.secret = subscription.secret

    # when: the worker draws, the winner claims, the marketer ships
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due(at=due) == 1
    claim = PrizeClaim.objects.select_related("entry__person").get(draw=draw)
    answers = claims_services.ClaimAnswers(
        answers={k: v for k, v in SHIPPING.items() if k not in ("action", "accept_rules")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.claim_submit(claim=claim, person=claim.entry.person, answers=answers)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.claim_mark_shipped(claim=claim, carrier="La Poste", tracking_number="LP123")
    # the sweep finds nothing left to send
    assert partner_webhooks.webhook_deliveries_deliver() == 0

    # then: three signed POSTs, one per event
    got = [json.loads(r.body) for r in receiver.received]
    assert [b["type"] for b in got] == TYPES
    assert len({b["id"] for b in got}) == 3 == WebhookEvent.objects.count()
    for request in receiver.received:
        assert webhooks.signature_verify(
            header=request.headers["X-Signature"], body=request.body, secret=subscription.secret
        )
    claim.refresh_from_db()
    common = {
        "draw": draw.pk,
        "promotion": {"id": promotion.pk, "slug": promotion.slug, "kind": "sweepstakes"},
        "campaign": {"id": promotion.campaign_id, "slug": promotion.campaign.slug},
        "entry": claim.entry.public_id,
        "prize": claim.prize_id,
    }
    notified, claimed, shipped = (b["data"] for b in got)
    assert notified == {
        **common,
        "claim_deadline": _iso(claim.deadline),
        "notified_at": notified["notified_at"],
    }
    assert notified["notified_at"].endswith("Z")
    assert claimed == {**common, "claimed_at": _iso(claim.claimed_at)}
    assert shipped == {**common, "carrier": "La Poste", "shipped_at": _iso(claim.shipped_at)}
    raw = b" ".join(r.body for r in receiver.received).decode()
    person = claim.entry.person
    for personal in (person.email, person.name, "rue de la Paix", "+33", "LP123"):
        assert personal not in raw
    assert all("pii" not in b for b in got)


def test_a_winner_with_no_channel_is_not_announced_as_told(
    make_api_key, receiver, django_capture_on_commit_callbacks
):
    # given: winners without an email (nor a comment to answer)
    promotion, draw, due = closed_sweepstakes(entrants=2)
    brand = promotion.campaign.brand
    key, _raw = make_api_key(brands=[brand], scopes=["webhooks:write"])
    partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url=receiver.url, event_types=TYPES
    )
    Person.objects.filter(entries__promotion=promotion).update(email="")

    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due(at=due)

    assert PrizeClaim.objects.get(draw=draw).channel == PrizeClaim.Channel.NONE
    assert not WebhookEvent.objects.filter(type="winner.notified").exists()


def test_winner_notified_waits_until_the_email_has_left_and_the_sweep_sends_it_again(
    make_api_key, receiver, django_capture_on_commit_callbacks, monkeypatch, mailoutbox
):
    # given: the mail server refuses the first "you won" email
    promotion, draw, due = closed_sweepstakes(entrants=2)
    brand = promotion.campaign.brand
    key, _raw = make_api_key(brands=[brand], scopes=["webhooks:write"])
    partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url=receiver.url, event_types=["winner.notified"]
    )
    real_send = emails.send_mail
    refusals = []

    def send_refused_once(*args, **kwargs):
        if not refusals:
            refusals.append(args[0])
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(emails, "send_mail", send_refused_once)

    # when: the worker draws, and the email's task fails
    with django_capture_on_commit_callbacks(execute=False) as queued:
        draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    assert len(queued) > 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.claim_notification_send(claim.pk)

    # then: nobody was told yet, so no partner heard it; the task's next run tells them
    claim.refresh_from_db()
    assert refusals and claim.notified_at is None
    assert not WebhookEvent.objects.filter(type="winner.notified").exists()

    assert tasks.claims_notices_resend() == 0  # too soon: the task may still be running
    PrizeClaim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.claims_notices_resend() == 1
        assert tasks.claims_notices_resend() == 0  # once
        assert tasks.claim_notification_send(claim.pk) is False
    claim.refresh_from_db()
    (event,) = WebhookEvent.objects.filter(type="winner.notified")
    assert event.data["notified_at"] == _iso(claim.notified_at)
    assert len(mailoutbox) == 1
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["winner.notified"]
