"""Fair draws: commitment before close, frozen list, reveal, deterministic winners,
certificate and JSON export, verify_draw from published data, replacements."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
import responses
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from promotions.draws import fairdraw
from promotions.draws import services as draws_services
from promotions.entrants import services as entrants_services
from promotions.entries import services as entries_services
from promotions.models import Draw, Promotion
from tests.factories.promotions import EntryFactory, PersonFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def closed_sweepstakes_with_entries(n=12, per_person=1):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    draw = draws_services.draw_commit(promotion=promotion, winners_count=3, alternates_count=2)
    entered_at = timezone.now() - timedelta(hours=1)
    for _ in range(n):
        person = PersonFactory()
        for _ in range(per_person):
            EntryFactory(promotion=promotion, person=person, created_at=entered_at)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    promotion.refresh_from_db()
    draw.refresh_from_db()
    return promotion, draw


def export(draw):
    response = Client().get(draw.get_absolute_url()[:-1] + ".json")
    assert response.status_code == 200
    return response.json()


def test_the_commitment_is_on_the_page_before_entries_close(consumer):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    draw = draws_services.draw_commitment_ensure(promotion=promotion)

    page = consumer.get(promotion.get_absolute_url()).content.decode()
    published = export(draw)

    assert draw.seed_commitment == hashlib.sha256(bytes.fromhex(draw.seed)).hexdigest()
    assert f"<code>{draw.seed_commitment}</code>" in page
    assert draw.seed not in page
    assert "seed" not in published and published["status"] == "committed"


def test_the_first_entry_commits_a_draw_if_none_exists():
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    from promotions.entries.eligibility import Answers

    entries_services.entry_create(
        promotion=promotion,
        person=PersonFactory(),
        answers=Answers(
            name="A",
            birth_date=date(1990, 3, 8),
            country="FR",
            consents=frozenset({"official_rules", "privacy", "facebook_release"}),
        ),
    )

    assert promotion.draws.count() == 1
    assert promotion.draws.get().committed_at < promotion.ends_at


def test_a_draw_waits_for_entries_to_close():
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    draw = draws_services.draw_commit(promotion=promotion)

    with pytest.raises(ValidationError, match="Entries are open until"):
        draws_services.draw_run(draw=draw)


def test_a_draw_is_derived_from_the_seed_and_the_frozen_list():
    _promotion, draw = closed_sweepstakes_with_entries()

    done = draws_services.draw_run(draw=draw)

    lines = done.entry_list.splitlines()
    assert done.entry_count == 12 == len(lines)
    assert lines == sorted(lines)
    assert done.entry_list_hash == hashlib.sha256(done.entry_list.encode()).hexdigest()
    assert len(done.winners) == 3 and len(done.alternates) == 2
    assert len(set(done.winners + done.alternates)) == 5
    again = fairdraw.pick(
        seed_hex=done.seed,
        list_hash=done.entry_list_hash,
        entry_list=done.entry_list,
        winners=3,
        alternates=2,
    )
    assert (again.winners, again.alternates) == (done.winners, done.alternates)
    with pytest.raises(ValidationError, match="already been made"):
        draws_services.draw_run(draw=done)


def test_one_person_wins_once_however_many_entries_they_have():
    promotion, draw = closed_sweepstakes_with_entries(n=4, per_person=5)

    done = draws_services.draw_run(draw=draw)

    winners_people = promotion.entries.filter(
        public_id__in=done.winners + done.alternates
    ).values_list("person", flat=True)
    assert len(done.winners + done.alternates) == 4
    assert len(set(winners_people)) == 4


def test_flagged_excluded_and_deleted_entrants_take_no_part():
    promotion, draw = closed_sweepstakes_with_entries(n=3)
    flagged = EntryFactory(
        promotion=promotion, flagged=True, created_at=promotion.ends_at - timedelta(hours=1)
    )
    excluded = EntryFactory(
        promotion=promotion, status="excluded", created_at=promotion.ends_at - timedelta(hours=1)
    )
    gone = EntryFactory(promotion=promotion, created_at=promotion.ends_at - timedelta(hours=1))
    entrants_services.person_anonymise(person=gone.person)

    done = draws_services.draw_run(draw=draw)

    assert done.entry_count == 3
    for entry in (flagged, excluded, gone):
        assert entry.public_id not in done.entry_list


def test_verify_draw_accepts_the_published_data_and_refuses_any_change(tmp_path):
    _promotion, draw = closed_sweepstakes_with_entries()
    draws_services.draw_run(draw=draw)
    published = export(draw)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published))

    call_command("verify_draw", str(path))

    first_line = published["entry_list"].splitlines()[0]
    changed_entry = {
        **published,
        "entry_list": published["entry_list"].replace(first_line[:16], "0" * 16, 1),
    }
    changed_seed = {
        **published,
        "seed": ("0" if published["seed"][0] != "0" else "1") + published["seed"][1:],
    }
    rehashed = {
        **changed_entry,
        "entry_list_hash": hashlib.sha256(changed_entry["entry_list"].encode()).hexdigest(),
    }
    for tampered in (changed_entry, changed_seed, rehashed):
        path.write_text(json.dumps(tampered))
        with pytest.raises(CommandError, match="does NOT verify"):
            call_command("verify_draw", str(path))

    assert not fairdraw.verify(changed_entry).ok
    assert (
        "SHA-256 of the entry list is not the published list hash."
        in fairdraw.verify(changed_entry).problems
    )
    assert (
        fairdraw.verify(changed_seed).problems[0]
        == "SHA-256 of the revealed seed is not the published commitment."
    )
    assert any("Re-derived winners" in p for p in fairdraw.verify(rehashed).problems)


@responses.activate
def test_verify_draw_reads_the_export_url(capsys):
    _promotion, draw = closed_sweepstakes_with_entries()
    draws_services.draw_run(draw=draw)
    url = "https://promos.example.com/p/x/y/z/draws/1.json"
    responses.get(url, json=export(draw))

    call_command("verify_draw", url)

    out = capsys.readouterr().out
    assert "OK: the draw verifies from the published data." in out
    assert f"Entry list hash:  {Draw.objects.get().entry_list_hash}" in out


def test_an_undrawn_export_cannot_be_verified_yet(tmp_path):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    draw = draws_services.draw_commit(promotion=promotion)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(export(draw)))

    with pytest.raises(CommandError, match="has not been made yet"):
        call_command("verify_draw", str(path))


def test_the_certificate_shows_everything_but_personal_data(consumer):
    promotion, draw = closed_sweepstakes_with_entries()
    done = draws_services.draw_run(draw=draw)

    page = consumer.get(done.get_absolute_url())
    published = json.dumps(export(done))

    body = page.content.decode()
    assert page.status_code == 200  # the promotion has ended; its certificate stays public
    assert (
        f'<meta name="description" content="Draw certificate {done.pk} · {promotion.title}' in body
    )
    for value in [
        done.seed,
        done.seed_commitment,
        done.entry_list_hash,
        *done.winners,
        *done.alternates,
    ]:
        assert value in body
    for entry in promotion.entries.select_related("person"):
        assert entry.person.email not in published and entry.person.name not in published


def test_replacing_a_winner_takes_the_next_alternate_and_records_why(consumer):
    _promotion, draw = closed_sweepstakes_with_entries()
    done = draws_services.draw_run(draw=draw)
    first = done.winners[0]

    with pytest.raises(ValidationError):
        draws_services.draw_replace_winner(draw=done, entry_public_id=first, reason=" ")
    replacement = draws_services.draw_replace_winner(
        draw=done, entry_public_id=first, reason="No answer within 14 days."
    )
    second = draws_services.draw_replace_winner(
        draw=done, entry_public_id=replacement.replacement_entry, reason="Under age."
    )
    with pytest.raises(ValidationError, match="No alternate is left"):
        draws_services.draw_replace_winner(
            draw=done, entry_public_id=second.replacement_entry, reason="Again."
        )

    assert (replacement.replacement_entry, second.replacement_entry) == tuple(done.alternates)
    body = consumer.get(done.get_absolute_url()).content.decode()
    assert "No answer within 14 days." in body and "Under age." in body
    assert export(done)["replacements"][0] == {
        "replaced": first,
        "replacement": done.alternates[0],
        "reason": "No answer within 14 days.",
        "at": replacement.replaced_at.isoformat(),
    }


def test_a_replacement_passes_over_an_alternate_excluded_since_the_draw(consumer):
    # given: 3 winners, 2 alternates; the first alternate's entry excluded after the draw
    promotion, draw = closed_sweepstakes_with_entries()
    done = draws_services.draw_run(draw=draw)
    first_alternate, second_alternate = done.alternates
    entries_services.entry_exclude(
        entry=promotion.entries.get(public_id=first_alternate), reason="Second account"
    )

    # when
    draws_services.draw_replace_winner_check(
        draw=done, entry_public_id=done.winners[0], reason="Under age."
    )
    replacement = draws_services.draw_replace_winner(
        draw=done, entry_public_id=done.winners[0], reason="Under age."
    )

    # then: the last replacement names the new winner; none is left for the next one
    assert replacement.replacement_entry == second_alternate
    assert [
        (r["replaced"], r["replacement"], r["reason"]) for r in export(done)["replacements"]
    ] == [
        (done.winners[0], first_alternate, "Under age."),
        (first_alternate, second_alternate, "The alternate's entry was excluded."),
    ]
    with pytest.raises(draws_services.NoAlternateLeft):
        draws_services.draw_replace_winner_check(
            draw=done, entry_public_id=done.winners[1], reason="Under age."
        )


def test_an_alternate_who_won_another_draw_of_the_promotion_is_passed_over():
    # given: 5 entrants; the first draw names all of them (3 winners, 2 alternates), the
    # second draws among its 2 alternates (its earlier winners are left out)
    promotion, draw = closed_sweepstakes_with_entries(n=5)
    first = draws_services.draw_run(draw=draw)
    second = draws_services.draw_run(
        draw=draws_services.draw_commit(
            promotion=promotion, winners_count=1, alternates_count=1, reason="Prize added."
        )
    )
    assert set(second.winners + second.alternates) == set(first.alternates)
    (second_winner,) = second.winners
    (second_alternate,) = second.alternates

    # when: the first draw's first winner gives way
    made = draws_services.draw_replace_winner(
        draw=first, entry_public_id=first.winners[0], reason="Declined."
    )

    # then: the second draw's winner is passed over; its alternate wins the first prize
    assert made.replacement_entry == second_alternate
    reasons = [r["reason"] for r in export(first)["replacements"]]
    if first.alternates[0] == second_winner:
        assert reasons == [
            "Declined.",
            "The alternate has won a prize of another draw of this promotion.",
        ]
    else:
        assert reasons == ["Declined."]
    # and the second draw's prize can go to nobody who already holds one
    with pytest.raises(draws_services.NoAlternateLeft):
        draws_services.draw_replace_winner(
            draw=second, entry_public_id=second_winner, reason="Declined."
        )
    assert fairdraw.verify(export(first)).ok and fairdraw.verify(export(second)).ok


def test_a_second_draw_needs_a_reason_and_excludes_earlier_winners():
    promotion, draw = closed_sweepstakes_with_entries(n=5)
    done = draws_services.draw_run(draw=draw)

    with pytest.raises(ValidationError, match="say why"):
        draws_services.draw_commit(promotion=promotion)
    redraw = draws_services.draw_run(
        draw=draws_services.draw_commit(
            promotion=promotion, winners_count=1, alternates_count=0, reason="Prize added."
        )
    )

    assert redraw.entry_count == 2  # 5 entrants less the 3 winners
    assert not set(redraw.winners) & set(done.winners)


def test_draft_promotions_and_other_promotions_draws_are_404(consumer):
    promotion, draw = closed_sweepstakes_with_entries(n=1)
    other = PromotionFactory(campaign=promotion.campaign)

    assert consumer.get(f"{other.get_absolute_url()}draws/{draw.pk}/").status_code == 404
    Promotion.objects.filter(pk=promotion.pk).update(status="draft")
    assert consumer.get(draw.get_absolute_url()).status_code == 404


def test_draw_selection_has_no_modulo_bias():
    # With n = 3 the largest multiple of 3 below 2**256 is rejected above; the indices of
    # many seeds spread evenly.
    entry_list = fairdraw.canonical_entry_list([(f"e{i}", f"p{i}") for i in range(3)])
    list_hash = fairdraw.sha256_hex(entry_list.encode())
    counts = {"e0": 0, "e1": 0, "e2": 0}
    for i in range(3000):
        seed = hashlib.sha256(str(i).encode()).hexdigest()
        counts[
            fairdraw.pick(
                seed_hex=seed, list_hash=list_hash, entry_list=entry_list, winners=1, alternates=0
            ).winners[0]
        ] += 1

    assert all(900 < c < 1100 for c in counts.values())
