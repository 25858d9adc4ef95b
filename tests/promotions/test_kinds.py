"""Instant wins, offers (coupon codes) and contests (submissions, moderation, votes, jury)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from promotions.codes import selectors as codes_selectors
from promotions.codes import services as codes_services
from promotions.contests import selectors as contests_selectors
from promotions.contests import services as contests_services
from promotions.entries import refusals as entries_refusals
from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from promotions.models import (
    CouponCode,
    Entry,
    EntryFrequency,
    Prize,
    PrizeAward,
    Promotion,
    Submission,
    SubmissionMedia,
    Vote,
    WinningMoment,
)
from promotions.prizes import services as prizes_services
from tests.factories.promotions import (
    JuryScoreFactory,
    PersonFactory,
    PrizeFactory,
    PromotionFactory,
    StaffUserFactory,
    SubmissionFactory,
)
from tests.promotions.conftest import ENTRY_FORM, ENTRY_JSON, make_consumer, sign_in

pytestmark = pytest.mark.django_db

ANSWERS = Answers(
    name="Camille",
    birth_date=timezone.now().date().replace(year=1990),
    country="FR",
    consents=frozenset({"official_rules", "privacy", "facebook_release"}),
)


def enter(promotion, person=None, **kwargs):
    person = person or PersonFactory()
    answers = dataclasses.replace(ANSWERS, name=person.name)
    return entries_services.entry_create(
        promotion=promotion, person=person, answers=answers, **kwargs
    )


# --- instant win -----------------------------------------------------------------------------


def test_a_play_wins_while_stock_lasts_and_never_beyond_it():
    prize = PrizeFactory(quantity=2, odds_one_in=1, name="Earbuds")

    results = [enter(prize.promotion).award for _ in range(4)]

    assert [a.prize.name if a else None for a in results] == ["Earbuds", "Earbuds", None, None]
    prize.refresh_from_db()
    assert prize.awarded == 2
    assert sorted(PrizeAward.objects.values_list("unit", flat=True)) == [1, 2]


def test_a_winning_moment_goes_to_the_first_play_after_it():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = PrizeFactory(promotion=promotion, quantity=5, odds_one_in=None, name="Case")
    past = WinningMoment.objects.create(prize=prize, at=timezone.now() - timedelta(minutes=5))
    WinningMoment.objects.create(prize=prize, at=timezone.now() + timedelta(days=1))

    first, second = enter(promotion), enter(promotion)

    past.refresh_from_db()
    assert first.award.prize == prize and past.entry == first.entry
    assert second.award is None
    assert WinningMoment.objects.filter(entry__isnull=True).count() == 1


def test_a_moment_of_an_exhausted_prize_wins_nothing():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = PrizeFactory(promotion=promotion, quantity=1, odds_one_in=1)
    enter(promotion)  # takes the only unit by the odds
    WinningMoment.objects.create(prize=prize, at=timezone.now() - timedelta(minutes=1))

    outcome = enter(promotion)

    assert outcome.award is None
    assert WinningMoment.objects.get().entry is None


def test_the_database_refuses_more_awards_than_the_quantity():
    prize = PrizeFactory(quantity=1)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Prize.objects.filter(pk=prize.pk).update(awarded=2)


def test_the_instant_win_tab_shows_the_result(consumer):
    prize = PrizeFactory(quantity=1, odds_one_in=1, name="Nova Buds")
    sign_in(consumer, PersonFactory())

    consumer.post(prize.promotion.get_absolute_url() + "enter/", ENTRY_FORM)
    page = consumer.get(prize.promotion.get_absolute_url()).content.decode()
    loser = sign_in(make_consumer(), PersonFactory())
    lost = loser.post(
        prize.promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )

    assert "You won: Nova Buds!" in page
    assert lost.json()["won"] is False and lost.json()["prize"] is None


def test_a_prize_quantity_cannot_drop_below_what_was_awarded():
    prize = PrizeFactory(quantity=3, odds_one_in=1)
    enter(prize.promotion)
    enter(prize.promotion)

    with pytest.raises(ValidationError, match="2 already awarded"):
        prizes_services.prize_set_quantity(prize=prize, quantity=1)
    assert prizes_services.prize_set_quantity(prize=prize, quantity=2).quantity == 2


# --- offers ----------------------------------------------------------------------------------


def offer(**kwargs):
    return PromotionFactory(kind=Promotion.Kind.OFFER, **kwargs)


def test_each_claimant_gets_their_own_code_and_the_pool_runs_out():
    promotion = offer()
    codes_services.code_pool_import(promotion=promotion, codes=["aaaa-1111", "BBBB-2222"])

    first, second = enter(promotion), enter(promotion)
    with pytest.raises(entries_refusals.Refused) as refused:
        enter(promotion)

    assert {first.code.code, second.code.code} == {"AAAA-1111", "BBBB-2222"}
    assert refused.value.status == 403
    assert (
        refused.value.refusals[0].message
        == "All codes have been claimed. Thank you for your interest!"
    )
    assert Entry.objects.filter(promotion=promotion).count() == 2


def test_a_person_claims_one_code_only(consumer):
    promotion = offer()
    codes_services.code_pool_generate(promotion=promotion, count=5)
    sign_in(consumer, PersonFactory())

    first = consumer.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )
    again = consumer.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )
    page = consumer.get(promotion.get_absolute_url()).content.decode()

    assert first.status_code == 201 and again.status_code == 409
    code = CouponCode.objects.get(person__isnull=False)
    assert first.json()["code"] == code.code
    assert f"<code>{code.code}</code>" in page


def test_offers_and_contests_take_one_entry_per_person():
    promotion = offer(entry_frequency=EntryFrequency.DAILY)

    with pytest.raises(ValidationError) as error:
        promotion.full_clean()

    assert error.value.message_dict["entry_frequency"] == [
        "Offers and contests take one entry per person: choose 'Once'."
    ]


def test_code_import_reports_duplicates_and_invalid_codes():
    promotion, other = offer(), offer()
    codes_services.code_pool_import(promotion=other, codes=["TAKEN-1"])

    result = codes_services.code_pool_import(
        promotion=promotion, codes=["ok-code-1", "taken-1", "x", "bad code!", "OK-CODE-1"]
    )

    assert (result.created, result.duplicates, result.invalid) == (
        1,
        ["OK-CODE-1", "TAKEN-1"],  # typed twice: added once, and said so
        ["x", "bad code!"],
    )
    assert list(promotion.codes.values_list("code", flat=True)) == ["OK-CODE-1"]


def test_generated_codes_are_unique_and_readable():
    promotion = offer()

    made = codes_services.code_pool_generate(promotion=promotion, count=300, prefix="nova")

    codes = list(promotion.codes.values_list("code", flat=True))
    assert made == 300 and len(set(codes)) == 300
    assert all(
        c.startswith("NOVA-") and len(c) == 15 and not set(c[5:]) & set("01IO") for c in codes
    )


def test_the_shop_looks_codes_up_and_redeems_each_once():
    promotion = offer()
    codes_services.code_pool_import(promotion=promotion, codes=["SHOP-0001", "SHOP-0002"])
    outcome = enter(promotion)
    code = outcome.code.code

    found = codes_selectors.promotion_code_lookup(code=f" {code.lower()} ")
    redeemed = codes_services.promotion_code_redeem(code=code, reference="order-17")
    retried = codes_services.promotion_code_redeem(code=code, reference="order-17")

    assert found == (promotion.pk, outcome.entry.person_id, outcome.code.claimed_at)
    assert (found.promotion_id, found.entrant_id) == (promotion.pk, outcome.entry.person_id)
    assert redeemed.redeemed_at == retried.redeemed_at
    assert (
        codes_selectors.promotion_code_lookup(
            code="SHOP-0002" if code != "SHOP-0002" else "SHOP-0001"
        )
        is None
    )
    assert codes_selectors.promotion_code_lookup(code="NOPE") is None
    with pytest.raises(codes_services.CodeNotRedeemable, match="already been used"):
        codes_services.promotion_code_redeem(code=code, reference="order-18")
    with pytest.raises(codes_services.CodeNotRedeemable, match="not valid"):
        codes_services.promotion_code_redeem(code="SHOP-000X", reference="order-18")


# --- contests --------------------------------------------------------------------------------


def contest(**kwargs):
    return PromotionFactory(kind=Promotion.Kind.CONTEST, **kwargs)


def test_a_film_link_is_submitted_for_moderation(consumer):
    promotion = contest(submission_media=SubmissionMedia.VIDEO)
    sign_in(consumer, PersonFactory())

    response = consumer.post(
        promotion.get_absolute_url() + "enter/",
        {**ENTRY_FORM, "title": "Night ride", "video_url": "https://video.example.com/night-ride"},
    )
    page = consumer.get(promotion.get_absolute_url()).content.decode()

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert (submission.title, submission.status, submission.media) == (
        "Night ride",
        "pending",
        "video",
    )
    assert "waiting for moderation" in page
    assert "Night ride" not in page.split('id="gallery"')[1]


def test_a_photo_upload_is_stored(consumer):
    promotion = contest(submission_media=SubmissionMedia.PHOTO)
    sign_in(consumer, PersonFactory())
    photo = SimpleUploadedFile(
        "me.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png"
    )

    response = consumer.post(
        promotion.get_absolute_url() + "enter/", {**ENTRY_FORM, "title": "Me", "file": photo}
    )

    assert response.status_code == 302
    assert Submission.objects.get().file.name.endswith(".png")


@pytest.mark.parametrize(
    ("media", "fields", "message"),
    [
        (SubmissionMedia.VIDEO, {"title": "T"}, "Upload your video or give a link to it."),
        (
            SubmissionMedia.VIDEO,
            {"title": "T", "video_url": "http://insecure.example.com/v"},
            "Give a video link that starts with https://.",
        ),
        (
            SubmissionMedia.VIDEO,
            {"video_url": "https://v.example.com/1"},
            "Give your entry a title.",
        ),
        (SubmissionMedia.PHOTO, {"title": "T"}, "Choose a photo to upload."),
        (SubmissionMedia.TEXT, {"title": "T"}, "Write your entry."),
    ],
)
def test_incomplete_submissions_say_what_is_missing(consumer, media, fields, message):
    promotion = contest(submission_media=media)
    sign_in(consumer, PersonFactory())

    response = consumer.post(promotion.get_absolute_url() + "enter/", {**ENTRY_FORM, **fields})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_wrong_file_type_is_refused(consumer):
    promotion = contest(submission_media=SubmissionMedia.PHOTO)
    sign_in(consumer, PersonFactory())
    script = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")

    response = consumer.post(
        promotion.get_absolute_url() + "enter/", {**ENTRY_FORM, "title": "T", "file": script}
    )

    assert response.status_code == 400
    assert "This file type is not accepted here." in response.content.decode()


def test_moderation_puts_a_film_in_the_gallery_or_rejects_it_with_a_note():
    pending = SubmissionFactory(status=Submission.Status.PENDING, title="Low tide")
    other = SubmissionFactory(
        promotion=pending.promotion, status=Submission.Status.PENDING, title="Spam"
    )
    staff = StaffUserFactory()

    contests_services.submission_moderate(submission=pending, approve=True, by=staff)
    with pytest.raises(ValidationError):
        contests_services.submission_moderate(submission=other, approve=False, note="", by=staff)
    contests_services.submission_moderate(
        submission=other, approve=False, note="Not shot on a phone.", by=staff
    )

    assert [
        i.submission.title
        for i in contests_selectors.submission_gallery_list(promotion=pending.promotion)
    ] == ["Low tide"]
    other.refresh_from_db()
    assert (other.status, other.moderation_note) == ("rejected", "Not shot on a phone.")


def test_one_vote_per_person_per_day(consumer):
    film = SubmissionFactory(title="Night ride")
    other = SubmissionFactory(promotion=film.promotion)
    sign_in(consumer, PersonFactory())
    url = film.promotion.get_absolute_url() + f"submissions/{film.pk}/vote/"

    first = consumer.post(url, content_type="application/json")
    again = consumer.post(
        film.promotion.get_absolute_url() + f"submissions/{other.pk}/vote/",
        content_type="application/json",
    )
    page = consumer.get(film.promotion.get_absolute_url()).content.decode()

    assert first.status_code == 201 and first.json() == {"submission": film.pk, "votes": 1}
    assert again.status_code == 409
    assert again.json()["error"]["message"].startswith(
        "You have already voted today. You can vote again from "
    )
    assert "Your vote today" in page


def test_the_next_day_brings_a_new_vote():
    film = SubmissionFactory()
    voter = PersonFactory()
    today = timezone.now()

    contests_services.vote_cast(submission=film, person=voter, at=today)
    contests_services.vote_cast(submission=film, person=voter, at=today + timedelta(days=1))

    assert Vote.objects.filter(person=voter).count() == 2


def test_votes_go_only_to_approved_films_of_others():
    pending = SubmissionFactory(status=Submission.Status.PENDING)
    mine = SubmissionFactory(promotion=pending.promotion)

    with pytest.raises(entries_refusals.Refused, match="not in the gallery"):
        contests_services.vote_cast(submission=pending, person=PersonFactory())
    with pytest.raises(entries_refusals.Refused, match="your own entry"):
        contests_services.vote_cast(submission=mine, person=mine.person)


def test_voting_needs_a_signed_in_person(consumer):
    film = SubmissionFactory()

    response = consumer.post(
        film.promotion.get_absolute_url() + f"submissions/{film.pk}/vote/",
        content_type="application/json",
    )

    assert response.status_code == 401


def test_standings_weigh_the_jury_and_the_public_as_configured():
    promotion = contest(jury_weight=40)
    popular, loved = (
        SubmissionFactory(promotion=promotion, title="Popular"),
        SubmissionFactory(promotion=promotion, title="Loved"),
    )
    for _ in range(4):
        contests_services.vote_cast(submission=popular, person=PersonFactory())
    contests_services.vote_cast(submission=loved, person=PersonFactory())
    for juror, scores in zip(
        [StaffUserFactory(), StaffUserFactory()], [(4, 10), (2, 8)], strict=True
    ):
        JuryScoreFactory(submission=popular, juror=juror, score=scores[0])
        JuryScoreFactory(submission=loved, juror=juror, score=scores[1])

    standings = contests_selectors.submission_standings_list(promotion=promotion)

    # Popular: 0.6 * 4/4 + 0.4 * 3/10 = 0.72; Loved: 0.6 * 1/4 + 0.4 * 9/10 = 0.51
    assert [(s.submission.title, s.votes, s.jury_average, s.score) for s in standings] == [
        ("Popular", 4, 3.0, 0.72),
        ("Loved", 1, 9.0, 0.51),
    ]
