"""``POST /api/v1/events/batch``: a partner's impressions and clicks, up to 1,000 at a time.

The body is a JSON list of events. Each is checked on its own: a bad one is listed in
``rejected`` with its index and the others are recorded (202). A body that is not such a
list, holds more than 1,000 events or not one valid event is a 400 for the whole batch.
Validation is plain Python rather than a serializer per event: it is the partner API's
hot path.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import services
from tracking.api.scoping import key_brand_ids, promotions_of_brands
from tracking.api.serializers import ErrorSerializer
from tracking.api.strict import StrictQueryParamsMixin
from tracking.classify import clean_source
from tracking.hits import Hit
from tracking.models import ApiKey, DeviceClass, EventType, Scope

MAX_EVENTS = 1000
MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
FIELDS = {"event_id", "type", "promotion", "ts", "country", "device", "source"}
TYPES = (EventType.IMPRESSION.value, EventType.CLICK.value)
DEVICES = set(DeviceClass.values)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
PARTNER_NAMESPACE = uuid.UUID("6f1d7c52-4a53-4c55-9a1e-7d0c2b1e5a10")


class Unavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The events could not be stored; send the same batch again."
    default_code = "unavailable"


def event_uuid(event_id: str, promotion_id: int) -> uuid.UUID:
    """A UUID is used as it is; any other id is namespaced by its promotion."""
    if _UUID.match(event_id):
        return uuid.UUID(event_id)
    return uuid.uuid5(PARTNER_NAMESPACE, f"{promotion_id}:{event_id}")


def _parse_ts(value: str) -> datetime | None:
    """ISO 8601; ``datetime.fromisoformat`` (C, Python 3.11+) first, Django's parser for
    the forms it does not read."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        try:
            return parse_datetime(value)
        except ValueError:
            return None


def _check(item: Any, now: datetime) -> tuple[dict[str, Any] | None, str]:
    """(clean event, '') or (None, error)."""
    if not isinstance(item, dict):
        return None, "An event is a JSON object."
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        return None, f"Unknown field(s): {', '.join(unknown)}."
    event_id = item.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100:
        return None, "event_id: a string of 1 to 100 characters is required."
    if item.get("type") not in TYPES:
        return None, "type: must be impression or click."
    promotion = item.get("promotion")
    if not isinstance(promotion, int) or isinstance(promotion, bool) or not 0 < promotion < 2**63:
        return None, "promotion: a promotion id (integer) is required."
    raw_ts = item.get("ts")
    ts = _parse_ts(raw_ts) if isinstance(raw_ts, str) else None
    if ts is None:
        return None, "ts: an ISO 8601 date-time is required, e.g. 2026-05-01T12:00:00Z."
    if ts.tzinfo is None:
        return None, "ts: give a time zone (Z or +02:00)."
    if ts > now + CLOCK_SKEW:
        return None, "ts: lies in the future."
    if ts < now - MAX_AGE:
        return None, "ts: older than 7 days; such events are not accepted."
    country = item.get("country", "") or ""
    if not isinstance(country, str) or (country and not _COUNTRY.match(country)):
        return None, "country: a two-letter ISO 3166 code, e.g. FR."
    device = item.get("device", "") or ""
    if device not in DEVICES and device != "":
        return None, f"device: one of {', '.join(sorted(DEVICES))}."
    source = item.get("source", "") or ""
    if not isinstance(source, str) or len(source) > 100:
        return None, "source: a string of at most 100 characters."
    return {
        "event_id": event_id,
        "type": item["type"],
        "promotion": promotion,
        "ts": ts.astimezone(UTC),
        "country": country.upper(),
        "device": device,
        "source": clean_source(source) if source else "",
    }, ""


