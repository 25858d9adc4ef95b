"""One factory per tracking model.

Tracking knows brands, campaigns and promotions only by id: the event and rollup
factories take a ``promotion`` (a promotions ``Promotion``, made by default) and copy its
ids. Events are stored the way production stores them, through ``events_store``: on
PostgreSQL the raw table is partitioned and has no primary key, so an ORM insert of an
``Event`` is not how a row gets there.
"""

import os
import secrets
import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories.promotions import BrandFactory, PromotionFactory
from tracking.models import (
    ApiKey,
    BreakdownRollup,
    DailyRollup,
    DailySalt,
    DailyUnique,
    Event,
    EventType,
    HourlyRollup,
    InvalidReason,
    InvalidRollup,
    ReportDelivery,
    ReportPush,
    ReportSubscription,
    SeenEvent,
    UniqueViewer,
    ViewerScope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from tracking.services import api_key_create
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent


def _this_hour():
    return timezone.now().replace(minute=0, second=0, microsecond=0)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A partner key of one brand, made by ``api_key_create``; the full key, shown once in
    production, is kept on the object as ``raw_key``."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"Agency {n}")
    brands = factory.List([factory.SubFactory(BrandFactory)])
    scopes = factory.List(["reports:read"])
    expires_at = None
    created_by = None

    @classmethod
    def _create(cls, model_class, *, brands, created_by=None, **kwargs):
        key, raw_key = api_key_create(
            brand_ids=[brand.pk for brand in brands],
            created_by_id=created_by.pk if created_by else None,
            **kwargs,
        )
        key.raw_key = raw_key
        return key


class _PromotionIdsFactory(factory.django.DjangoModelFactory):
    """Rows keyed by a promotion's ids (tracking holds them as plain integers)."""

    class Meta:
        abstract = True

    class Params:
        promotion = factory.SubFactory(PromotionFactory)

    promotion_id = factory.LazyAttribute(lambda o: o.promotion.pk)
    campaign_id = factory.LazyAttribute(lambda o: o.promotion.campaign_id)
    brand_id = factory.LazyAttribute(lambda o: o.promotion.campaign.brand_id)


class EventFactory(_PromotionIdsFactory):
    """A valid impression, now, stored through ``events_store`` (raw row, dedupe id,
    rollups). ``pseudonym`` names the viewer in flight; only its hash is stored."""

    class Meta:
        model = Event

    event_id = factory.LazyFunction(uuid.uuid4)
    ts = factory.LazyFunction(timezone.now)
    type = EventType.IMPRESSION
    pseudonym = None
    country = "FR"
    device = "mobile"
    source = ""
    invalid_reason = ""
    value = None
    currency = ""

    @classmethod
    def _build(cls, model_class, *args, pseudonym=None, **kwargs):
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        stored = events_store([TrackedEvent(**kwargs)])
        assert stored == 1, f"event {kwargs['event_id']} was stored already"
        return model_class.objects.get(event_id=kwargs["event_id"])


class SeenEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeenEvent

    event_id = factory.LazyFunction(uuid.uuid4)
    ts = factory.LazyFunction(timezone.now)


class HourlyRollupFactory(_PromotionIdsFactory):
    class Meta:
        model = HourlyRollup

    hour = factory.LazyFunction(_this_hour)
    impressions = 100
    clicks = 7


class DailyRollupFactory(_PromotionIdsFactory):
    class Meta:
        model = DailyRollup

    day = factory.LazyFunction(lambda: timezone.localdate())
    impressions = 100
    clicks = 7


class BreakdownRollupFactory(_PromotionIdsFactory):
    class Meta:
        model = BreakdownRollup

    hour = factory.LazyFunction(_this_hour)
    country = "FR"
    device = "mobile"
    source = ""
    impressions = 100
    clicks = 7


class InvalidRollupFactory(_PromotionIdsFactory):
    class Meta:
        model = InvalidRollup

    hour = factory.LazyFunction(_this_hour)
    type = EventType.CLICK
    reason = InvalidReason.BOT
    events = 3


class UniqueViewerFactory(factory.django.DjangoModelFactory):
    """A viewer of a promotion today."""

    class Meta:
        model = UniqueViewer

    class Params:
        promotion = factory.SubFactory(PromotionFactory)

    scope = ViewerScope.PROMOTION
    scope_id = factory.LazyAttribute(lambda o: o.promotion.pk)
    day = factory.LazyFunction(lambda: timezone.localdate())
    viewer_hash = factory.Sequence(lambda n: n + 1)


class DailyUniqueFactory(factory.django.DjangoModelFactory):
    """A promotion's unique viewers today."""

    class Meta:
        model = DailyUnique

    class Params:
        promotion = factory.SubFactory(PromotionFactory)

    scope = ViewerScope.PROMOTION
    scope_id = factory.LazyAttribute(lambda o: o.promotion.pk)
    day = factory.LazyFunction(lambda: timezone.localdate())
    viewers = 12


class DailySaltFactory(factory.django.DjangoModelFactory):
    """A day's salt; the days run back from yesterday, one per row."""

    class Meta:
        model = DailySalt

    day = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n + 1))
    salt = factory.LazyFunction(lambda: os.urandom(16))


