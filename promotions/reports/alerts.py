"""Alert rules per campaign (services): measure each rule, open one incident when its
condition starts holding (one email, one signed webhook), resolve it when it stops.

Run by the schedule ``promotions.reports.alerts.evaluate`` (every minute). Measurements:

- CTR below: clicks / impressions over the campaign's most recent hours that hold at least
  ``window_impressions`` valid impressions (tracking's hourly rollups; the last N
  impressions rounded to whole hours); nothing is said before N impressions exist.
- Invalid share above: invalid / all impressions and clicks over ``window_hours``
  (at least 20 events).
- Entry spike: entries of the last 60 minutes against ``threshold`` times their usual
  hourly rate over the ``window_hours`` before, with at least ``min_entries``.
- Prize pool low: prizes not yet awarded plus coupon codes not yet claimed, over the
  campaign's promotions that have any; at or below ``threshold``.
- Claims unfilled: prizes whose claim closed with no alternate left and no draw made since
  (``PrizeClaim.objects.unfilled()``), above ``threshold`` (0). The claims room creates this
  rule and evaluates it at once when it happens (``alert_rule_unfilled_raise``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from promotions.models import (
    AlertIncident,
    AlertRule,
    BrandMembership,
    Campaign,
    CouponCode,
    Entry,
    Prize,
    PrizeClaim,
)
from promotions.reports.numbers import percent
from tracking import selectors as tracking_selectors
from tracking import webhooks

logger = logging.getLogger(__name__)

CTR_LOOKBACK = timedelta(days=30)
MIN_INVALID_SAMPLE = 20
WEBHOOK_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Measure:
    triggered: bool
    value: float | None
    message: str


def alert_rule_measure(*, rule: AlertRule, now: datetime | None = None) -> Measure:
    """Whether a rule's condition holds now, what was measured, and in words."""
    now = now or timezone.now()
    campaign = rule.campaign
    if rule.kind == AlertRule.Kind.CTR_BELOW:
        hours = tracking_selectors.campaign_hourly_stats_list(
            campaign_id=campaign.pk, start=now - CTR_LOOKBACK, end=now + timedelta(hours=1)
        )
        impressions = clicks = 0
        for _hour, stats in hours:
            impressions += stats.impressions
            clicks += stats.clicks
            if impressions >= rule.window_impressions:
                break
        if impressions < rule.window_impressions:
            return Measure(False, None, f"Fewer than {rule.window_impressions} impressions yet.")
        ctr = clicks / impressions
        return Measure(
            ctr < rule.threshold,
            ctr,
            f"CTR of “{campaign.name}” is {percent(ctr)} over its last {impressions} impressions "
            f"(alert below {percent(rule.threshold)}).",
        )
    if rule.kind == AlertRule.Kind.INVALID_SHARE_ABOVE:
        hours = tracking_selectors.campaign_hourly_stats_list(
            campaign_id=campaign.pk,
            start=now - timedelta(hours=rule.window_hours),
            end=now + timedelta(hours=1),
        )
        valid = sum(s.impressions + s.clicks for _h, s in hours)
        invalid = sum(s.invalid_events for _h, s in hours)
        if valid + invalid < MIN_INVALID_SAMPLE:
            return Measure(False, None, "Too few events to judge.")
        share = invalid / (valid + invalid)
        return Measure(
            share > rule.threshold,
            share,
            f"Invalid traffic is {percent(share)} of the events of “{campaign.name}” in the last "
            f"{rule.window_hours} h (alert above {percent(rule.threshold)}).",
        )
    if rule.kind == AlertRule.Kind.ENTRY_SPIKE:
        entries = Entry.objects.filter(promotion__campaign=campaign)
        last_hour = entries.filter(created_at__gt=now - timedelta(hours=1), created_at__lte=now)
        recent = last_hour.count()
        before = entries.filter(
            created_at__gt=now - timedelta(hours=1 + rule.window_hours),
            created_at__lte=now - timedelta(hours=1),
        ).count()
        usual = before / rule.window_hours
        spike = recent >= rule.min_entries and recent > rule.threshold * usual
        return Measure(
            spike,
            float(recent),
            f"{recent} entries in the last hour for “{campaign.name}”, against a usual "
            f"{usual:.1f} an hour over the {rule.window_hours} h before.",
        )
    if rule.kind == AlertRule.Kind.CLAIMS_UNFILLED:
        unfilled = PrizeClaim.objects.filter(promotion__campaign=campaign).unfilled().count()
        return Measure(
            unfilled > rule.threshold,
            float(unfilled),
            f"{unfilled} prize(s) of “{campaign.name}” have no winner left: every alternate "
            "was used. Commit and run a new draw with its reason (docs/draws.md, Re-draws).",
        )
    prizes = Prize.objects.filter(promotion__campaign=campaign).aggregate(
        quantity=Sum("quantity"), awarded=Sum("awarded")
    )
    codes = CouponCode.objects.filter(promotion__campaign=campaign)
    has_pool = bool(prizes["quantity"]) or codes.exists()
    if not has_pool:
        return Measure(False, None, "The campaign has no prizes or codes.")
    left = (prizes["quantity"] or 0) - (prizes["awarded"] or 0)
    left += codes.filter(person__isnull=True).count()
    return Measure(
        left <= rule.threshold,
        float(left),
        f"{left} prizes and codes left in “{campaign.name}” (alert at {rule.threshold:g} or "
        f"fewer).",
    )