class EventSerializer(serializers.Serializer):
    """The shape of one event (for the schema; validation is ``_check``)."""

    event_id = serializers.CharField(
        max_length=100,
        help_text="Your id for the event (a UUID is best); a retried event is counted once.",
    )
    type = serializers.ChoiceField(choices=TYPES)
    promotion = serializers.IntegerField(help_text="A promotion of your key's brands.")
    ts = serializers.DateTimeField(
        help_text="When it happened, with a time zone; at most 7 days old, not in the future."
    )
    country = serializers.CharField(required=False, help_text="ISO 3166 alpha-2, e.g. FR.")
    device = serializers.ChoiceField(choices=sorted(DEVICES), required=False)
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, help_text="facebook, instagram, a utm_source or a referring domain."
    )


class RejectedSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the event in the list.")
    error = serializers.CharField()


class BatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events recorded now.")
    duplicates = serializers.IntegerField(
        help_text="Events already recorded (retries) or repeated within the batch."
    )
    rejected = RejectedSerializer(many=True)


class EventBatchView(StrictQueryParamsMixin, APIView):
    required_scopes = [Scope.EVENTS_WRITE]

    @extend_schema(
        operation_id="events_batch",
        summary="Record events in a batch",
        description=(
            "Up to 1,000 impressions and clicks of your brands' promotions, each with your "
            "event id: a retried event is counted once. Each event is checked on its own and "
            "a bad one is listed in `rejected` and the others are recorded (202). A body that "
            "is not a list of events, holds more than 1,000, or holds no valid event is a 400 "
            "(each bad event named `events[<index>]` in `fields`). Scope `events:write`."
        ),
        request=EventSerializer(many=True),
        responses={202: BatchResultSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
        examples=[
            OpenApiExample(
                "An impression",
                request_only=True,
                # drf-spectacular wraps the example of a list body in a list itself
                value={
                    "event_id": "0b7e2b1a-53d5-4c7e-9d3c-8a7d3d6f4a11",
                    "type": "impression",
                    "promotion": 12,
                    "ts": "2026-05-01T12:00:00Z",
                    "country": "FR",
                    "device": "mobile",
                    "source": "facebook",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        items = request.data
        if not isinstance(items, list) or not items:
            raise exceptions.ValidationError("The body must be a JSON list of 1 to 1,000 events.")
        if len(items) > MAX_EVENTS:
            raise exceptions.ValidationError(
                f"At most {MAX_EVENTS} events per batch; this one has {len(items)}."
            )
        now = datetime.now(UTC)
        checked = [_check(item, now) for item in items]
        key = request.auth
        assert isinstance(key, ApiKey)  # HasApiKey ran first
        brand_ids = key_brand_ids(key)
        promotions = promotions_of_brands(
            {event["promotion"] for event, _ in checked if event is not None}, brand_ids
        )
        rejected: list[dict[str, Any]] = []
        hits: list[Hit] = []
        for index, (event, error) in enumerate(checked):
            if event is not None and event["promotion"] not in promotions:
                event, error = None, "promotion: no such promotion among your brands'."
            if event is None:
                rejected.append({"index": index, "error": error})
                continue
            campaign_id, brand_id = promotions[event["promotion"]]
            hits.append(
                Hit(
                    event_id=event_uuid(event["event_id"], event["promotion"]),
                    ts=event["ts"],
                    type=event["type"],
                    promotion_id=event["promotion"],
                    campaign_id=campaign_id,
                    brand_id=brand_id,
                    country=event["country"],
                    device=event["device"],
                    source=event["source"],
                )
            )
        if not hits:  # nothing to record: a clear 400 naming each event's fault
            raise exceptions.ValidationError(
                {f"events[{r['index']}]": [r["error"]] for r in rejected}
            )
        accepted = duplicates = 0
        if hits:
            try:
                outcome = services.events_record(hits=hits)
            except services.NotStored:
                raise Unavailable() from None
            accepted, duplicates = outcome.accepted, outcome.duplicates
        body = {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}
        return Response(body, status=status.HTTP_202_ACCEPTED)