class ReportSubscriptionFactory(factory.django.DjangoModelFactory):
    """A marketer's daily campaign report to a public HTTPS endpoint, due tomorrow."""

    class Meta:
        model = ReportSubscription

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Daily report {n}")
    api_key = None
    url = factory.Sequence(lambda n: f"https://reports.example.com/hooks/{n}")
    schedule = "daily"
    level = "campaign"
    secret = factory.LazyFunction(lambda: f"whsec_{secrets.token_urlsafe(32)}")
    next_run_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class ReportPushFactory(factory.django.DjangoModelFactory):
    """Yesterday's report, delivered."""

    class Meta:
        model = ReportPush

    subscription = factory.SubFactory(ReportSubscriptionFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    period_end = factory.SelfAttribute("period_start")
    body = '{"data": []}'
    content_type = "application/json"
    state = ReportPush.State.DELIVERED
    attempts = 1
    delivered_at = factory.LazyFunction(timezone.now)


class ReportDeliveryFactory(factory.django.DjangoModelFactory):
    """The push's first attempt, answered 200 in 85 ms."""

    class Meta:
        model = ReportDelivery

    push = factory.SubFactory(ReportPushFactory)
    attempt = 1
    started_at = factory.LazyFunction(timezone.now)
    succeeded = True
    status_code = 200
    latency_ms = 85
    response_excerpt = "ok"


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    """A partner key's endpoint for entries and draws of the key's brand."""

    class Meta:
        model = WebhookSubscription

    brand = factory.SubFactory(BrandFactory)
    api_key = factory.LazyAttribute(
        lambda o: ApiKeyFactory(brands=[o.brand], scopes=["webhooks:read", "entries:read"])
    )
    name = factory.Sequence(lambda n: f"Partner hook {n}")
    url = factory.Sequence(lambda n: f"https://hooks.example.com/promohub/{n}")
    event_types = factory.List(["entry.created", "draw.completed"])
    secret = factory.LazyFunction(lambda: f"whsec_{secrets.token_urlsafe(32)}")


class WebhookEventFactory(factory.django.DjangoModelFactory):
    """An entry made a minute ago, with the entrant's email as its personal data."""

    class Meta:
        model = WebhookEvent

    type = "entry.created"
    brand_id = factory.LazyFunction(lambda: BrandFactory().pk)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    data = factory.LazyFunction(lambda: {"entry": "E-TEST", "promotion": {"id": 1}})
    pii = factory.LazyFunction(lambda: {"email": "ana@example.com"})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    """An event delivered to a subscription of its brand."""

    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = factory.SubFactory(
        WebhookEventFactory, brand_id=factory.SelfAttribute("..subscription.brand_id")
    )
    state = WebhookDelivery.State.DELIVERED
    attempts = 1
    delivered_at = factory.LazyFunction(timezone.now)


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    """The delivery's first attempt, answered 200 in 40 ms."""

    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    attempt = 1
    started_at = factory.LazyFunction(timezone.now)
    succeeded = True
    status_code = 200
    latency_ms = 40
    response_excerpt = "ok"
