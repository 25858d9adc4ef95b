"""The entry intake: sweepstakes entries accepted into Redis, stored by the entries consumer
(promotions/entries/intake.py, intake_store.py). Needs Redis; PostgreSQL runs the batch
lookups as one statement, SQLite one per entry."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from promotions.claims import services as claims_services
from promotions.entries import intake
from promotions.entries.eligibility import local_day
from promotions.entries.intake_store import entries_store
from promotions.models import (
    Consent,
    Draw,
    EntryFrequency,
    Flag,
    Person,
    Promotion,
    PromotionCountryRule,
)
from promotions.models import Entry as EntryModel
from tests.factories.promotions import EntryFactory, PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_FORM, ENTRY_JSON, make_consumer, sign_in
from tests.tracking.conftest import click_cookie, redis_keys_delete
from tests.tracking.conftest import drain as tracking_drain
from tracking import stream
from tracking.models import HourlyRollup

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _intake(settings):
    """The intake on, on a stream of this test's own (its slot keys share the prefix)."""
    prefix = f"test:entries:{uuid.uuid4().hex[:12]}"
    settings.ENTRY_INTAKE = True
    settings.ENTRY_INTAKE_STREAM = prefix
    settings.TRACKING_STREAM = f"{prefix}:tracking"
    intake._down_until = 0.0
    stream._down_until = 0.0
    yield
    intake._down_until = 0.0
    stream._down_until = 0.0
    redis_keys_delete(settings, prefix)


def enter(client, promotion, **answers):
    return client.post(
        promotion.get_absolute_url() + "enter/",
        json.dumps({**ENTRY_JSON, **answers}),
        content_type="application/json",
    )


def store_all(capture) -> int:
    """What the entries consumer does, with the after-commit work run."""
    with capture(execute=True):
        return intake.intake_consume(until_empty=True, block_ms=0).stored


def signed_in(person):
    return sign_in(make_consumer(), person)


def test_an_entry_is_accepted_at_once_and_stored_whole_by_the_consumer(
    django_capture_on_commit_callbacks,
):
    # given
    promotion = PromotionFactory(marketing_text="Send me news")
    person = PersonFactory(name="", birth_date=None, country="")
    client = signed_in(person)

    # when: they enter
    answer = enter(client, promotion, marketing=True)

    # then: their number now, nothing written yet
    assert answer.status_code == 201
    number = answer.json()["entry"]
    assert answer.json()["under_review"] is False
    assert not EntryModel.objects.exists()
    assert intake.intake_waiting() == 1

    # when: the consumer runs
    assert store_all(django_capture_on_commit_callbacks) == 1

    # then: the entry under that number, with everything an entry made directly has
    entry = EntryModel.objects.get()
    assert (entry.public_id, entry.promotion, entry.person) == (number, promotion, person)
    assert (entry.slot, entry.country, entry.language, entry.flagged) == ("1", "FR", "en", False)
    person.refresh_from_db()
    assert (person.name, str(person.birth_date), person.country) == (
        "Camille Martin",
        "1994-03-08",
        "FR",
    )
    kinds = sorted(Consent.objects.filter(person=person).values_list("text__kind", flat=True))
    assert kinds == ["facebook_release", "marketing", "official_rules", "privacy"]
    assert Draw.objects.filter(promotion=promotion).count() == 1  # the draw committed
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert number in mail.outbox[0].body
    tracking_drain()
    counted = HourlyRollup.objects.filter(promotion_id=promotion.pk).aggregate(n=Sum("entries"))
    assert counted["n"] == 1
    assert intake.intake_waiting() == 0


def test_a_second_entry_for_the_same_slot_is_refused_before_the_first_is_stored(
    django_capture_on_commit_callbacks,
):
    promotion = PromotionFactory()
    client = signed_in(PersonFactory())

    first, second = enter(client, promotion), enter(client, promotion)

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_entered"
    assert store_all(django_capture_on_commit_callbacks) == 1
    assert EntryModel.objects.count() == 1
    # and once stored, the database says so too
    assert enter(client, promotion).status_code == 409


def test_an_entry_stored_directly_counts_even_when_redis_never_saw_it(
    django_capture_on_commit_callbacks,
):
    # given: an entry made while the intake was off (Redis down, or before it was on)
    promotion = PromotionFactory()
    person = PersonFactory()
    EntryFactory(promotion=promotion, person=person, slot="1")

    # when
    answer = enter(signed_in(person), promotion)

    # then: the stored entries decide, as on the database path
    assert answer.status_code == 409
    assert intake.intake_waiting() == 0


