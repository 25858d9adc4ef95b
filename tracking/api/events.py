"""``POST /api/v1/events/batch``: a partner's impressions and clicks, up to 1,000 at a time.

The body is a JSON list of events. Each is checked on its own: a bad one is listed in
``rejected`` with its index and the others are recorded (202). A body that is not such a
list, holds more than 1,000 events or not one valid event is a 400 for the whole batch.

This is the partner API's hot path, so a batch is read in one of two ways (one result):

- ``EventBatchParser`` first decodes the body with msgspec straight into ``WireEvent``
  structs, checking every type, length and choice in C (about 0.2 ms per 1,000 events);
- when any event fails those checks, the body is read again as plain JSON and each event
  is checked by ``_check`` in Python, which names each fault.

Either way ``_check_window`` then checks what depends on the clock or needs a pattern.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import IO, Annotated, Any, Literal, cast

import msgspec
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import services
from tracking.api.errors import ServiceUnavailable
from tracking.api.query_params import StrictQueryParamsMixin
from tracking.api.scoping import key_brand_ids, promotions_of_brands, request_key
from tracking.api.serializers import ErrorSerializer
from tracking.classify import clean_source
from tracking.classify import language as language_code
from tracking.models import DeviceClass, EventType, Scope
from tracking.tracked_event import TrackedEvent

MAX_EVENTS = 1000
MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
FIELDS = {"event_id", "type", "promotion", "ts", "country", "device", "source", "language"}
MAX_LANGUAGE = 35  # the longest sensible BCP 47 tag
TYPES = (EventType.IMPRESSION.value, EventType.CLICK.value)
DEVICES = set(DeviceClass.values)
_HEX = "[0-9a-fA-F]"  # spelled out: re.I makes the match twice as slow
_UUID = re.compile(f"{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}}")
PARTNER_NAMESPACE = uuid.UUID("6f1d7c52-4a53-4c55-9a1e-7d0c2b1e5a10")
MAX_PROMOTION_ID = 2**63 - 1


class Unavailable(ServiceUnavailable):
    default_detail = "The events could not be stored; send the same batch again."


Device = Literal["mobile", "tablet", "desktop", "other", ""]  # DeviceClass's values, or none


class WireEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One event of a batch, its types checked (by msgspec, or by ``_check``); scalars
    only, so the garbage collector need not track it."""

    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    type: Literal["impression", "click"]
    promotion: Annotated[int, msgspec.Meta(gt=0, le=MAX_PROMOTION_ID)]
    ts: Annotated[datetime, msgspec.Meta(tz=True)]
    country: str | None = ""
    device: Device | None = ""
    source: Annotated[str, msgspec.Meta(max_length=100)] | None = ""
    language: Annotated[str, msgspec.Meta(max_length=MAX_LANGUAGE)] | None = ""


_DECODER = msgspec.json.Decoder(
    Annotated[list[WireEvent], msgspec.Meta(min_length=1, max_length=MAX_EVENTS)]
)


class WellFormed(list[WireEvent]):
    """What the parser gives when msgspec read every event: no per-event type errors."""


