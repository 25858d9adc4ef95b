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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from promotions.campaigns.selectors import brand_manager_emails
from promotions.campaigns.zones import moment_display
from promotions.models import (
    AlertIncident,
    AlertRule,
    Brand,
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
            return Measure(
                False,
                None,
                ngettext(
                    "Fewer than %(n)d impression yet.",
                    "Fewer than %(n)d impressions yet.",
                    rule.window_impressions,
                )
                % {"n": rule.window_impressions},
            )
        ctr = clicks / impressions
        return Measure(
            ctr < rule.threshold,
            ctr,
            ngettext(
                "CTR of “%(campaign)s” is %(ctr)s over its last %(n)d impression "
                "(alert below %(threshold)s).",
                "CTR of “%(campaign)s” is %(ctr)s over its last %(n)d impressions "
                "(alert below %(threshold)s).",
                impressions,
            )
            % {
                "campaign": campaign.name,
                "ctr": percent(ctr),
                "n": impressions,
                "threshold": percent(rule.threshold),
            },
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
            return Measure(False, None, _("Too few events to judge."))
        share = invalid / (valid + invalid)
        return Measure(
            share > rule.threshold,
            share,
            _(
                "Invalid traffic is %(share)s of the events of “%(campaign)s” in the last "
                "%(hours)d h (alert above %(threshold)s)."
            )
            % {
                "share": percent(share),
                "campaign": campaign.name,
                "hours": rule.window_hours,
                "threshold": percent(rule.threshold),
            },
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
            ngettext(
                "%(n)d entry in the last hour for “%(campaign)s”, against a usual %(usual)s an "
                "hour over the %(hours)d h before.",
                "%(n)d entries in the last hour for “%(campaign)s”, against a usual %(usual)s an "
                "hour over the %(hours)d h before.",
                recent,
            )
            % {
                "n": recent,
                "campaign": campaign.name,
                "usual": number_format(usual, 1),
                "hours": rule.window_hours,
            },
        )
    if rule.kind == AlertRule.Kind.CLAIMS_UNFILLED:
        unfilled = PrizeClaim.objects.filter(promotion__campaign=campaign).unfilled().count()
        return Measure(
            unfilled > rule.threshold,
            float(unfilled),
            ngettext(
                "%(n)d prize of “%(campaign)s” has no winner left: every alternate was used. "
                "Commit and run a new draw with its reason (docs/draws.md, Re-draws).",
                "%(n)d prizes of “%(campaign)s” have no winner left: every alternate was used. "
                "Commit and run a new draw with its reason (docs/draws.md, Re-draws).",
                unfilled,
            )
            % {"n": unfilled, "campaign": campaign.name},
        )
    prizes = Prize.objects.filter(promotion__campaign=campaign).aggregate(
        quantity=Sum("quantity"), awarded=Sum("awarded")
    )
    codes = CouponCode.objects.filter(promotion__campaign=campaign)
    has_pool = bool(prizes["quantity"]) or codes.exists()
    if not has_pool:
        return Measure(False, None, _("The campaign has no prizes or codes."))
    left = (prizes["quantity"] or 0) - (prizes["awarded"] or 0)
    left += codes.filter(person__isnull=True).count()
    return Measure(
        left <= rule.threshold,
        float(left),
        ngettext(
            "%(n)d prize or code left in “%(campaign)s” (alert at %(threshold)s or fewer).",
            "%(n)d prizes and codes left in “%(campaign)s” (alert at %(threshold)s or fewer).",
            int(left),
        )
        % {"n": left, "campaign": campaign.name, "threshold": f"{rule.threshold:g}"},
    )


def _recipients(rule: AlertRule) -> list[str]:
    if rule.emails.strip():
        return [e.strip() for e in rule.emails.split(",") if e.strip()]
    return brand_manager_emails(brand_id=rule.campaign.brand_id)


def brand_alert_send(*, brand: Brand, compose: Callable[[], tuple[str, str]]) -> list[str]:
    """An alert about the brand itself rather than a campaign's rule (a connected Page's
    token stopped working): one email to the brand's managers, in the brand's language
    (``compose`` gives the subject and the message, in the language active when it runs).
    The caller makes sure it is sent once per incident. Returns the recipients."""
    recipients = brand_manager_emails(brand_id=brand.pk)
    if recipients:
        with translation.override(brand.language):
            subject, message = compose()
            subject = _("Alert: %(subject)s") % {"subject": subject}
        send_mail(
            subject=subject,
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
    brand = rule.campaign.brand
    recipients = _recipients(rule)
    if recipients:
        with translation.override(brand.language):
            subject = _("Alert: %(kind)s: %(campaign)s") % {
                "kind": rule.get_kind_display(),
                "campaign": rule.campaign.name,
            }
            message = _("%(message)s\n\nOpened at %(moment)s.") % {
                "message": incident.message,
                "moment": moment_display(brand, incident.opened_at),
            }
        send_mail(
            subject=subject,
            message=message,
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
    with translation.override(rule.campaign.brand.language):  # the incident's words
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