def test_once_a_day_takes_the_brand_days_slot(django_capture_on_commit_callbacks):
    promotion = PromotionFactory(entry_frequency=EntryFrequency.DAILY)
    client = signed_in(PersonFactory())

    assert enter(client, promotion).status_code == 201
    again = enter(client, promotion)
    store_all(django_capture_on_commit_callbacks)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_entered_today"
    (entry,) = EntryModel.objects.all()
    assert entry.slot == local_day(promotion, entry.created_at).isoformat()


def test_when_redis_does_not_answer_the_entry_is_stored_directly(settings):
    promotion = PromotionFactory()
    client = signed_in(PersonFactory())
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    answer = enter(client, promotion)

    assert answer.status_code == 201
    assert EntryModel.objects.get().public_id == answer.json()["entry"]
    assert intake._down_until > 0  # Redis is left alone for a moment


@pytest.mark.parametrize(
    "kind, frequency",
    [
        (Promotion.Kind.INSTANT_WIN, EntryFrequency.ONCE),
        (Promotion.Kind.SWEEPSTAKES, EntryFrequency.TOTAL),
    ],
)
def test_results_and_numbered_slots_take_the_database_path(kind, frequency):
    promotion = PromotionFactory(kind=kind, entry_frequency=frequency, max_entries=3)

    answer = enter(signed_in(PersonFactory()), promotion)

    assert answer.status_code == 201
    assert EntryModel.objects.count() == 1
    assert intake.intake_waiting() == 0


def test_a_batch_stored_again_after_a_crash_counts_each_entry_once(
    settings, django_capture_on_commit_callbacks
):
    # given: a consumer stores a batch and dies before acknowledging it
    promotion = PromotionFactory()
    for _ in range(3):
        assert enter(signed_in(PersonFactory()), promotion).status_code == 201

    def crash(stage: str) -> None:
        if stage == "committed":
            raise RuntimeError("killed before the acknowledgement")

    with pytest.raises(RuntimeError):
        intake.intake_consume(until_empty=True, block_ms=0, checkpoint=crash, count=10)
    assert EntryModel.objects.count() == 3
    assert intake.intake_waiting() == 3  # still there: not acknowledged

    # when: the next consumer reads them again (the dead one's, once idle)
    settings.TRACKING_CLAIM_IDLE_MS = 0
    with django_capture_on_commit_callbacks(execute=True):
        result = stream.stream_consume(
            flow=intake.intake_flow(), until_empty=True, consumer="next", block_ms=0
        )
    result_again = intake.intake_consume(until_empty=True, block_ms=0)

    # then: nothing twice, and the stream is empty
    assert EntryModel.objects.count() == 3
    assert Consent.objects.count() == 9
    assert (result.stored + result_again.stored) == 0
    assert intake.intake_waiting() == 0


def test_a_record_of_an_entrant_anonymised_meanwhile_is_dropped(
    django_capture_on_commit_callbacks,
):
    promotion = PromotionFactory()
    kept, gone = PersonFactory(), PersonFactory()
    enter(signed_in(kept), promotion)
    enter(signed_in(gone), promotion)
    Person.objects.filter(pk=gone.pk).update(anonymised_at=timezone.now())

    assert store_all(django_capture_on_commit_callbacks) == 1

    assert list(EntryModel.objects.values_list("person_id", flat=True)) == [kept.pk]
    assert intake.intake_waiting() == 0


def test_flags_are_the_same_as_for_an_entry_stored_directly(
    settings, django_capture_on_commit_callbacks
):
    """A robot's browser (known at once), another entrant with the same name and date of
    birth, and the same device: the flags the database path gives, from the batch."""
    promotion = PromotionFactory()
    twin_a = PersonFactory(name="Ana Lopez", birth_date=None)
    twin_b = PersonFactory(name="Ana Lopez", birth_date=None)
    robot = PersonFactory()

    first = enter(signed_in(twin_a), promotion, name="Ana Lopez")
    second = enter(signed_in(twin_b), promotion, name="Ana Lopez")
    bot_client = signed_in(robot)
    bot_client.defaults["HTTP_USER_AGENT"] = "python-requests/2.32"
    third = enter(bot_client, promotion, name="Someone Else", birth_date="1980-01-01")
    assert [r.json()["under_review"] for r in (first, second, third)] == [False, False, True]
    store_all(django_capture_on_commit_callbacks)

    flags = {
        (f.entry.person_id, f.kind)
        for f in Flag.objects.select_related("entry").filter(entry__promotion=promotion)
    }
    assert flags == {
        (twin_a.pk, Flag.Kind.DUPLICATE_PERSON),  # each twin finds the other in the batch
        (twin_b.pk, Flag.Kind.DUPLICATE_PERSON),
        (robot.pk, Flag.Kind.BOT),
    }
    flagged = dict(EntryModel.objects.values_list("person_id", "flagged"))
    assert flagged == {twin_a.pk: True, twin_b.pk: True, robot.pk: True}


