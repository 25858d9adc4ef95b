"""Alert rules: evaluated on a schedule, one notification (email + signed webhook) per
incident, resolved when the condition clears, visible in admin."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from promotions.models import AlertIncident, AlertRule
from promotions.reports import alerts
from tests.factories import BrandFactory, BrandMembershipFactory, CampaignFactory, PromotionFactory
from tests.factories.promotions import EntryFactory, PrizeFactory, StaffUserFactory
from tests.tracking.receiver import Receiver
from tracking import webhooks
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db


def record(promotion, ts, *, impressions=0, clicks=0, invalid=0):
    ids = (promotion.pk, promotion.campaign_id, promotion.campaign.brand_id)
    events = [TrackedEvent(uuid.uuid4(), ts, "impression", *ids) for _ in range(impressions)]
    events += [TrackedEvent(uuid.uuid4(), ts, "click", *ids) for _ in range(clicks)]
    events += [
        TrackedEvent(uuid.uuid4(), ts, "click", *ids, invalid_reason="bot") for _ in range(invalid)
    ]
    events_store(events)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def promotion():
    brand = BrandFactory(slug="nova", timezone="UTC")
    manager = BrandMembershipFactory(brand=brand, user=StaffUserFactory(email="ana@nova.test"))
    BrandMembershipFactory(brand=brand, role="analyst")  # analysts are not emailed
    assert manager.user.email == "ana@nova.test"
    return PromotionFactory(campaign=CampaignFactory(brand=brand, name="Launch"))


def test_a_low_ctr_opens_one_incident_notifies_once_and_resolves(promotion, receiver):
    rule = AlertRule.objects.create(
        campaign=promotion.campaign,
        kind=AlertRule.Kind.CTR_BELOW,
        threshold=0.05,
        window_impressions=1000,
        webhook_url=receiver.url,
    )
    now = datetime.now(UTC)
    record(promotion, now - timedelta(hours=3), impressions=600, clicks=60)  # 10%: older
    record(promotion, now - timedelta(hours=1), impressions=1200, clicks=30)  # 2.5%: newest

    # when: the schedule runs three times while the CTR stays low
    outcomes = [alerts.alerts_evaluate(now=now + timedelta(minutes=m)) for m in (0, 1, 2)]

    # then: one incident, one email to the brand's manager, one signed webhook
    assert outcomes == [{"opened": 1}, {"kept": 1}, {"kept": 1}]
    incident = AlertIncident.objects.get()
    assert incident.value == 0.025
    assert "2.5% over its last 1200 impressions" in incident.message
    assert [m.to for m in mail.outbox] == [["ana@nova.test"]]
    assert mail.outbox[0].subject.startswith("Alert: CTR below")
    [request] = receiver.received
    assert webhooks.signature_verify(
        header=request.headers["X-Signature"], body=request.body, secret=rule.webhook_secret
    )
    payload = json.loads(request.body)
    assert (payload["event"], payload["kind"], payload["incident"]) == (
        "alert.opened",
        "ctr_below",
        incident.pk,
    )

    # when: a good hour lifts the last 1,000 impressions above the threshold
    record(promotion, now + timedelta(minutes=5), impressions=1000, clicks=200)
    assert alerts.alerts_evaluate(now=now + timedelta(minutes=6)) == {"resolved": 1}
    incident.refresh_from_db()
    assert incident.resolved_at == now + timedelta(minutes=6)

    # and: a new drop is a new incident, notified again
    record(promotion, now + timedelta(hours=1, minutes=5), impressions=1000, clicks=10)
    assert alerts.alerts_evaluate(now=now + timedelta(hours=1, minutes=6)) == {"opened": 1}
    assert AlertIncident.objects.count() == 2
    assert len(mail.outbox) == 2 and len(receiver.received) == 2


def test_the_alert_is_written_in_the_brands_language_and_time_zone():
    # given: a French brand in Paris, with a manager
    brand = BrandFactory(slug="lune", language="fr", timezone="Europe/Paris")
    BrandMembershipFactory(brand=brand, user=StaffUserFactory(email="lea@lune.test"))
    promotion = PromotionFactory(campaign=CampaignFactory(brand=brand, name="Lancement"))
    AlertRule.objects.create(
        campaign=promotion.campaign,
        kind=AlertRule.Kind.CTR_BELOW,
        threshold=0.05,
        window_impressions=1000,
    )
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    record(promotion, now - timedelta(hours=1), impressions=1200, clicks=30)

    # when: the schedule runs
    assert alerts.alerts_evaluate(now=now) == {"opened": 1}

    # then: the incident and its email in French, the time in Paris's (10:30, not 09:30)
    incident = AlertIncident.objects.get()
    assert incident.message == (
        "Le CTR de « Lancement » est de 2.5% sur ses 1200 dernières impressions "
        "(alerte en dessous de 5.0%)."
    )
    [email] = mail.outbox
    assert email.subject.startswith("Alerte : ")
    assert email.subject.endswith(" : Lancement")
    assert email.body.startswith(incident.message + "\n\nOuverte le ")
    assert "10:30" in email.body and "(Europe/Paris)" in email.body


def test_nothing_is_said_before_n_impressions(promotion):
    AlertRule.objects.create(
        campaign=promotion.campaign, kind="ctr_below", threshold=0.5, window_impressions=1000
    )
    record(promotion, datetime.now(UTC), impressions=999, clicks=0)

    assert alerts.alerts_evaluate() == {"quiet": 1}


def test_invalid_traffic_share(promotion):
    rule = AlertRule.objects.create(
        campaign=promotion.campaign, kind="invalid_above", threshold=0.2, window_hours=6
    )
    record(promotion, datetime.now(UTC) - timedelta(hours=2), impressions=60, clicks=10, invalid=30)
    record(promotion, datetime.now(UTC) - timedelta(hours=8), invalid=500)  # outside the window

    measure = alerts.alert_rule_measure(rule=rule)

    assert measure.triggered and measure.value == 0.3


def test_entry_spike_against_the_usual_hourly_rate(promotion):
    rule = AlertRule.objects.create(
        campaign=promotion.campaign,
        kind="entry_spike",
        threshold=3,
        window_hours=24,
        min_entries=10,
    )
    now = datetime.now(UTC)
    for i in range(48):  # two an hour over the day before
        EntryFactory(promotion=promotion, created_at=now - timedelta(hours=2, minutes=30 * i))
    for i in range(6):
        EntryFactory(promotion=promotion, created_at=now - timedelta(minutes=5 * i + 1))

    calm = alerts.alert_rule_measure(rule=rule, now=now)
    for i in range(6):
        EntryFactory(promotion=promotion, created_at=now - timedelta(minutes=5 * i + 2))
    busy = alerts.alert_rule_measure(rule=rule, now=now)

    assert (calm.triggered, calm.value) == (False, 6.0)  # below min_entries
    assert (busy.triggered, busy.value) == (True, 12.0)  # 12 > 3 x 2 an hour


def test_a_prize_pool_running_out(promotion):
    rule = AlertRule.objects.create(campaign=promotion.campaign, kind="prize_pool_low", threshold=5)
    prize = PrizeFactory(promotion__campaign=promotion.campaign, quantity=10)

    assert not alerts.alert_rule_measure(rule=rule).triggered
    type(prize).objects.filter(pk=prize.pk).update(awarded=6)
    measure = alerts.alert_rule_measure(rule=rule)
    assert measure.value == 4.0 and measure.triggered
    assert measure.message == "4 prizes and codes left in “Launch” (alert at 5 or fewer)."


def test_incidents_are_visible_in_admin_to_their_brand_only(promotion):
    rule = AlertRule.objects.create(campaign=promotion.campaign, kind="prize_pool_low", threshold=5)
    AlertIncident.objects.create(rule=rule, opened_at=datetime.now(UTC), message="4 prizes left")
    member = BrandMembershipFactory(brand=promotion.campaign.brand, role="analyst").user
    stranger = BrandMembershipFactory(brand=BrandFactory()).user
    ours, theirs = Client(), Client()
    ours.force_login(member)
    theirs.force_login(stranger)

    assert "4 prizes left" in ours.get("/admin/promotions/alertincident/").content.decode()
    assert "4 prizes left" not in theirs.get("/admin/promotions/alertincident/").content.decode()
    assert theirs.get(f"/admin/promotions/alertrule/{rule.pk}/change/").status_code in (302, 404)


def test_a_private_webhook_url_is_refused_outside_tests(promotion):
    rule = AlertRule(
        campaign=promotion.campaign,
        kind="ctr_below",
        threshold=0.1,
        webhook_url="http://10.0.0.1/x",
    )
    with pytest.raises(Exception, match="https"):
        rule.full_clean()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/promotions/alertrule/",
        "/admin/promotions/alertrule/add/",
        "/admin/promotions/alertincident/",
        "/admin/tracking/reportsubscription/",
        "/admin/tracking/reportsubscription/add/",
        "/admin/tracking/reportpush/",
    ],
)
def test_every_alert_and_report_admin_page_renders(promotion, path):
    client = Client()
    client.force_login(BrandMembershipFactory(brand=promotion.campaign.brand).user)

    assert client.get(path).status_code == 200


def test_a_manager_adds_an_alert_rule_in_admin(promotion):
    client = Client()
    client.force_login(BrandMembershipFactory(brand=promotion.campaign.brand).user)

    response = client.post(
        "/admin/promotions/alertrule/add/",
        {
            "campaign": promotion.campaign_id,
            "kind": "ctr_below",
            "threshold": "0.05",
            "active": "on",
            "window_impressions": "500",
            "window_hours": "24",
            "min_entries": "20",
            "emails": "ops@nova.test",
            "webhook_url": "",
            "incidents-TOTAL_FORMS": "0",
            "incidents-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert (rule.window_impressions, rule.emails) == (500, "ops@nova.test")
    assert rule.webhook_secret.startswith("whsec_")
    page = client.get(f"/admin/promotions/alertrule/{rule.pk}/change/").content.decode()
    assert rule.webhook_secret in page
