"""The batch endpoint reads a body in one of two ways (tracking.api.events): msgspec's
typed decoder when every event is well formed, the per-event checks otherwise. Both must
give the same events, so which way a batch took never changes what is recorded."""

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracking.api.events import (
    MAX_PROMOTION_ID,
    Device,
    EventBatchParser,
    WellFormed,
    WireEvent,
    _check,
)
from tracking.models import DeviceClass

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
)
optional_text = st.one_of(st.none(), st.text(max_size=100))
well_formed = st.fixed_dictionaries(
    {
        "event_id": st.text(min_size=1, max_size=100),
        "type": st.sampled_from(["impression", "click"]),
        "promotion": st.integers(min_value=1, max_value=MAX_PROMOTION_ID),
        "ts": moments.map(lambda ts: ts.isoformat()),
    },
    optional={
        "country": optional_text,
        "device": st.one_of(st.none(), st.sampled_from(["", *DeviceClass.values])),
        "source": optional_text,
        "language": st.one_of(
            st.none(), st.sampled_from(["", "fr", "pt-BR", "xx"]), st.text(max_size=35)
        ),
    },
)


def parse(body: bytes):
    return EventBatchParser().parse(io.BytesIO(body))


def normalised(event: WireEvent) -> tuple:
    """The event with the defaults the view applies (None and "" mean none given)."""
    return (
        event.event_id,
        event.type,
        event.promotion,
        event.ts,
        event.ts.utcoffset(),
        event.country or "",
        event.device or "",
        event.source or "",
        event.language or "",
    )


@given(st.lists(well_formed, min_size=1, max_size=20))
def test_well_formed_events_read_the_same_both_ways(items):
    parsed = parse(json.dumps(items).encode())

    assert isinstance(parsed, WellFormed)
    checked = [_check(item) for item in items]
    assert all(isinstance(event, WireEvent) for event in checked)
    assert [normalised(e) for e in parsed] == [normalised(e) for e in checked]  # type: ignore[arg-type]


@given(st.lists(well_formed, min_size=1, max_size=5), st.data())
def test_one_bad_event_sends_the_whole_batch_to_the_per_event_checks(items, data):
    bad = data.draw(
        st.sampled_from(
            [
                {"colour": "red"},
                {"type": "view"},
                {"promotion": True},
                {"promotion": 0},
                {"promotion": MAX_PROMOTION_ID + 1},
                {"ts": "2026-05-01T12:00:00"},
                {"device": "fridge"},
                {"event_id": ""},
                {"source": "x" * 101},
                {"language": "x" * 36},
                {"language": 12},
            ]
        )
    )
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    items[index] = {**items[index], **bad}

    parsed = parse(json.dumps(items).encode())

    assert not isinstance(parsed, WellFormed)
    assert parsed == items
    assert isinstance(_check(parsed[index]), str)


@pytest.mark.parametrize("body", [b"[]", b"{}", b'"text"', b"12", b"null", b"[1]"])
def test_what_is_json_but_not_events_is_given_to_the_view_as_it_is(body):
    assert parse(body) == json.loads(body)


def test_more_than_1000_events_are_left_for_the_view_to_refuse():
    item = {"event_id": "e", "type": "click", "promotion": 1, "ts": "2026-05-01T12:00:00Z"}

    parsed = parse(json.dumps([item] * 1001).encode())

    assert not isinstance(parsed, WellFormed)
    assert len(parsed) == 1001


def test_the_decoder_knows_every_device_class():
    assert set(get_args(Device)) == {"", *DeviceClass.values}