def test_a_country_rule_gives_the_consent_its_own_rules_text(django_capture_on_commit_callbacks):
    promotion = PromotionFactory()
    PromotionCountryRule.objects.create(
        promotion=promotion, country="FR", official_rules="Règlement pour la France."
    )

    assert enter(signed_in(PersonFactory()), promotion).status_code == 201
    store_all(django_capture_on_commit_callbacks)

    rules = Consent.objects.get(text__kind="official_rules").text
    assert rules.text == "Règlement pour la France."


def test_the_store_skips_what_is_stored_already():
    promotion = PromotionFactory()
    record = _record(promotion, PersonFactory(), "ab12cd34ef56ab78")
    other_number = {**record, "id": "0011223344556677"}  # same slot, another number

    assert entries_store([record]) == 1
    assert entries_store([record, other_number]) == 0
    assert EntryModel.objects.get().public_id == "ab12cd34ef56ab78"


def test_the_command_drains_the_stream(django_capture_on_commit_callbacks):
    promotion = PromotionFactory()
    enter(signed_in(PersonFactory()), promotion)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("entries_consume", "--once", "--block-ms", "0")

    assert EntryModel.objects.count() == 1


def test_the_command_says_when_there_is_no_intake(settings):
    settings.ENTRY_INTAKE = False
    with pytest.raises(Exception, match="intake is off"):
        call_command("entries_consume", "--once")


def test_a_record_that_is_not_an_entry_becomes_a_dead_letter():
    r = stream.client()
    r.xadd(intake.stream_name(), {"v": "1", "d": json.dumps({"not": "an entry"})})
    r.xadd(intake.stream_name(), {"v": "9", "d": "{}"})

    result = intake.intake_consume(until_empty=True, block_ms=0)

    assert (result.entries, result.stored) == (2, 0)
    assert r.xlen(f"{intake.stream_name()}:dead") == 2
    assert intake.intake_waiting() == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_stores_every_accepted_entry_before_it_draws(mailoutbox):
    # given: four entries accepted; the consumer stored one batch of one (which committed
    # the draw), then entries closed
    promotion = PromotionFactory()
    for n in range(4):
        answer = enter(signed_in(PersonFactory()), promotion, name=f"Entrant {n}")
        assert answer.status_code == 201
    intake.intake_consume(until_empty=True, block_ms=0, count=1, max_batches=1)
    assert EntryModel.objects.count() == 1
    closed = timezone.now() + timedelta(milliseconds=10)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=closed)

    # when: the schedule draws before the consumer ran again
    made = claims_services.draws_run_due(
        at=closed + timedelta(minutes=promotion.draw_grace_minutes)
    )

    # then: the draw counted all four
    assert made == 1
    draw = Draw.objects.get(promotion=promotion)
    assert draw.entry_count == 4
    assert intake.intake_waiting() == 0


@pytest.mark.django_db(transaction=True)
def test_the_admins_run_stores_every_accepted_entry_before_it_draws(admin_client):
    # given: three entries accepted, one stored, entries closed
    promotion = PromotionFactory()
    for n in range(3):
        assert enter(signed_in(PersonFactory()), promotion, name=f"Entrant {n}").status_code == 201
    intake.intake_consume(until_empty=True, block_ms=0, count=1, max_batches=1)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now())
    draw = Draw.objects.get(promotion=promotion)

    # when: a marketer runs the draw by hand before the consumer ran again
    answer = admin_client.post(
        "/admin/promotions/draw/",
        {"action": "run_draws", "_selected_action": [draw.pk]},
        follow=True,
    )

    # then: the draw counted all three
    draw.refresh_from_db()
    assert "winners from 3 entries" in answer.content.decode()
    assert (draw.status, draw.entry_count) == (Draw.Status.DRAWN, 3)
    assert intake.intake_waiting() == 0


