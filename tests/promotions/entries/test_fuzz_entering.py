"""Fuzzing the entry endpoint, JSON and form, on the database path and through the entry
intake: never a 5xx; a refusal stores nothing and takes no slot; an acceptance is one
entry, stored once."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.entries import intake
from promotions.models import Entry
from tests.factories.promotions import PersonFactory, PromotionFactory
from tests.fuzzing import json_values
from tests.promotions.conftest import ENTRY_JSON, make_consumer, sign_in
from tests.tracking.conftest import redis_keys_delete
from tracking import stream

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

FIELDS = [*ENTRY_JSON, "marketing", "website", "title", "x", ""]
JSON_VALUES = json_values(
    samples=["FR", "ZZ", "1994-03-08", "2999-01-01", "0000-00-00", "\x00", "on"],
    keys=st.text(max_size=5),
)
BODIES = st.one_of(
    # the real answers with some fields changed, added or left out
    st.builds(
        lambda changes, dropped: {
            **{k: v for k, v in ENTRY_JSON.items() if k not in dropped},
            **changes,
        },
        st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4),
        st.sets(st.sampled_from(list(ENTRY_JSON)), max_size=3),
    ),
    JSON_VALUES,  # anything at all, an object or not
)


@pytest.fixture(params=["database", pytest.param("intake", marks=pytest.mark.redis)])
def path(request, settings):
    """Each test runs on the database path and, where Redis is, through the intake."""
    if request.param == "intake":
        prefix = f"test:entries:{uuid.uuid4().hex[:12]}"
        settings.ENTRY_INTAKE = True
        settings.ENTRY_INTAKE_STREAM = prefix
        intake._down_until = 0.0
        yield request.param
        redis_keys_delete(settings, prefix)
        return
    settings.ENTRY_INTAKE = False
    yield request.param


def _stored(path: str) -> int:
    """Entries stored, once the intake's consumer (if on) has run."""
    if path == "intake":
        intake.intake_consume(until_empty=True, block_ms=0)
    return Entry.objects.count()


def _slots(path: str) -> int:
    return (
        len(list(stream.client().scan_iter(f"{intake.stream_name()}:slot:*")))
        if path == "intake"
        else 0
    )


@FUZZ
@given(body=BODIES, kind=st.sampled_from(["sweepstakes", "instant_win", "offer", "contest"]))
def test_any_json_body_is_answered_without_a_5xx(path, body, kind):
    promotion = PromotionFactory(min_age=18, kind=kind)
    client = sign_in(make_consumer(), PersonFactory())
    before, slots = _stored(path), _slots(path)

    answer = client.post(
        promotion.get_absolute_url() + "enter/",
        json.dumps(body),
        content_type="application/json",
    )

    assert answer.status_code < 500, (body, answer.status_code, answer.content[:300])
    assert answer["Content-Type"].startswith("application/json")
    if answer.status_code == 201:
        assert _stored(path) == before + 1
        assert Entry.objects.filter(public_id=answer.json()["entry"]).exists()
    else:
        assert 400 <= answer.status_code < 500
        assert "error" in answer.json()
        assert _stored(path) == before
        assert _slots(path) == slots  # a refusal takes no slot


@FUZZ
@given(raw=st.binary(max_size=300))
def test_bytes_that_are_not_json_are_a_400(path, raw):
    promotion = PromotionFactory()
    client = sign_in(make_consumer(), PersonFactory())

    answer = client.post(
        promotion.get_absolute_url() + "enter/", raw, content_type="application/json"
    )

    try:
        json.loads(raw)
    except ValueError:
        assert answer.status_code == 400, (raw, answer.status_code)
    else:
        assert answer.status_code < 500, (raw, answer.status_code)
    assert _stored(path) in (0, 1)


@FUZZ
@given(fields=st.lists(st.tuples(st.sampled_from(FIELDS), st.text(max_size=120)), max_size=8))
def test_any_form_post_is_answered_without_a_5xx(path, fields):
    promotion = PromotionFactory(min_age=18)
    client = sign_in(make_consumer(), PersonFactory())
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)

    answer = client.post(promotion.get_absolute_url() + "enter/", data)

    assert answer.status_code < 500, (fields, answer.status_code)
    assert _stored(path) <= 1


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"birth_date": True}, "birth_date", "Enter a date such as 2001-04-30."),
        ({"birth_date": 19940308}, "birth_date", "Enter a date such as 2001-04-30."),
        ({"name": ["Camille"]}, "name", "One value, not a list or an object."),
        ({"country": {"code": "FR"}}, "country", "One value, not a list or an object."),
    ],
)
def test_a_value_of_the_wrong_kind_is_a_400_on_its_field(path, change, field, says):
    """Found by the fuzzing above: a boolean date was a 500."""
    promotion = PromotionFactory(min_age=18)
    client = sign_in(make_consumer(), PersonFactory())

    answer = client.post(
        promotion.get_absolute_url() + "enter/",
        json.dumps({**ENTRY_JSON, **change}),
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert says in answer.json()["error"]["fields"][field][0]
    assert _stored(path) == 0


@FUZZ
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(["email", "x"]), JSON_VALUES, max_size=2), JSON_VALUES
    )
)
def test_the_email_sign_in_answers_any_json_body_without_a_5xx(body):
    promotion = PromotionFactory()

    answer = make_consumer().post(
        promotion.get_absolute_url() + "identify/",
        json.dumps(body),
        content_type="application/json",
    )

    assert answer.status_code < 500, (body, answer.status_code, answer.content[:300])


@pytest.mark.parametrize(
    ("endpoint", "raw"),
    [
        ("enter/", '{"name": "Ana \\ud800", "birth_date": "1994-03-08", "country": "FR"}'),
        ("enter/", '{"name\\udfff": "Ana"}'),
        ("enter/", "[" * 100_000 + "]" * 100_000),
        ("identify/", '{"email": "ana@exa\\ud800mple.com"}'),
        ("identify/", '{"email": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ],
    ids=["surrogate-value", "surrogate-key", "deep-list", "surrogate-email", "deep-email"],
)
def test_json_that_holds_no_text_or_nests_too_deep_is_a_400_that_changes_nothing(
    path, endpoint, raw
):
    # given: valid JSON Python reads, but whose text is no Unicode (a lone surrogate) or
    # which nests deeper than the parser goes
    promotion = PromotionFactory()
    client = sign_in(make_consumer(), PersonFactory(name=""))
    client.raise_request_exception = False

    answer = client.post(
        promotion.get_absolute_url() + endpoint, raw, content_type="application/json"
    )

    assert answer.status_code == 400, answer.content[:300]
    assert answer.json()["error"]["code"] == "invalid"
    assert _stored(path) == 0
