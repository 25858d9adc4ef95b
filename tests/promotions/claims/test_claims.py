"""After the draw: the draw runs itself, winners are told and claim, unclaimed prizes
pass to the next alternate (who is told), the certificate lists every replacement and
still verifies, fulfilment, data deletion. Time travels through explicit ``at=``."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from promotions.campaigns.zones import moment_format
from promotions.claims import privacy as claims_privacy
from promotions.claims import services as claims_services
from promotions.claims.emails import claim_link
from promotions.draws import selectors as draws_selectors
from promotions.draws import services as draws_services
from promotions.draws.tasks import draws_run_due
from promotions.entrants import services as entrants_services
from promotions.models import (
    AlertIncident,
    AlertRule,
    Campaign,
    Draw,
    DrawReplacement,
    Entry,
    Person,
    PrizeClaim,
)
from tests.promotions.claims.helpers import SHIPPING, closed_sweepstakes
from tests.promotions.conftest import sign_in

pytestmark = pytest.mark.django_db


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+/claim/\S+/", message.body)


def test_the_worker_draws_once_after_the_grace_and_tells_winners_and_managers(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, draw, due = closed_sweepstakes(winners=2)

    # given: entries closed, but the grace has not passed
    assert claims_services.draws_run_due(at=due - timedelta(seconds=1)) == 0
    # when: the schedule runs after the grace, twice
    with django_capture_on_commit_callbacks(execute=True):
        made = claims_services.draws_run_due(at=due)
        again = claims_services.draws_run_due(at=due + timedelta(minutes=1))

    # then
    draw.refresh_from_db()
    assert (made, again) == (1, 0)
    assert draw.is_drawn and draw.drawn_at == due
    claims = list(PrizeClaim.objects.filter(draw=draw).order_by("slot"))
    assert [c.entry.public_id for c in claims] == draw.winners
    zone = promotion.campaign.tzinfo  # seven calendar days later, at the same local time
    assert {c.deadline.astimezone(zone) for c in claims} == {
        (due.astimezone(zone).replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=zone)
    }
    assert all(c.notified_at is not None for c in claims)
    to_winners = [m for m in mailoutbox if m.to != ["manager@brand.example"]]
    assert sorted(m.to[0] for m in to_winners) == sorted(c.entry.person.email for c in claims)
    assert all(len(_links(m)) == 1 for m in to_winners)
    to_managers = [m for m in mailoutbox if m.to == ["manager@brand.example"]]
    assert len(to_managers) == 1
    assert draw.get_absolute_url() in to_managers[0].body


def test_the_task_runs_the_draw_and_a_marketer_can_still_run_one_by_hand(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, draw, due = closed_sweepstakes()
    second = draws_services.draw_commit(promotion=promotion, reason="A second prize was added.")

    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()  # the task on the real clock: entries closed a minute ago, grace 15
    assert not Draw.objects.get(pk=draw.pk).is_drawn

    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
        claims_services.draw_complete(draw=second)  # committed after close: run by hand

    assert Draw.objects.get(pk=draw.pk).is_drawn
    assert Draw.objects.get(pk=second.pk).is_drawn
    assert PrizeClaim.objects.filter(promotion=promotion).count() == 2
    with pytest.raises(ValidationError):
        claims_services.draw_complete(draw=second)


def test_a_winner_without_an_email_gets_a_claim_on_channel_none(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, draw, due = closed_sweepstakes(entrants=1, alternates=0)
    promotion.entries.get().person.__class__.objects.update(email="", email_normalized=None)

    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)

    claim = PrizeClaim.objects.get(draw=draw)
    assert claim.channel == PrizeClaim.Channel.NONE and claim.notified_at is None
    assert [m.to for m in mailoutbox] == [["manager@brand.example"]]
    assert "left no email address" in mailoutbox[0].body


def test_a_decline_promotes_the_next_alternate_at_once_who_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    first = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()

    # when
    later = due + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        successor = claims_services.claim_decline(claim=first, person=first.entry.person, at=later)

    # then
    first.refresh_from_db()
    assert first.status == PrizeClaim.Status.DECLINED
    assert successor is not None and successor.entry.public_id == draw.alternates[0]
    assert successor.predecessor == first and successor.prize == first.prize
    assert successor.deadline == later + timedelta(days=7)
    assert [m.to for m in mailoutbox] == [[successor.entry.person.email]]
    assert claim_link(claim=successor) in mailoutbox[0].body
    assert draws_selectors.draw_winners_current(draw=draw) == [draw.alternates[0]]
    replacement = DrawReplacement.objects.get(draw=draw)
    assert replacement.reason == "The winner declined the prize."


def test_an_expiry_at_the_deadline_promotes_the_next_alternate_who_is_told(
    django_capture_on_commit_callbacks, mailoutbox
):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    first = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()

    assert claims_services.claims_expire_due(at=first.deadline - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        expired = claims_services.claims_expire_due(at=first.deadline)
        again = claims_services.claims_expire_due(at=first.deadline + timedelta(minutes=5))

    first.refresh_from_db()
    successor = first.successor
    assert (expired, again) == (1, 0)
    assert first.status == PrizeClaim.Status.EXPIRED
    assert successor.entry.public_id == draw.alternates[0]
    assert successor.deadline == first.deadline + timedelta(days=7)
    assert [m.to for m in mailoutbox] == [[successor.entry.person.email]]


def test_a_reminder_goes_once_before_the_deadline(django_capture_on_commit_callbacks, mailoutbox):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()
    reminder_at = claim.deadline - timedelta(hours=48)

    with django_capture_on_commit_callbacks(execute=True):
        early = claims_services.claims_remind_due(at=reminder_at - timedelta(minutes=1))
        sent = claims_services.claims_remind_due(at=reminder_at)
        again = claims_services.claims_remind_due(at=reminder_at + timedelta(hours=1))

    assert (early, sent, again) == (0, 1, 0)
    assert len(mailoutbox) == 1 and mailoutbox[0].subject.startswith("Reminder")
    assert claim_link(claim=claim) in mailoutbox[0].body


def test_not_eligible_with_a_reason_and_the_certificate_lists_every_replacement_and_verifies(
    django_capture_on_commit_callbacks, mailoutbox, tmp_path
):
    from tests.factories.promotions import StaffUserFactory

    staff_user = StaffUserFactory()
    _promotion, draw, due = closed_sweepstakes(winners=2, alternates=3)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    a, b = PrizeClaim.objects.filter(draw=draw).order_by("slot")

    with django_capture_on_commit_callbacks(execute=True):
        a2 = claims_services.claim_decline(claim=a, person=a.entry.person, at=due)
        b2 = claims_services.claim_mark_ineligible(
            claim=b,
            reason="Lives outside the allowed countries.",
            by=staff_user,
            at=due + timedelta(hours=1),
        )
        claims_services.claims_expire_due(at=a2.deadline)

    reasons = list(DrawReplacement.objects.filter(draw=draw).values_list("reason", flat=True))
    assert reasons == [
        "The winner declined the prize.",
        "Lives outside the allowed countries.",
        "Not claimed by the deadline.",
    ]
    assert b2.entry.public_id == draw.alternates[1]
    page = Client().get(draw.get_absolute_url()).content.decode()
    for reason in reasons:
        assert reason in page
    exported = Client().get(draw.get_absolute_url()[:-1] + ".json").json()
    assert len(exported["replacements"]) == 3
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(exported))
    call_command("verify_draw", str(path))  # raises CommandError if it does not verify


def test_when_no_alternate_is_left_the_managers_are_alerted_until_a_new_draw(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion, draw, due = closed_sweepstakes(entrants=2, alternates=1)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    first = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        second = claims_services.claim_decline(claim=first, person=first.entry.person, at=due)
        none_left = claims_services.claim_decline(claim=second, person=second.entry.person, at=due)

    second.refresh_from_db()
    assert none_left is None and second.unfilled_at == due
    rule = AlertRule.objects.get(campaign=promotion.campaign, kind=AlertRule.Kind.CLAIMS_UNFILLED)
    incident = AlertIncident.objects.get(rule=rule)
    assert incident.resolved_at is None and "no winner left" in incident.message
    assert [m.to for m in mailoutbox if "Alert" in m.subject] == [["manager@brand.example"]]
    assert list(PrizeClaim.objects.unfilled()) == [second]

    # a documented new draw resolves it
    from promotions.reports.alerts import alert_rule_evaluate

    redraw = draws_services.draw_commit(promotion=promotion, reason="Alternates used up.")
    draws_services.draw_run(draw=redraw, at=due + timedelta(hours=1))
    assert list(PrizeClaim.objects.unfilled()) == []
    assert alert_rule_evaluate(rule=rule, now=due + timedelta(hours=1)) == "resolved"


def test_a_prize_passes_over_alternates_who_left_and_the_certificate_says_why(
    django_capture_on_commit_callbacks, tmp_path
):
    from promotions.entries import services as entries_services

    # given: since the draw, the first alternate's entry was excluded, the second one's
    # person asked for their data to be deleted, the third one's entry was flagged
    promotion, draw, due = closed_sweepstakes(winners=1, alternates=4)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    excluded, deleted, flagged, fourth = (
        Entry.objects.get(promotion=promotion, public_id=a) for a in draw.alternates
    )
    entries_services.entry_exclude(entry=excluded, reason="Second account of the winner")
    entrants_services.person_anonymise(person=deleted.person)
    entries_services.entry_flag(entry=flagged, reason="Same device as the winner")
    first = PrizeClaim.objects.get(draw=draw)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        successor = claims_services.claim_decline(
            claim=first, person=first.entry.person, at=due + timedelta(hours=1)
        )

    # then: the fourth alternate wins, each one passed over is a replacement with its reason
    assert successor.entry == fourth and successor.predecessor == first
    rows = list(
        DrawReplacement.objects.filter(draw=draw).values_list(
            "replaced_entry", "replacement_entry", "reason"
        )
    )
    assert rows == [
        (first.entry.public_id, excluded.public_id, "The winner declined the prize."),
        (excluded.public_id, deleted.public_id, "The alternate's entry was excluded."),
        (
            deleted.public_id,
            flagged.public_id,
            "The alternate asked for their data to be deleted.",
        ),
        (flagged.public_id, fourth.public_id, "The alternate's entry is held for review."),
    ]
    assert draws_selectors.draw_winners_current(draw=draw) == [fourth.public_id]
    assert list(PrizeClaim.objects.filter(draw=draw).values_list("entry", flat=True)) == [
        first.entry_id,
        fourth.pk,
    ]
    page = Client().get(draw.get_absolute_url()).content.decode()
    assert "The alternate&#x27;s entry was excluded." in page
    assert "Second account of the winner" not in page
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(Client().get(draw.get_absolute_url()[:-1] + ".json").json()))
    call_command("verify_draw", str(path))  # raises CommandError if it does not verify


def test_when_no_alternate_left_may_take_the_prize_it_is_unfilled_and_nothing_is_recorded(
    django_capture_on_commit_callbacks,
):
    from promotions.entries import services as entries_services

    promotion, draw, due = closed_sweepstakes(entrants=2, alternates=1)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    alternate = Entry.objects.get(promotion=promotion, public_id=draw.alternates[0])
    entries_services.entry_exclude(entry=alternate, reason="Second account of the winner")
    first = PrizeClaim.objects.get(draw=draw)

    with django_capture_on_commit_callbacks(execute=True):
        successor = claims_services.claim_decline(claim=first, person=first.entry.person, at=due)

    first.refresh_from_db()
    assert successor is None
    assert first.status == PrizeClaim.Status.DECLINED and first.unfilled_at == due
    assert not DrawReplacement.objects.filter(draw=draw).exists()
    assert list(PrizeClaim.objects.filter(draw=draw)) == [first]


def test_a_new_draw_for_a_prize_added_later_gives_that_prize_not_the_first_one_again(
    django_capture_on_commit_callbacks, mailoutbox
):
    from tests.factories.promotions import PrizeFactory

    # given: the first draw gave the phone; headphones are added afterwards
    promotion, draw, due = closed_sweepstakes(winners=1)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    headphones = PrizeFactory(promotion=promotion, name="Headphones", quantity=1, position=1)
    second = draws_services.draw_commit(
        promotion=promotion, winners_count=1, reason="A second prize was added."
    )
    mailoutbox.clear()

    # when: the new draw names no prize
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draw_complete(draw=second, at=due + timedelta(days=1))

    # then
    first_claim = PrizeClaim.objects.get(draw=draw)
    second_claim = PrizeClaim.objects.get(draw=second)
    assert first_claim.prize.name == "Phone X"
    assert second_claim.prize == headphones
    told = [m for m in mailoutbox if m.to == [second_claim.entry.person.email]]
    assert [m.subject.startswith("You won Headphones") for m in told] == [True]


def test_a_new_draw_after_the_alternates_ran_out_gives_the_unfilled_prize_again(
    django_capture_on_commit_callbacks,
):
    # given: the only alternate declined too, the phone is unfilled
    promotion, draw, due = closed_sweepstakes(entrants=4, alternates=1)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    first = PrizeClaim.objects.get(draw=draw)
    with django_capture_on_commit_callbacks(execute=True):
        second = claims_services.claim_decline(claim=first, person=first.entry.person, at=due)
        claims_services.claim_decline(claim=second, person=second.entry.person, at=due)
    redraw = draws_services.draw_commit(promotion=promotion, reason="Alternates used up.")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draw_complete(draw=redraw, at=due + timedelta(hours=1))

    # then
    assert PrizeClaim.objects.get(draw=redraw).prize == first.prize
    assert list(PrizeClaim.objects.unfilled()) == []


def test_closing_twice_changes_nothing_the_second_time(django_capture_on_commit_callbacks):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    claims_services.claim_decline(claim=claim, person=claim.entry.person, at=due)

    with pytest.raises(claims_services.ClaimAlreadyClosed):
        claims_services.claim_close(
            claim=claim, status=PrizeClaim.Status.EXPIRED, reason="late", at=claim.deadline
        )
    assert DrawReplacement.objects.filter(draw=draw).count() == 1
    assert PrizeClaim.objects.filter(draw=draw).count() == 2


def test_claim_then_ship_then_deliver_then_data_is_deleted_after_retention(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    person = claim.entry.person
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        claimed = claims_services.claim_submit(
            claim=claim,
            person=person,
            answers=claims_services.ClaimAnswers(answers={"city": "Paris", "phone": "+33 6"}),
            at=due + timedelta(days=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            claims_services.claim_mark_delivered(claim=claim)
        shipped = claims_services.claim_mark_shipped(
            claim=claim, carrier="La Poste", tracking_number="6A123", at=due + timedelta(days=2)
        )
        delivered = claims_services.claim_mark_delivered(claim=claim, at=due + timedelta(days=4))

    assert claimed.status == PrizeClaim.Status.CLAIMED and claimed.answers["city"] == "Paris"
    assert shipped.status == PrizeClaim.Status.SHIPPED and shipped.tracking_number == "6A123"
    assert delivered.status == PrizeClaim.Status.DELIVERED
    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        "Your claim is in",
        "Your prize is on its way",
    ]
    assert "6A123" in mailoutbox[1].body

    settings.CLAIM_DATA_RETENTION_DAYS = 30
    keep_until = delivered.delivered_at + timedelta(days=30)
    assert claims_privacy.claims_data_purge_due(at=keep_until - timedelta(seconds=1)) == 0
    assert claims_privacy.claims_data_purge_due(at=keep_until) == 1
    delivered.refresh_from_db()
    assert delivered.answers == {} and delivered.data_deleted_at == keep_until
    assert delivered.status == PrizeClaim.Status.DELIVERED and delivered.carrier == "La Poste"


def test_data_deletion_removes_claim_data_at_once(django_capture_on_commit_callbacks):
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    claims_services.claim_submit(
        claim=claim,
        person=claim.entry.person,
        answers=claims_services.ClaimAnswers(answers={"address_line1": "12 rue de la Paix"}),
        at=due,
    )

    summary = entrants_services.person_anonymise(person=claim.entry.person)

    claim.refresh_from_db()
    assert claim.answers == {} and claim.data_deleted_at is not None
    assert summary["deleted"]["prize_claim_details"] == 1


def test_data_deletion_closes_the_winners_open_claim_and_the_prize_passes_on(
    django_capture_on_commit_callbacks, mailoutbox, tmp_path
):
    # given: a winner told of their prize
    _promotion, draw, due = closed_sweepstakes()
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    claim = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()

    # when: they ask for their data to be deleted
    later = due + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        entrants_services.person_anonymise(person=claim.entry.person, at=later)

    # then: their claim is closed, the first alternate has the prize and is told
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.INELIGIBLE and claim.closed_at == later
    assert claim.close_reason == "The winner asked for their data to be deleted."
    successor = claim.successor
    assert successor.entry.public_id == draw.alternates[0]
    assert successor.status == PrizeClaim.Status.NOTIFIED and successor.prize == claim.prize
    assert [m.to for m in mailoutbox] == [[successor.entry.person.email]]
    assert list(DrawReplacement.objects.filter(draw=draw).values_list("reason", flat=True)) == [
        "The winner asked for their data to be deleted."
    ]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(Client().get(draw.get_absolute_url()[:-1] + ".json").json()))
    call_command("verify_draw", str(path))  # raises CommandError if it does not verify


def test_an_instant_win_prize_that_ships_opens_a_claim(
    django_capture_on_commit_callbacks, mailoutbox
):
    from promotions.entries import services as entries_services
    from promotions.entries.eligibility import Answers
    from promotions.models import Promotion
    from tests.factories.promotions import PersonFactory, PrizeFactory, PromotionFactory

    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    PrizeFactory(promotion=promotion, quantity=5, odds_one_in=1, claim_required=True)
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = entries_services.entry_create(
            promotion=promotion,
            person=person,
            answers=Answers(
                name="Ana Lopez",
                birth_date=person.birth_date,
                country="FR",
                consents=frozenset({"official_rules", "privacy", "facebook_release"}),
            ),
        )

    claim = PrizeClaim.objects.get(award=outcome.award)
    assert claim.entry == outcome.entry and claim.draw is None
    subjects = sorted(m.subject for m in mailoutbox if m.to == [person.email])
    assert len(mailoutbox) == 2
    assert subjects[0].startswith(f"You won {claim.prize.name}")
    assert subjects[1].startswith(f"Your entry number {outcome.entry.public_id}")


# --- pages ----------------------------------------------------------------------------------


def _drawn(django_capture_on_commit_callbacks, **kwargs):
    promotion, draw, _due = closed_sweepstakes(**kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draw_complete(draw=draw)
    draw.refresh_from_db()
    return promotion, draw, PrizeClaim.objects.filter(draw=draw).order_by("slot").first()


def _path(claim) -> str:
    return claim_link(claim=claim).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_winner_claims_on_the_page(django_capture_on_commit_callbacks, consumer):
    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    sign_in(consumer, claim.entry.person)

    page = consumer.get(_path(claim))
    missing = consumer.post(_path(claim), {"action": "claim"})
    with django_capture_on_commit_callbacks(execute=True):
        done = consumer.post(_path(claim), SHIPPING)
    used = consumer.get(_path(claim))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="address-line1"' in html and "Decline the prize" in html
    assert '<meta name="robots" content="noindex">' in html  # a private link: never indexed
    assert missing.status_code == 400
    assert 'aria-describedby="id_city-error"' in missing.content.decode()
    assert done.status_code == 200 and "your claim is in" in done.content.decode()
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.CLAIMED
    assert claim.answers["postal_code"] == "75002" and claim.answers["country"] == "FR"
    assert used.status_code == 410


def test_someone_else_must_sign_in_by_email_first(django_capture_on_commit_callbacks, mailoutbox):
    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    mailoutbox.clear()
    stranger = Client()

    page = stranger.get(_path(claim))
    refused = stranger.post(_path(claim), SHIPPING)
    sent = stranger.post(_path(claim), {"action": "identify"})

    assert page.status_code == 200 and "confirm it is you" in page.content.decode()
    assert "Claim my prize" not in page.content.decode()
    assert refused.status_code == 403
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.NOTIFIED and claim.answers == {}
    assert sent.status_code == 200 and [m.to for m in mailoutbox] == [[claim.entry.person.email]]
    link = re.search(r"https?://\S+/verify/\?t=\S+", mailoutbox[0].body).group(0)
    back = stranger.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert back.status_code == 302 and back["Location"].startswith(_path(claim))
    assert "Claim my prize" in stranger.get(_path(claim)).content.decode()


def test_the_link_of_a_winner_whose_data_was_deleted_takes_no_new_data(
    django_capture_on_commit_callbacks,
):
    # given: a winner without an email, for whom the link is the proof
    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    PrizeClaim.objects.filter(pk=claim.pk).update(channel=PrizeClaim.Channel.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        entrants_services.person_anonymise(person=claim.entry.person)

    # when: someone opens the link and sends the form
    stranger = Client()
    page = stranger.get(_path(claim))
    sent = stranger.post(_path(claim), {**SHIPPING, "email": "ana@example.com"})

    # then
    claim.refresh_from_db()
    assert (page.status_code, sent.status_code) == (410, 410)
    assert "This claim is closed" in sent.content.decode()
    assert claim.status == PrizeClaim.Status.INELIGIBLE
    assert claim.answers == {} and claim.claimed_at is None


def test_an_open_claim_of_a_person_anonymised_before_it_closed_is_refused(
    django_capture_on_commit_callbacks,
):
    # given: a claim still open although its winner's data is deleted (deleted before
    # deletions closed claims)
    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    PrizeClaim.objects.filter(pk=claim.pk).update(channel=PrizeClaim.Channel.NONE)
    Person.objects.filter(pk=claim.entry.person_id).update(anonymised_at=timezone.now())
    person = Person.objects.get(pk=claim.entry.person_id)

    # when
    sent = Client().post(_path(claim), {**SHIPPING, "email": "ana@example.com"})
    with pytest.raises(ValidationError, match="This claim is closed"):
        claims_services.claim_submit(
            claim=claim,
            person=person,
            answers=claims_services.ClaimAnswers(answers={"email": "ana@example.com"}),
        )

    # then
    claim.refresh_from_db()
    assert sent.status_code == 410
    assert claim.status == PrizeClaim.Status.NOTIFIED and claim.answers == {}


def test_decline_on_the_page(django_capture_on_commit_callbacks, consumer, mailoutbox):
    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    sign_in(consumer, claim.entry.person)

    unconfirmed = consumer.post(_path(claim), {"action": "decline"})
    with django_capture_on_commit_callbacks(execute=True):
        declined = consumer.post(_path(claim), {"action": "decline", "confirm_decline": "on"})

    assert unconfirmed.status_code == 400
    assert declined.status_code == 200 and "You declined the prize" in declined.content.decode()
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.DECLINED and claim.successor is not None


def test_tampered_foreign_and_expired_links_are_friendly_4xx(
    django_capture_on_commit_callbacks, consumer
):
    promotion, _first_draw, claim = _drawn(django_capture_on_commit_callbacks)
    path = _path(claim)
    token = path.rstrip("/").rsplit("/", 1)[1]
    other, _other_draw, other_claim = _drawn(django_capture_on_commit_callbacks)

    tampered = consumer.get(
        path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    )
    foreign = consumer.get(
        _path(other_claim)
        .replace(other.slug, promotion.slug)
        .replace(other.campaign.slug, promotion.campaign.slug)
        .replace(other.campaign.brand.slug, promotion.campaign.brand.slug)
    )
    PrizeClaim.objects.filter(pk=claim.pk).update(deadline=claim.created_at)
    expired = consumer.get(path)

    assert tampered.status_code == 400 and "does not work" in tampered.content.decode()
    assert '<meta name="robots" content="noindex">' in tampered.content.decode()
    assert foreign.status_code == 400
    assert expired.status_code == 410 and "deadline has passed" in expired.content.decode()


def test_the_winners_page_404_before_then_first_name_initial_and_country(
    django_capture_on_commit_callbacks, consumer
):
    promotion, draw, due = closed_sweepstakes(winners=2)
    url = f"/p/{promotion.campaign.brand.slug}/{promotion.campaign.slug}/{promotion.slug}/winners/"
    before = consumer.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    claims = list(PrizeClaim.objects.filter(draw=draw).order_by("slot"))
    first, second = (c.entry.person for c in claims)

    page = consumer.get(url).content.decode()
    entrants_services.person_anonymise(person=second)
    after_deletion = consumer.get(url).content.decode()

    assert before.status_code == 404
    first_name, last_name = first.name.split()[0], first.name.split()[1]
    assert f"<strong>{first_name} {last_name[0]}.</strong>, France" in page
    assert first.email not in page
    assert draw.get_absolute_url() in page
    assert f'<meta name="description" content="Winners: {promotion.title} · ' in page
    assert second.name.split()[0] in page
    assert f"<strong>{first_name} {last_name[0]}.</strong>" in after_deletion
    assert claims[1].entry.public_id not in after_deletion


def test_a_winner_who_lost_the_prize_with_no_alternate_left_is_not_published(
    django_capture_on_commit_callbacks, consumer
):
    # given: one entrant, no alternate; the winner turns out not to be eligible
    promotion, draw, due = closed_sweepstakes(entrants=1, alternates=0)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    url = f"/p/{promotion.campaign.brand.slug}/{promotion.campaign.slug}/{promotion.slug}/winners/"
    listed = consumer.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        successor = claims_services.claim_mark_ineligible(
            claim=claim, reason="Under age under the official rules.", at=due
        )
    page = consumer.get(url)

    # then: nobody took the prize, and the disqualified entrant is not called a winner
    claim.refresh_from_db()
    assert successor is None and claim.unfilled_at is not None
    assert claim.entry.public_id in listed
    assert page.status_code == 200 and claim.entry.public_id not in page.content.decode()


def test_the_ended_promotion_links_to_its_winners(django_capture_on_commit_callbacks, consumer):
    promotion, _draw, _claim = _drawn(django_capture_on_commit_callbacks)

    page = consumer.get(promotion.get_absolute_url())

    assert page.status_code == 410
    assert f"{promotion.slug}/winners/" in page.content.decode()


@override_settings(CLAIM_DOCUMENT_MAX_MB=1)
def test_a_document_is_stored_privately(django_capture_on_commit_callbacks, consumer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from promotions.claims.models import claim_document_storage

    _promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks, claim_document="required")
    sign_in(consumer, claim.entry.person)
    wrong = SimpleUploadedFile("id.exe", b"MZ", content_type="application/octet-stream")
    refused = consumer.post(_path(claim), {**SHIPPING, "document": wrong})
    good = SimpleUploadedFile("id.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    done = consumer.post(_path(claim), {**SHIPPING, "document": good})

    assert refused.status_code == 400 and "PDF, JPEG or PNG" in refused.content.decode()
    assert done.status_code == 200
    claim.refresh_from_db()
    assert claim.document.name.startswith("claims/")
    with pytest.raises(ValueError, match="private"):
        claim_document_storage().url(claim.document.name)


def test_an_entrant_with_an_email_gets_the_entry_number_once(
    django_capture_on_commit_callbacks, mailoutbox
):
    from promotions.claims.emails import entry_confirmation_send
    from promotions.entries import services as entries_services
    from promotions.entries.eligibility import Answers
    from tests.factories.promotions import PersonFactory, PromotionFactory

    promotion = PromotionFactory()
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        outcome = entries_services.entry_create(
            promotion=promotion,
            person=person,
            answers=Answers(
                name="Ana Lopez",
                birth_date=person.birth_date,
                country="FR",
                consents=frozenset({"official_rules", "privacy", "facebook_release"}),
            ),
        )

    assert len(queued) >= 1  # queued on commit, not sent inside the request's transaction
    assert [m.to for m in mailoutbox] == [[person.email]]
    assert outcome.entry.public_id in mailoutbox[0].body
    # its link opens the promotion in the language of the entry (and of the email)
    assert f"{promotion.get_absolute_url()}?lang={outcome.entry.language}\n" in mailoutbox[0].body
    assert entry_confirmation_send(entry_id=outcome.entry.pk) is False  # once
    assert len(mailoutbox) == 1


def test_the_claim_link_opens_in_the_language_the_winner_entered_in_in_any_browser(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given: a winner who entered in Spanish (their emails are in Spanish)
    promotion, draw, due = closed_sweepstakes(entrants=1, alternates=0)
    Campaign.objects.filter(pk=promotion.campaign_id).update(languages=["es"])
    Entry.objects.filter(promotion=promotion).update(language="es")
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    link = claim_link(claim=claim)
    assert link.endswith("?lang=es")
    assert any(link in m.body for m in mailoutbox if m.to == [claim.entry.person.email])

    # when: they open it in a browser that asks for English
    address = urlsplit(link)
    page = Client().get(f"{address.path}?{address.query}", HTTP_ACCEPT_LANGUAGE="en")

    # then: the page speaks Spanish
    assert page.status_code == 200
    assert '<html lang="es" dir="ltr">' in page.content.decode()


def test_a_marketers_re_draw_closes_the_winners_claim_and_tells_the_alternate(
    admin_client, django_capture_on_commit_callbacks, mailoutbox
):
    # given: a drawn sweepstakes whose winner has an open claim
    _promotion, draw, due = closed_sweepstakes(winners=1, alternates=2)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    first = PrizeClaim.objects.get(draw=draw)
    mailoutbox.clear()

    # when: the marketer re-draws the prize in admin
    with django_capture_on_commit_callbacks(execute=True):
        added = admin_client.post(
            "/admin/promotions/drawreplacement/add/",
            {"draw": draw.pk, "replaced_entry": first.entry.public_id, "reason": "Staff member."},
        )

    # then: the claim is closed with the reason, the alternate has a claim and is told
    assert added.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.close_reason) == (PrizeClaim.Status.INELIGIBLE, "Staff member.")
    second = PrizeClaim.objects.get(predecessor=first)
    assert second.entry.public_id == draw.alternates[0]
    assert second.status == PrizeClaim.Status.NOTIFIED
    assert [m.to for m in mailoutbox] == [[second.entry.person.email]]
    assert DrawReplacement.objects.get().replacement_entry == draw.alternates[0]


def test_a_prize_sent_already_is_not_re_drawn(admin_client, django_capture_on_commit_callbacks):
    _promotion, draw, due = closed_sweepstakes(winners=1, alternates=2)
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get()
    PrizeClaim.objects.filter(pk=claim.pk).update(status=PrizeClaim.Status.CLAIMED)
    claims_services.claim_mark_shipped(claim=claim, carrier="La Poste", tracking_number="1")

    refused = admin_client.post(
        "/admin/promotions/drawreplacement/add/",
        {"draw": draw.pk, "replaced_entry": claim.entry.public_id, "reason": "Changed my mind"},
        follow=True,
    )

    assert "This winner&#x27;s prize has been sent: it is not re-drawn." in refused.content.decode()
    assert not DrawReplacement.objects.exists()
    assert PrizeClaim.objects.get().status == PrizeClaim.Status.SHIPPED


def test_a_claim_whose_pass_on_is_refused_does_not_stop_the_other_expiries(
    django_capture_on_commit_callbacks, caplog
):
    # given: two drawn sweepstakes; in the first, the winner was replaced behind the claim's
    # back (a re-draw recorded on the draw alone), so its expiry cannot pass the prize on
    stuck_draw = closed_sweepstakes(winners=1, alternates=2)[1]
    other_draw, due = closed_sweepstakes(winners=1, alternates=2)[1:]
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    stuck = PrizeClaim.objects.get(draw=stuck_draw)
    other = PrizeClaim.objects.get(draw=other_draw)
    draws_services.draw_replace_winner(
        draw=stuck_draw, entry_public_id=stuck.entry.public_id, reason="By hand"
    )

    # when: both deadlines have passed
    with django_capture_on_commit_callbacks(execute=True):
        expired = claims_services.claims_expire_due(at=max(stuck.deadline, other.deadline))

    # then: the other claim expired and passed on; the stuck one is logged, unchanged
    assert expired == 1
    other.refresh_from_db()
    stuck.refresh_from_db()
    assert other.status == PrizeClaim.Status.EXPIRED and PrizeClaim.objects.filter(
        predecessor=other
    )
    assert stuck.status == PrizeClaim.Status.NOTIFIED
    assert f"claim {stuck.pk} not expired" in caplog.text


@pytest.mark.parametrize("language", ["ja", "ar", "de"])
def test_the_claim_deadline_is_written_as_the_page_s_language_writes_dates(
    django_capture_on_commit_callbacks, consumer, language
):
    # given: a winner of a campaign that speaks the language
    promotion, _draw, claim = _drawn(django_capture_on_commit_callbacks)
    Campaign.objects.filter(pk=promotion.campaign_id).update(languages=[language])
    campaign = Campaign.objects.get(pk=promotion.campaign_id)

    # when: the claim page opens in it
    page = consumer.get(_path(claim), {"lang": language}).content.decode()

    # then: the deadline reads as that language writes a day and a time, in the campaign's zone
    written = moment_format(claim.deadline, campaign.tzinfo, language)
    assert written in page, re.findall(r'<p class="notice-inline">.*?</p>', page, re.S)