class EventBatchParser(JSONParser):
    """JSON, decoded straight into ``WireEvent``s when every event is well formed; else the
    plain JSON value, for the view to check event by event."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Any = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return WellFormed(_DECODER.decode(raw))
        except msgspec.ValidationError:
            pass  # JSON, but not (only) well-formed events: checked one by one below
        except msgspec.DecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:  # arrays or objects nested thousands deep
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None


def event_uuid(event_id: str, promotion_id: int) -> uuid.UUID:
    """A UUID is used as it is; any other id is namespaced by its promotion."""
    if 32 <= len(event_id) <= 36 and _UUID.fullmatch(event_id):
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


_COUNTRY_ERROR = "country: a two-letter ISO 3166 code, e.g. FR."


def _check(item: Any) -> WireEvent | str:
    """The event, its types checked, or its error (the slow path, for a batch with faults)."""
    if not isinstance(item, dict):
        return "An event is a JSON object."
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        return f"Unknown field(s): {', '.join(unknown)}."
    event_id = item.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100:
        return "event_id: a string of 1 to 100 characters is required."
    if item.get("type") not in TYPES:
        return "type: must be impression or click."
    promotion = item.get("promotion")
    if (
        not isinstance(promotion, int)
        or isinstance(promotion, bool)
        or not 0 < promotion <= MAX_PROMOTION_ID
    ):
        return "promotion: a promotion id (integer) is required."
    raw_ts = item.get("ts")
    ts = _parse_ts(raw_ts) if isinstance(raw_ts, str) else None
    if ts is None:
        return "ts: an ISO 8601 date-time is required, e.g. 2026-05-01T12:00:00Z."
    if ts.tzinfo is None:
        return "ts: give a time zone (Z or +02:00)."
    country = item.get("country", "") or ""
    if not isinstance(country, str):
        return _COUNTRY_ERROR
    device = item.get("device", "") or ""
    if device != "" and (not isinstance(device, str) or device not in DEVICES):
        return f"device: one of {', '.join(sorted(DEVICES))}."
    source = item.get("source", "") or ""
    if not isinstance(source, str) or len(source) > 100:
        return "source: a string of at most 100 characters."
    language = item.get("language", "") or ""
    if not isinstance(language, str) or len(language) > MAX_LANGUAGE:
        return f"language: a language code of at most {MAX_LANGUAGE} characters, e.g. fr."
    return WireEvent(
        event_id, item["type"], promotion, ts, country, cast(Device, device), source, language
    )


def _check_window(event: WireEvent, earliest: datetime, latest: datetime) -> str:
    """'' or the error of an event whose types are right: its time and its country."""
    if event.ts > latest:
        return "ts: lies in the future."
    if event.ts < earliest:
        return "ts: older than 7 days; such events are not accepted."
    country = event.country
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        return _COUNTRY_ERROR
    return ""


@lru_cache(maxsize=4096)
def _source(value: str) -> str:
    """A partner's source, cleaned once per distinct value (batches repeat a handful)."""
    return clean_source(value)


class EventSerializer(serializers.Serializer):
    """One impression or click of a promotion of your key's brands."""

    # The schema's view of an event; requests are validated by WireEvent and _check.

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
    language = serializers.CharField(
        required=False,
        max_length=MAX_LANGUAGE,
        help_text=(
            "The language the page was shown in, e.g. fr or pt-BR; one this service does not "
            "serve is recorded as unknown (the event is still counted)."
        ),
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
    parser_classes = [EventBatchParser]

    @extend_schema(
        operation_id="events_batch",
        summary="Record events in a batch",
        description=(
            "Up to 1,000 impressions and clicks of your brands' promotions, each with your "
            "event id: a retried event is counted once. Each event is checked on its own and "
            "a bad one is listed in `rejected` (its index and what is wrong) and the others "
            "are recorded (202), also when none is left to record. A body that is not a list "
            "of 1 to 1,000 events is a 400 for the whole batch. Scope `events:write`."
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
                    "language": "fr",
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
        checked: list[WireEvent | str] = (
            list(items) if isinstance(items, WellFormed) else [_check(item) for item in items]
        )
        now = datetime.now(UTC)
        earliest, latest = now - MAX_AGE, now + CLOCK_SKEW
        promotions = promotions_of_brands(
            {e.promotion for e in checked if not isinstance(e, str)},
            key_brand_ids(request_key(request)),
        )
        rejected: list[dict[str, Any]] = []
        tracked: list[TrackedEvent] = []
        for index, event in enumerate(checked):
            if isinstance(event, str):
                rejected.append({"index": index, "error": event})
                continue
            error = _check_window(event, earliest, latest)
            if not error and event.promotion not in promotions:
                error = "promotion: no such promotion among your brands'."
            if error:
                rejected.append({"index": index, "error": error})
                continue
            campaign_id, brand_id = promotions[event.promotion]
            ts = event.ts
            tracked.append(
                TrackedEvent(
                    event_id=event_uuid(event.event_id, event.promotion),
                    ts=ts if ts.tzinfo is UTC else ts.astimezone(UTC),
                    type=event.type,
                    promotion_id=event.promotion,
                    campaign_id=campaign_id,
                    brand_id=brand_id,
                    country=event.country.upper() if event.country else "",
                    device=event.device or "",
                    source=_source(event.source) if event.source else "",
                    language=language_code(event.language),
                )
            )
        try:  # also when every event was rejected: the answer still lists each
            outcome = services.event_batch_record(events=tracked)
        except services.NotStored:
            raise Unavailable() from None
        body = {
            "accepted": outcome.accepted,
            "duplicates": outcome.duplicates,
            "rejected": rejected,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
