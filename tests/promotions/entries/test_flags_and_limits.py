"""Abuse: flags with reasons (never deletion), review, and rate limits on entering and voting."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.core import mail

from promotions.codes import services as codes_services
from promotions.contests import services as contests_services
from promotions.entries import refusals as entries_refusals
from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from promotions.entries.senders import Sender
from promotions.models import Entry, Flag, Prize, PrizeAward, PrizeClaim, Promotion
from tests.factories.promotions import (
    PersonFactory,
    PrizeFactory,
    PromotionFactory,
    SubmissionFactory,
)
from tests.promotions.conftest import ENTRY_JSON, PHONE_UA, make_consumer, sign_in

pytestmark = pytest.mark.django_db

ANSWERS = Answers(
    name="Camille",
    birth_date=date(1990, 3, 8),
    country="FR",
    consents=frozenset({"official_rules", "privacy", "facebook_release"}),
)


def sender(device="device-a", ua=PHONE_UA, ip="203.0.113.7"):
    return Sender(ip=ip, user_agent=ua, device_id=device, attribution=None)


def enter(promotion, person=None, **kwargs):
    person = person or PersonFactory()
    answers = dataclasses.replace(ANSWERS, name=person.name)
    return entries_services.entry_create(
        promotion=promotion, person=person, answers=answers, **kwargs
    )


def reasons(entry):
    return sorted((f.kind, f.reason) for f in entry.flags.all())


def test_a_disposable_email_is_flagged_with_its_domain():
    outcome = enter(PromotionFactory(), PersonFactory(email="x@mailinator.com"))

    assert outcome.entry.flagged
    assert reasons(outcome.entry) == [
        ("disposable_email", "mailinator.com is a disposable email domain.")
    ]


def test_bots_are_flagged_by_honeypot_and_user_agent():
    promotion = PromotionFactory()

    honey = enter(promotion, honeypot="http://spam.example", sender=sender(device="d1"))
    crawler = enter(promotion, sender=sender(device="d2", ua="python-requests/2.31"))

    assert reasons(honey.entry) == [
        ("bot", "The hidden form field was filled in (people never see it).")
    ]
    assert reasons(crawler.entry) == [
        ("bot", "The browser says it is a robot: user agent 'python-requests/2.31'.")
    ]


def test_two_people_from_one_browser_are_flagged_as_duplicates():
    promotion = PromotionFactory()
    first = enter(promotion, sender=sender(device="shared"))

    second = enter(promotion, sender=sender(device="shared"))

    assert not first.entry.flagged
    assert reasons(second.entry) == [
        ("duplicate_person", f"Same browser as entry {first.entry.public_id} by another entrant.")
    ]


def test_same_name_and_birth_date_under_another_email_is_flagged():
    promotion = PromotionFactory()
    first = enter(promotion, PersonFactory(name="Jo Doe"))

    twin = entries_services.entry_create(
        promotion=promotion,
        person=PersonFactory(email="jo.other@example.com"),
        answers=dataclasses.replace(ANSWERS, name="jo doe"),
    )

    assert reasons(twin.entry) == [
        (
            "duplicate_person",
            f"Same name and date of birth as entry {first.entry.public_id} (another email).",
        )
    ]


def test_many_entries_from_one_browser_are_flagged_for_velocity(settings):
    settings.PROMOTIONS_VELOCITY_LIMIT = 2
    promotions = [PromotionFactory() for _ in range(3)]
    person = PersonFactory()

    outcomes = [enter(p, person, sender=sender(device="fast")) for p in promotions]

    assert [o.entry.flagged for o in outcomes] == [False, False, True]
    assert reasons(outcomes[2].entry) == [
        ("velocity", "3 entries from the same browser within 10 minutes.")
    ]


def test_a_flagged_instant_win_play_does_not_win():
    prize = PrizeFactory(quantity=1, odds_one_in=1)

    outcome = enter(prize.promotion, PersonFactory(email="a@mailinator.com"))

    assert outcome.award is None and outcome.under_review


def test_review_clears_or_excludes_and_nothing_is_deleted():
    promotion = PromotionFactory()
    kept = enter(promotion, PersonFactory(email="a@mailinator.com")).entry
    dropped = enter(promotion, PersonFactory(email="b@mailinator.com")).entry

    entries_services.entry_flags_clear(entry=kept, note="Real person, checked by phone.")
    entries_services.entry_exclude(entry=dropped, reason="Bought accounts.")

    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.flagged, kept.status) == (False, "valid")
    assert (dropped.flagged, dropped.status, dropped.exclusion_reason) == (
        False,
        "excluded",
        "Bought accounts.",
    )
    assert list(Flag.objects.order_by("entry_id").values_list("status", "review_note")) == [
        ("cleared", "Real person, checked by phone."),
        ("upheld", "Bought accounts."),
    ]
    assert list(Entry.objects.drawable()) == [kept]
    assert Entry.objects.count() == 2


def test_clearing_a_held_offer_claim_hands_out_its_code():
    promotion = PromotionFactory(kind=Promotion.Kind.OFFER)
    codes_services.code_pool_import(promotion=promotion, codes=["HELD-0001"])
    held = enter(promotion, PersonFactory(email="a@mailinator.com"))

    cleared = entries_services.entry_flags_clear(entry=held.entry)

    assert held.code is None
    assert cleared.code.code == "HELD-0001"


def test_clearing_a_held_instant_win_play_plays_it_once_and_opens_its_claim(
    consumer, django_capture_on_commit_callbacks, mailoutbox
):
    # given: every play wins; a play held back by a disposable email
    prize = PrizeFactory(quantity=5, odds_one_in=1, name="Earbuds", claim_required=True)
    person = PersonFactory(email="a@mailinator.com")
    held = enter(prize.promotion, person)
    sign_in(consumer, person)
    checking = consumer.get(prize.promotion.get_absolute_url()).content.decode()

    # when: a reviewer clears it, then flags and clears it again
    with django_capture_on_commit_callbacks(execute=True):
        cleared = entries_services.entry_flags_clear(entry=held.entry, note="A person.")
    entries_services.entry_flag(entry=held.entry, reason="Looked again.")
    again = entries_services.entry_flags_clear(entry=held.entry, note="Still a person.")

    # then: one play, one unit, one claim, told once; the tab says it won
    prize.refresh_from_db()
    assert held.award is None and "Your play is being checked." in checking
    assert cleared.award is not None and cleared.award.prize == prize
    assert again.award is None
    assert prize.awarded == 1
    assert PrizeAward.objects.filter(entry=held.entry).count() == 1
    assert list(PrizeClaim.objects.values_list("award", flat=True)) == [cleared.award.pk]
    assert [m.subject.startswith("You won Earbuds") for m in mailoutbox] == [True]
    assert "You won: Earbuds!" in consumer.get(prize.promotion.get_absolute_url()).content.decode()


def test_a_held_instant_win_play_that_lost_is_not_played_again():
    # given: no prize can be won; a held play is cleared and loses
    prize = PrizeFactory(quantity=5, odds_one_in=None)
    held = enter(prize.promotion, PersonFactory(email="a@mailinator.com"))
    lost = entries_services.entry_flags_clear(entry=held.entry)
    Prize.objects.filter(pk=prize.pk).update(odds_one_in=1)  # now every play would win

    # when: it is flagged by hand and cleared again
    entries_services.entry_flag(entry=held.entry, reason="Looked again.")
    again = entries_services.entry_flags_clear(entry=held.entry)

    # then
    assert (lost.award, again.award) == (None, None)
    assert not PrizeAward.objects.exists()


def test_entering_is_rate_limited_per_browser_with_retry_after(settings):
    settings.PROMOTIONS_RATES = {**settings.PROMOTIONS_RATES, "enter": "3/hour"}
    promotion = PromotionFactory()
    client = make_consumer()
    sign_in(client, PersonFactory())

    statuses = [
        client.post(promotion.get_absolute_url() + "enter/", {"name": ""}).status_code
        for _ in range(4)
    ]
    limited = client.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )

    assert statuses == [400, 400, 400, 429]
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited["Retry-After"]) <= 3600


def test_voting_is_rate_limited_per_person(settings):
    settings.PROMOTIONS_RATES = {**settings.PROMOTIONS_RATES, "vote": "2/hour"}
    films = [SubmissionFactory() for _ in range(3)]
    voter = PersonFactory()

    contests_services.vote_cast(submission=films[0], person=voter)
    contests_services.vote_cast(submission=films[1], person=voter)
    with pytest.raises(entries_refusals.Refused) as refused:
        contests_services.vote_cast(submission=films[2], person=voter)

    assert refused.value.status == 429


def test_sign_in_links_have_a_ceiling_per_address_whatever_the_device_cookie(settings):
    # given: a script that sends each request with a fresh device cookie, to new addresses
    settings.PROMOTIONS_IP_RATES = {"email": "3/hour"}
    promotion = PromotionFactory()

    def ask(n, remote="203.0.113.7"):
        client = make_consumer()
        client.cookies["ph_dev"] = f"device-{n}"
        return client.post(
            promotion.get_absolute_url() + "identify/",
            {"email": f"someone{n}@example.com"},
            REMOTE_ADDR=remote,
        )

    # when
    statuses = [ask(n).status_code for n in range(4)]
    elsewhere = ask(9, remote="198.51.100.9")

    # then: three links go out; the fourth from that address is refused, not another's
    assert statuses == [302, 302, 302, 429]
    assert elsewhere.status_code == 302
    assert len(mail.outbox) == 4