def brand_manager_emails(*, brand_id: int) -> list[str]:
    """The addresses alerts of a brand go to when nobody named others: its active managers."""
    managers = BrandMembership.objects.filter(
        brand_id=brand_id, role=BrandMembership.Role.MANAGER, user__is_active=True
    ).exclude(user__email="")
    return sorted(managers.values_list("user__email", flat=True))


def _recipients(rule: AlertRule) -> list[str]:
    if rule.emails.strip():
        return [e.strip() for e in rule.emails.split(",") if e.strip()]
    return brand_manager_emails(brand_id=rule.campaign.brand_id)


def brand_alert_send(*, brand_id: int, subject: str, message: str) -> list[str]:
    """An alert about the brand itself rather than a campaign's rule (a connected Page's
    token stopped working): one email to the brand's managers. The caller makes sure it
    is sent once per incident. Returns the recipients."""
    recipients = brand_manager_emails(brand_id=brand_id)
    if recipients:
        send_mail(
            subject=f"Alert: {subject}",
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
            fail_silently=True,
        )
    return recipients


def _webhook_send(incident: AlertIncident) -> None:
    rule = incident.rule
    payload = {
        "event": "alert.opened",
        "incident": incident.pk,
        "rule": rule.pk,
        "kind": rule.kind,
        "campaign": rule.campaign_id,
        "brand": rule.campaign.brand.slug,
        "threshold": rule.threshold,
        "value": incident.value,
        "message": incident.message,
        "opened_at": incident.opened_at.isoformat().replace("+00:00", "Z"),
    }
    result = webhooks.webhook_post(
        url=rule.webhook_url,
        body=json.dumps(payload, separators=(",", ":")).encode(),
        secret=rule.webhook_secret,
        content_type="application/json",
    )
    incident.webhook_attempts += 1
    incident.webhook_status = result.status_code
    incident.webhook_error = result.error
    if result.succeeded:
        incident.webhook_delivered_at = timezone.now()
    incident.save(
        update_fields=[
            "webhook_attempts",
            "webhook_status",
            "webhook_error",
            "webhook_delivered_at",
        ]
    )


def _incident_notify(incident: AlertIncident) -> None:
    rule = incident.rule
    recipients = _recipients(rule)
    if recipients:
        send_mail(
            subject=f"Alert: {rule.get_kind_display()}: {rule.campaign.name}",
            message=f"{incident.message}\n\nOpened at {incident.opened_at:%Y-%m-%d %H:%M} UTC.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
            fail_silently=True,
        )
        incident.emailed_to = ", ".join(recipients)[:500]
        incident.save(update_fields=["emailed_to"])
    if rule.webhook_url:
        _webhook_send(incident)


def alert_rule_evaluate(*, rule: AlertRule, now: datetime | None = None) -> str:
    """Open, keep, or resolve the rule's incident; returns what happened."""
    now = now or timezone.now()
    measure = alert_rule_measure(rule=rule, now=now)
    open_incident = rule.incidents.filter(resolved_at__isnull=True).first()
    if measure.triggered and open_incident is None:
        try:
            with transaction.atomic():
                incident = AlertIncident.objects.create(
                    rule=rule, opened_at=now, value=measure.value, message=measure.message
                )
        except IntegrityError:
            return "kept"  # another worker opened it a moment ago
        _incident_notify(incident)
        return "opened"
    if open_incident is not None and not measure.triggered:
        AlertIncident.objects.filter(pk=open_incident.pk, resolved_at__isnull=True).update(
            resolved_at=now
        )
        return "resolved"
    if (
        open_incident is not None
        and rule.webhook_url
        and open_incident.webhook_delivered_at is None
        and open_incident.webhook_attempts < WEBHOOK_MAX_ATTEMPTS
    ):
        _webhook_send(open_incident)  # a failed webhook is retried on the next checks
    return "kept" if open_incident is not None else "quiet"


def alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Evaluate every active rule of campaigns that have not ended more than a day ago."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    rules = AlertRule.objects.filter(
        active=True, campaign__ends_at__gt=now - timedelta(days=1)
    ).select_related("campaign__brand")
    for rule in rules:
        try:
            outcome = alert_rule_evaluate(rule=rule, now=now)
        except Exception:  # one broken rule must not stop the others
            logger.exception("alert rule %s could not be evaluated", rule.pk)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def alert_rule_unfilled_raise(*, campaign_id: int, now: datetime | None = None) -> str:
    """A prize ran out of alternates: make sure the campaign has its "claims unfilled" rule
    and evaluate it now, so the incident (email to the managers, webhook) opens at once
    instead of at the next check. Resolved once a new draw is made."""
    with transaction.atomic():  # one rule per campaign: made under the campaign's row lock
        Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        rule, _created = AlertRule.objects.get_or_create(
            campaign_id=campaign_id,
            kind=AlertRule.Kind.CLAIMS_UNFILLED,
            defaults={"threshold": 0},
        )
    if not rule.active:
        return "inactive"
    return alert_rule_evaluate(rule=rule, now=now)