@pytest.mark.django_db(transaction=True)
def test_no_draw_while_accepted_entries_cannot_be_stored(settings, monkeypatch):
    promotion = PromotionFactory()
    enter(signed_in(PersonFactory()), promotion)
    enter(signed_in(PersonFactory()), promotion)
    intake.intake_consume(until_empty=True, block_ms=0, count=1, max_batches=1)
    assert Draw.objects.filter(promotion=promotion).exists()
    closed = timezone.now() + timedelta(milliseconds=10)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=closed)

    def broken(records, _checkpoint):
        raise RuntimeError("the database is down")

    flow = intake.intake_flow()
    monkeypatch.setattr(
        intake, "intake_flow", lambda: type(flow)(**{**flow.__dict__, "store": broken})
    )
    monkeypatch.setattr(intake.time, "sleep", lambda _s: None)

    made = claims_services.draws_run_due(
        at=closed + timedelta(minutes=promotion.draw_grace_minutes)
    )

    assert made == 0
    assert Draw.objects.get(promotion=promotion).status == Draw.Status.COMMITTED


def _record(promotion, person, number, **extra):
    return {
        "id": number,
        "promotion": promotion.pk,
        "person": person.pk,
        "slot": "1",
        "country": "FR",
        "source": "",
        "click": None,
        "viewer": "",
        "device": "",
        "language": "en",
        "at": timezone.now().isoformat(),
        "name": "Camille",
        "birth_date": None,
        "consents": ["official_rules", "privacy", "facebook_release"],
        "local_rule": None,
        "flags": [],
        **extra,
    }


def test_an_entry_the_database_refuses_is_set_aside_and_the_others_are_stored(monkeypatch):
    from django.db import IntegrityError

    from promotions.entries import intake_store

    promotion = PromotionFactory()
    good = [_record(promotion, PersonFactory(), f"{n:016x}") for n in range(3)]
    bad = _record(promotion, PersonFactory(), "bad0bad0bad0bad0")
    insert = intake_store.rows_insert

    def refusing(model, fields, rows, **kwargs):
        rows = list(rows)
        if any(row[0] == bad["id"] for row in rows):
            raise IntegrityError("refused by a constraint")
        return insert(model, fields, rows, **kwargs)

    monkeypatch.setattr(intake_store, "rows_insert", refusing)

    assert entries_store([good[0], bad, good[1], good[2]]) == 3

    assert sorted(EntryModel.objects.values_list("public_id", flat=True)) == [r["id"] for r in good]
    (dead,) = stream.client().xrange(f"{intake.stream_name()}:dead")
    assert json.loads(dead[1][b"d"])["id"] == bad["id"]
    assert b"refused by a constraint" in dead[1][b"error"]


def test_a_dead_letter_frees_its_slot_so_the_tab_stops_showing_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError

    from promotions.entries import intake_store

    # given: an entry accepted, which the database will refuse
    promotion = PromotionFactory()
    client = signed_in(PersonFactory())
    first = enter(client, promotion)
    assert first.status_code == 201
    assert "Entry number" in client.get(promotion.get_absolute_url()).content.decode()

    def refusing(*args, **kwargs):
        raise IntegrityError("refused by a constraint")

    monkeypatch.setattr(intake_store, "rows_insert", refusing)

    # when: the consumer sets it aside
    assert store_all(django_capture_on_commit_callbacks) == 0
    assert stream.client().xlen(f"{intake.stream_name()}:dead") == 1

    # then: the tab no longer says they are in, and they can enter again
    page = client.get(promotion.get_absolute_url()).content.decode()
    assert "Entry number" not in page
    assert "Enter now" in page
    monkeypatch.undo()
    again = enter(client, promotion)
    assert again.status_code == 201
    assert again.json()["entry"] != first.json()["entry"]
    assert store_all(django_capture_on_commit_callbacks) == 1
    assert EntryModel.objects.get().public_id == again.json()["entry"]


def test_a_dead_letter_leaves_a_slot_another_entry_holds():
    promotion, person = PromotionFactory(), PersonFactory()
    record = _record(promotion, person, "0123456789abcdef")
    key = intake.slot_key(promotion_id=promotion.pk, person_id=person.pk, slot=record["slot"])
    stream.client().set(key, "fedcba9876543210 2026-12-01T10:00:00+00:00 0")

    intake.dead_letter(record, "refused")

    assert stream.client().get(key) == b"fedcba9876543210 2026-12-01T10:00:00+00:00 0"


