"""Report subscriptions and their pushes (services): create and change subscriptions,
prepare each due report, deliver it signed, retry with exponential backoff, re-send.

Flow, driven by one schedule (``tracking.tasks.report_pushes_run``, every minute):

1. ``report_pushes_prepare``: each active subscription whose ``next_run_at`` has come gets
   a ``ReportPush`` holding the report's body for its period, and its next run moves on;
2. ``report_pushes_deliver``: each pending push whose ``next_attempt_at`` has come is
   claimed (a conditional UPDATE, so two workers never send the same attempt) and POSTed
   signed; every attempt is a ``ReportDelivery`` row (status, latency, response excerpt).
   A failure waits ``base * 2**(n-1)`` seconds (capped) before attempt n+1; after
   ``REPORT_PUSH_MAX_ATTEMPTS`` the push is marked failed. A marketer can re-send any push
   (``report_push_resend``: a new push, sent by the worker once the request commits).

Periods, in the brand's time zone: hourly = the day of the hour just ended (so far);
daily = yesterday; weekly = last Monday to Sunday. A subscription whose runs were missed
(the worker was down) catches up: one push for each period it missed, oldest first, up to
``BACKFILL_MAX`` periods (hourly runs of one day are one period: its last, complete one).
A paused subscription does not catch up: switched on again, it runs from then on.
"""

from __future__ import annotations

import json
import logging
import secrets
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracking import brands, deliveries, insights, selectors, webhooks
from tracking.models import (
    ApiKey,
    ReportDelivery,
    ReportFormat,
    ReportPush,
    ReportSchedule,
    ReportSubscription,
)
from tracking.queue import sweep, task_enqueue
from tracking.zones import brand_zone

logger = logging.getLogger(__name__)

# Reports wait this long after their period's end, so the stream consumer has caught up.
GRACE = timedelta(minutes=5)
# After an outage, a subscription is sent at most this many of the periods it missed.
BACKFILL_MAX = 31
# What a subscription's owner sets and may change (API, admin); the brand is fixed.
SUBSCRIPTION_FIELDS = (
    "name",
    "url",
    "schedule",
    "level",
    "time_increment",
    "breakdowns",
    "fields",
    "format",
    "active",
)


def schedule_next_run(*, schedule: str, zone: zoneinfo.ZoneInfo, after: datetime) -> datetime:
    """The first run strictly after ``after``: ``GRACE`` after the start of a local hour,
    a local midnight, or a Monday's. The current hour's, day's or Monday's run when it is
    still to come (``after`` between 00:00 and 00:05), else the next one."""
    local = after.astimezone(zone)
    if schedule == ReportSchedule.HOURLY:
        # local hours counted on the real clock: when clocks go back, the repeated hour is
        # an hour too (clock-face arithmetic would skip it)
        hour_start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        run = hour_start + GRACE
        return run if run > after else run + timedelta(hours=1)
    day = local.date()
    step = timedelta(days=1)
    if schedule == ReportSchedule.WEEKLY:
        day += timedelta(days=(7 - day.weekday()) % 7)  # today if a Monday
        step = timedelta(days=7)
    run = _day_start(day, zone) + GRACE
    return run if run > after else _day_start(day + step, zone) + GRACE


