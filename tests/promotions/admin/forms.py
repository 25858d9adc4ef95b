"""POST bodies for the admin add/change forms, as the browser would send them.

Campaign and promotion forms read times in the brand's time zone (Europe/Paris for the
factories' brands); the API key form reads them in UTC.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def split_datetime(prefix: str, value: datetime, tz: tzinfo = PARIS) -> dict[str, str]:
    value = value.astimezone(tz)
    return {f"{prefix}_0": f"{value:%Y-%m-%d}", f"{prefix}_1": f"{value:%H:%M:%S}"}


def promotion_form(campaign, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "campaign": campaign.pk,
        "kind": "sweepstakes",
        "title": "Spring draw",
        "slug": "spring-draw",
        "status": "active",
        "position": "5",
        "description": "Win a spring bundle.",
        "image_alt": "",
        "cta_label": "Take part",
        "cta_url": "",
        "official_rules": "Open to residents aged 18 and over.",
        # Entry rules and the prize inline, with the defaults the browser shows.
        "countries": "",
        "min_age": "18",
        "entry_frequency": "once",
        "max_entries": "1",
        "entry_methods": ["free_form"],
        "privacy_notice": "",
        "marketing_text": "",
        "submission_media": "video",
        "jury_weight": "0",
        "draw_grace_minutes": "15",
        "claim_days": "7",
        "claim_reminder_hours": "48",
        "winners_display": "first_initial_country",
        "prizes-TOTAL_FORMS": "0",
        "prizes-INITIAL_FORMS": "0",
        "prizes-MIN_NUM_FORMS": "0",
        "prizes-MAX_NUM_FORMS": "1000",
        "country_rules-TOTAL_FORMS": "0",
        "country_rules-INITIAL_FORMS": "0",
        "country_rules-MIN_NUM_FORMS": "0",
        "country_rules-MAX_NUM_FORMS": "1000",
        **split_datetime(
            "starts_at", campaign.starts_at + timedelta(hours=1), campaign.brand.tzinfo
        ),
        **split_datetime("ends_at", campaign.ends_at - timedelta(hours=1), campaign.brand.tzinfo),
    }
    data.update(overrides)
    return data


def campaign_form(brand, **overrides) -> dict[str, object]:
    now = datetime.now(UTC).replace(microsecond=0)
    data: dict[str, object] = {
        "brand": brand.pk,
        "name": "Summer",
        "slug": "summer",
        "status": "draft",
        "description": "",
        **split_datetime("starts_at", now + timedelta(days=1), brand.tzinfo),
        **split_datetime("ends_at", now + timedelta(days=30), brand.tzinfo),
        "promotions-TOTAL_FORMS": "0",
        "promotions-INITIAL_FORMS": "0",
        "promotions-MIN_NUM_FORMS": "0",
        "promotions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def api_key_form(brands, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Agency X",
        "brands": [b.pk for b in brands],
        "scopes": ["reports:read", "events:write"],
        "expires_at_0": "",
        "expires_at_1": "",
    }
    data.update(overrides)
    return data
