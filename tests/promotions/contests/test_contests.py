"""Contests: submissions, moderation, votes and the jury."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from promotions.contests import selectors as contests_selectors
from promotions.contests import services as contests_services
from promotions.entries import refusals as entries_refusals
from promotions.models import Promotion, Submission, SubmissionMedia, Vote
from tests.factories.promotions import (
    JuryScoreFactory,
    PersonFactory,
    PromotionFactory,
    StaffUserFactory,
    SubmissionFactory,
)
from tests.promotions.conftest import ENTRY_FORM, sign_in

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("x.html", b"<script>alert(1)</script>", "text/html"),
        ("x.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/png"),
        ("x.jpg", b"<!doctype html><script>alert(1)</script>", "image/jpeg"),
        ("film.png", b"\x1a\x45\xdf\xa3" + b"0" * 60, "image/png"),  # a WebM video
    ],
    ids=["html", "svg-said-png", "html-said-jpeg", "video-said-photo"],
)
def test_a_file_that_is_not_a_photo_is_refused_whatever_the_browser_says(
    consumer, name, content, declared
):
    promotion = contest(submission_media=SubmissionMedia.PHOTO)
    sign_in(consumer, PersonFactory())
    upload = SimpleUploadedFile(name, content, content_type=declared)

    response = consumer.post(
        promotion.get_absolute_url() + "enter/", {**ENTRY_FORM, "title": "T", "file": upload}
    )

    assert response.status_code == 400
    assert "This file type is not accepted here." in response.content.decode()
    assert Submission.objects.count() == 0


def test_an_upload_is_stored_under_a_name_of_ours_with_the_extension_of_what_it_is(consumer):
    promotion = contest(submission_media=SubmissionMedia.PHOTO)
    sign_in(consumer, PersonFactory())
    jpeg = SimpleUploadedFile("../evil.html", b"\xff\xd8\xff\xe0" + b"0" * 100, "text/html")

    response = consumer.post(
        promotion.get_absolute_url() + "enter/", {**ENTRY_FORM, "title": "Me", "file": jpeg}
    )

    assert response.status_code == 302
    stored = Submission.objects.get().file.name
    assert re.fullmatch(r"submissions/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", stored), stored


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


def test_an_excluded_entry_leaves_the_gallery_and_the_standings_and_takes_no_votes(consumer):
    from promotions.entries import services as entries_services

    # given: two approved films, one voted for, then its entry excluded
    plagiarised = SubmissionFactory(title="Plagiarised")
    original = SubmissionFactory(promotion=plagiarised.promotion, title="Original")
    contests_services.vote_cast(submission=plagiarised, person=PersonFactory())
    entries_services.entry_exclude(entry=plagiarised.entry, reason="Plagiarised film")
    promotion = plagiarised.promotion
    sign_in(consumer, PersonFactory())

    # when
    gallery = contests_selectors.submission_gallery_list(promotion=promotion)
    standings = contests_selectors.submission_standings_list(promotion=promotion)
    vote = consumer.post(
        promotion.get_absolute_url() + f"submissions/{plagiarised.pk}/vote/",
        content_type="application/json",
    )
    page = consumer.get(promotion.get_absolute_url()).content.decode()

    # then
    assert [i.submission.title for i in gallery] == ["Original"]
    assert [(s.submission.title, s.votes) for s in standings] == [("Original", 0)]
    assert vote.status_code == 400
    assert vote.json()["error"]["message"] == "This entry is not in the gallery."
    assert Vote.objects.filter(submission=plagiarised).count() == 1
    assert "Plagiarised" not in page and original.title in page