def _day_start(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


def schedule_period(
    *, schedule: str, zone: zoneinfo.ZoneInfo, run_at: datetime
) -> tuple[date, date]:
    """The days a run at ``run_at`` reports on (see the module doc)."""
    # a second before the period's end, on the real clock, then read locally (subtracting
    # on the clock face could land in an hour a skipped midnight never had)
    ended = (run_at - GRACE - timedelta(seconds=1)).astimezone(zone)
    if schedule in (ReportSchedule.HOURLY, ReportSchedule.DAILY):
        return ended.date(), ended.date()
    last = ended.date()
    return last - timedelta(days=6), last


def _fields_clean(
    *, level: str, time_increment: str, breakdowns: Iterable[str], fields: Iterable[str]
) -> tuple[list[str], list[str]]:
    errors: dict[str, str] = {}
    if level not in selectors.LEVELS:
        errors["level"] = "Use promotion, campaign or brand."
    if time_increment not in ("1", "7", "monthly", "all_days"):
        errors["time_increment"] = "Use 1, 7, monthly or all_days."
    breakdowns = list(breakdowns)
    if not all(b in selectors.BREAKDOWNS for b in breakdowns) or len(set(breakdowns)) != len(
        breakdowns
    ):
        errors["breakdowns"] = f"Each of {', '.join(selectors.BREAKDOWNS)} at most once."
    fields = list(fields)
    if not all(f in insights.METRIC_FIELDS for f in fields) or len(set(fields)) != len(fields):
        errors["fields"] = f"Metrics among: {', '.join(insights.METRIC_FIELDS)}."
    if errors:
        raise ValidationError(errors)
    return [b for b in selectors.BREAKDOWNS if b in breakdowns], fields


@transaction.atomic
def report_subscription_create(
    *,
    brand_id: int,
    url: str,
    schedule: str,
    level: str = "promotion",
    time_increment: str = "1",
    breakdowns: Iterable[str] = (),
    fields: Iterable[str] = (),
    format: str = ReportFormat.JSON,
    name: str = "",
    active: bool = True,
    api_key: ApiKey | None = None,
    now: datetime | None = None,
) -> ReportSubscription:
    """A new subscription with a fresh secret; its first report is due at the next run
    (the current period's, when that run is still to come)."""
    webhooks.webhook_url_validate(url)
    clean_breakdowns, clean_fields = _fields_clean(
        level=level, time_increment=time_increment, breakdowns=breakdowns, fields=fields
    )
    if schedule not in ReportSchedule.values:
        raise ValidationError({"schedule": "Use hourly, daily or weekly."})
    subscription = ReportSubscription(
        brand_id=brand_id,
        name=name,
        api_key=api_key,
        url=url,
        schedule=schedule,
        level=level,
        time_increment=time_increment,
        breakdowns=clean_breakdowns,
        fields=clean_fields,
        format=format,
        active=active,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        next_run_at=schedule_next_run(
            schedule=schedule, zone=brand_zone(brand_id), after=now or timezone.now()
        ),
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def report_subscription_update(
    *, subscription: ReportSubscription, now: datetime | None = None, **changes: Any
) -> ReportSubscription:
    """Change the editable settings (url, schedule, level, fields...); the brand stays."""
    unknown = set(changes) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError({name: "This cannot be changed." for name in unknown})
    # as stored: admin's form has set the new values on the object already
    before = ReportSubscription.objects.values("url", "active", "schedule").get(pk=subscription.pk)
    if "url" in changes and changes["url"] != before["url"]:
        webhooks.webhook_url_validate(changes["url"])
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.breakdowns, subscription.fields = _fields_clean(
        level=subscription.level,
        time_increment=subscription.time_increment,
        breakdowns=subscription.breakdowns,
        fields=subscription.fields,
    )
    rescheduled = subscription.schedule != before["schedule"]
    switched_on = subscription.active and not before["active"]
    if rescheduled or switched_on:  # a paused subscription does not catch up
        subscription.next_run_at = schedule_next_run(
            schedule=subscription.schedule,
            zone=brand_zone(subscription.brand_id),
            after=now or timezone.now(),
        )
    subscription.full_clean()
    subscription.save()
    return subscription


def report_body(
    *, subscription: ReportSubscription, since: date, until: date, test: bool = False
) -> tuple[str, str]:
    """(body, content type) of a subscription's report over ``since``..``until``; a test
    delivery's JSON body says ``"test": true``."""
    rows = insights.insights_rows(
        brand_ids=[subscription.brand_id],
        level=subscription.level,  # type: ignore[arg-type]
        since=since,
        until=until,
        time_increment=subscription.time_increment,  # type: ignore[arg-type]
        breakdowns=subscription.breakdowns,
    )
    fields = subscription.fields or None
    slugs = brands.brand_slugs([subscription.brand_id])
    data = [insights.row_json(r, fields, slugs=slugs) for r in rows]
    if subscription.format == ReportFormat.CSV:
        columns = insights.row_columns(
            level=subscription.level, breakdowns=subscription.breakdowns, fields=fields
        )
        return insights.rows_csv(data, columns=columns), "text/csv; charset=utf-8"
    as_of = selectors.stats_as_of_get()
    # The parameters this report answers, so that a body read alone says what it is.
    body = {
        "subscription": subscription.pk,
        "brand": slugs.get(subscription.brand_id, ""),
        "schedule": subscription.schedule,
        "level": subscription.level,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "time_increment": subscription.time_increment,
        "breakdowns": list(subscription.breakdowns),
        "fields": list(subscription.fields),
        "as_of": as_of.isoformat().replace("+00:00", "Z") if as_of else None,
        "data": data,
    }
    if test:
        body["test"] = True
    return json.dumps(body, separators=(",", ":")), "application/json"


_SPANS: dict[str, timedelta] = {
    ReportSchedule.HOURLY: timedelta(hours=1),
    ReportSchedule.DAILY: timedelta(days=1),
    ReportSchedule.WEEKLY: timedelta(days=7),
}


def report_subscription_test(
    *, subscription: ReportSubscription, now: datetime | None = None
) -> webhooks.DeliveryResult:
    """Send one signed test delivery to the subscription's URL now, and return what the
    receiver said (status, latency, the start of its answer).

    The body is the report the latest scheduled run would have sent (the period it
    covers, today's data so far included), with ``"test": true`` in JSON and the header
    ``X-Report-Test: true``; there is no ``X-Report-Push``, and nothing is retried or
    logged as a push: the caller shows the answer. Holds no transaction while it waits."""
    now = now or timezone.now()
    zone = brand_zone(subscription.brand_id)
    last_run = schedule_next_run(
        schedule=subscription.schedule, zone=zone, after=now - _SPANS[subscription.schedule]
    )
    since, until = schedule_period(schedule=subscription.schedule, zone=zone, run_at=last_run)
    body, content_type = report_body(subscription=subscription, since=since, until=until, test=True)
    result = webhooks.webhook_post(
        url=subscription.url,
        body=body.encode(),
        secret=subscription.secret,
        content_type=content_type,
        headers={
            "X-Report-Subscription": str(subscription.pk),
            "X-Report-Period": f"{since.isoformat()}/{until.isoformat()}",
            "X-Report-Test": "true",
        },
    )
    logger.info(
        "report subscription %s: test delivery answered %s in %d ms",
        subscription.pk,
        result.status_code,
        result.latency_ms,
    )
    return result


def report_pushes_prepare(*, now: datetime | None = None) -> int:
    """Create the pushes of every subscription that is due (a missed run's too); returns
    how many. Each subscription on its own: one whose report fails is logged and tried
    again at the next round, and the others' reports are made."""
    now = now or timezone.now()
    due = ReportSubscription.objects.sendable(now).filter(next_run_at__lte=now)
    return sweep(
        list(due.values_list("pk", flat=True)),
        lambda pk: _subscription_pushes_prepare(subscription_id=pk, now=now),
        what="tracking: report subscription %s: its pushes",
    )


@transaction.atomic
def _subscription_pushes_prepare(*, subscription_id: int, now: datetime) -> int:
    sendable = ReportSubscription.objects.sendable(now)
    subscription = (
        ReportSubscription.objects.select_for_update()
        .filter(pk__in=sendable.filter(pk=subscription_id).values("pk"), next_run_at__lte=now)
        .first()
    )
    if subscription is None:
        return 0  # another worker took it
    zone = brand_zone(subscription.brand_id)
    periods, next_run = _missed_periods(subscription=subscription, zone=zone, now=now)
    if not subscription.scope_allows():  # its key lost reports:read: nothing sent
        logger.info("report subscription %s: its key may not read reports", subscription_id)
        periods = []
    for since, until in periods:
        body, content_type = report_body(subscription=subscription, since=since, until=until)
        ReportPush.objects.create(
            subscription=subscription,
            period_start=since,
            period_end=until,
            body=body,
            content_type=content_type,
            next_attempt_at=now,
        )
    subscription.next_run_at = next_run
    subscription.save(update_fields=["next_run_at", "updated_at"])
    return len(periods)


def _missed_periods(
    *, subscription: ReportSubscription, zone: zoneinfo.ZoneInfo, now: datetime
) -> tuple[list[tuple[date, date]], datetime]:
    """The periods of every run due by ``now`` (oldest first, each once, at most
    ``BACKFILL_MAX``: the latest), and the first run after ``now``."""
    periods: dict[tuple[date, date], None] = {}
    run = subscription.next_run_at
    while run <= now:
        periods[schedule_period(schedule=subscription.schedule, zone=zone, run_at=run)] = None
        run = schedule_next_run(schedule=subscription.schedule, zone=zone, after=run)
    missed = list(periods)
    if len(missed) > BACKFILL_MAX:
        logger.warning(
            "report subscription %s: %d missed periods, the oldest %d not sent",
            subscription.pk,
            len(missed),
            len(missed) - BACKFILL_MAX,
        )
    return missed[-BACKFILL_MAX:], run


retry_delay = deliveries.retry_delay  # the backoff every signed delivery shares


def _push_post(push: ReportPush) -> webhooks.DeliveryResult:
    subscription = push.subscription
    return webhooks.webhook_post(
        url=subscription.url,
        body=push.body.encode(),
        secret=subscription.secret,
        content_type=push.content_type,
        headers={
            "X-Report-Subscription": str(subscription.pk),
            "X-Report-Push": str(push.pk),
            # the period, for CSV bodies too: "2026-05-04/2026-05-10" (ISO 8601 interval)
            "X-Report-Period": f"{push.period_start.isoformat()}/{push.period_end.isoformat()}",
        },
    )


def report_push_attempt(*, push_id: int, now: datetime | None = None) -> ReportDelivery | None:
    """Claim and send one attempt of a pending push that is due; None if not ours to send
    (``tracking.deliveries``: claim, backoff, log)."""
    logged = deliveries.outbound_attempt(
        model=ReportPush,
        pk=push_id,
        send=_push_post,
        log_model=ReportDelivery,
        log_field="push",
        related=("subscription__api_key",),
        refusal=lambda push: (
            ""
            if push.subscription.scope_allows()
            and ReportSubscription.objects.sendable(now).filter(pk=push.subscription_id).exists()
            else deliveries.NOT_ALLOWED
        ),
        now=now,
    )
    assert logged is None or isinstance(logged, ReportDelivery)
    return logged


def report_pushes_deliver(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every pending push that is due (up to ``limit``), each on its own (one that
    raises is logged and left for the next sweep); returns the attempts made."""
    now = now or timezone.now()
    return sweep(
        deliveries.outbound_due(model=ReportPush, now=now, limit=limit),
        lambda push_id: report_push_attempt(push_id=push_id, now=now) is not None,
        what="tracking: report push %s",
    )


@transaction.atomic
def report_push_resend(*, push: ReportPush, now: datetime | None = None) -> ReportPush:
    """Send a push's report again, as a new push with the same body (a marketer's re-send).

    Nothing is sent here: once the transaction commits, the worker sends it
    (``tracking.tasks.report_push_send``), so an admin request never waits on a partner's
    endpoint. Were that task lost, the minute schedule sends the pending push anyway."""
    again = ReportPush.objects.create(
        subscription=push.subscription,
        period_start=push.period_start,
        period_end=push.period_end,
        body=push.body,
        content_type=push.content_type,
        next_attempt_at=now or timezone.now(),
        resend_of=push,
    )
    task_enqueue("tracking.tasks.report_push_send", again.pk)
    return again