@pytest.mark.postgres  # SQLite stores a text of any length
def test_a_value_postgresql_refuses_is_a_dead_letter_there():
    promotion = PromotionFactory()
    record = _record(promotion, PersonFactory(), "abcdabcdabcdabcd", slot="x" * 40)

    assert entries_store([record]) == 0

    assert not EntryModel.objects.exists()
    assert stream.client().xlen(f"{intake.stream_name()}:dead") == 1


def test_a_record_with_a_field_of_the_wrong_kind_is_a_dead_letter():
    promotion = PromotionFactory()
    record = _record(promotion, PersonFactory(), "abcdabcdabcdabcd", at="yesterday")
    stream.client().xadd(intake.stream_name(), {"v": "1", "d": json.dumps(record)})

    result = intake.intake_consume(until_empty=True, block_ms=0)

    assert (result.entries, result.stored) == (1, 0)
    assert stream.client().xlen(f"{intake.stream_name()}:dead") == 1


def test_the_schedule_stores_what_waits_and_returns(django_capture_on_commit_callbacks):
    from promotions.entries.tasks import entries_consume

    promotion = PromotionFactory()
    enter(signed_in(PersonFactory()), promotion)

    with django_capture_on_commit_callbacks(execute=True):
        assert entries_consume(seconds=5) == 1

    assert EntryModel.objects.count() == 1
    assert entries_consume(seconds=5) == 0  # nothing waits: back at once


def test_the_tab_shows_the_entry_it_accepted_before_it_is_stored(
    django_capture_on_commit_callbacks,
):
    # given: the form on the tab (no JavaScript), as phones post it
    promotion = PromotionFactory()
    client = signed_in(PersonFactory())

    # when: they enter and are sent back to the tab, before the consumer ran
    posted = client.post(promotion.get_absolute_url() + "enter/", ENTRY_FORM)
    page = client.get(posted["Location"]).content.decode()

    # then: their number, and no form to enter again
    assert posted.status_code == 302
    assert not EntryModel.objects.exists()
    (number,) = re.findall(r"Entry number ([0-9a-f]{16})", page)
    assert "You're in!" in page
    assert "You have already entered: one entry per person." in page
    assert "Enter now" not in page

    # and once stored, the same number, read from the database
    store_all(django_capture_on_commit_callbacks)
    assert EntryModel.objects.get().public_id == number
    page = client.get(promotion.get_absolute_url()).content.decode()
    assert re.findall(r"Entry number ([0-9a-f]{16})", page) == [number]


def test_the_click_that_brought_the_entrant_is_stored_with_the_entry(
    django_capture_on_commit_callbacks,
):
    from tracking import tokens

    promotion = PromotionFactory()
    client = signed_in(PersonFactory())
    value, click = click_cookie(promotion, at=int(timezone.now().timestamp()) - 60)
    client.cookies[tokens.ATTRIBUTION_COOKIE] = value

    assert enter(client, promotion).status_code == 201
    store_all(django_capture_on_commit_callbacks)

    entry = EntryModel.objects.get()
    assert (entry.click_event_id, entry.source) == (click, f"click:{promotion.pk}")


@pytest.mark.parametrize(
    "wrong", [{"birth_date": "17/05/1990"}, {"click": "not-a-click"}, {"click": 12}]
)
def test_a_record_with_a_value_that_is_not_one_is_a_dead_letter(wrong):
    promotion = PromotionFactory()
    record = _record(promotion, PersonFactory(), "abcdabcdabcdabcd", **wrong)
    stream.client().xadd(intake.stream_name(), {"v": "1", "d": json.dumps(record)})

    result = intake.intake_consume(until_empty=True, block_ms=0)

    assert (result.entries, result.stored) == (1, 0)
    assert stream.client().xlen(f"{intake.stream_name()}:dead") == 1


def test_a_record_a_field_refuses_in_a_batch_is_set_aside_alone():
    promotion = PromotionFactory()
    good = _record(promotion, PersonFactory(), "1111222233334444")
    bad = _record(promotion, PersonFactory(), "5555666677778888", click="zz")  # decode skipped

    assert entries_store([good, bad]) == 1

    assert EntryModel.objects.get().public_id == good["id"]
    assert stream.client().xlen(f"{intake.stream_name()}:dead") == 1
