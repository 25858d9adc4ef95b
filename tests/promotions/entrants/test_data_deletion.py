"""Facebook's data deletion callback: personal data goes, report counts stay."""

from __future__ import annotations

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client

from promotions.contests import services as contests_services
from promotions.entrants import services as entrants_services
from promotions.facebook.client import signed_request_make
from promotions.models import (
    Consent,
    DataDeletionRequest,
    Entry,
    Identity,
    Person,
    Promotion,
    Submission,
    SubmissionMedia,
    Vote,
)
from tests.factories.promotions import PersonFactory, PromotionFactory, SubmissionFactory
from tests.promotions.conftest import ENTRY_FORM, make_consumer, sign_in
from tests.tracking.totals import promotion_totals
from tracking import services as tracking_services
from tracking import stream as tracking_stream

pytestmark = pytest.mark.django_db


def report_counts(promotions):
    counts = {
        "entries": dict(Entry.objects.values_list("promotion").annotate(n=Count("id"))),
        "votes": dict(Vote.objects.values_list("submission").annotate(n=Count("id"))),
        "by_country": dict(Entry.objects.values_list("country").annotate(n=Count("id"))),
        "submissions": Submission.objects.count(),
    }
    # What partners' reports read: tracking's rollups (entries recorded as conversions),
    # after the Redis stream, when there is one, has been consumed.
    if tracking_stream.enabled():
        tracking_services.events_consume(until_empty=True, block_ms=10)
    totals = promotion_totals(promotion_ids=[p.pk for p in promotions])
    counts["tracked_entries"] = {pk: s.entries for pk, s in totals.items()}
    return counts


def test_data_deletion_removes_personal_data_and_keeps_report_counts(
    django_capture_on_commit_callbacks,
):
    # given: a Facebook entrant with entries, a film, a vote and consents
    sweepstakes = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    contest = PromotionFactory(
        kind=Promotion.Kind.CONTEST,
        campaign=sweepstakes.campaign,
        submission_media=SubmissionMedia.PHOTO,
    )
    person = PersonFactory(
        email="leaving@example.com", email_normalized="leaving@example.com", name="Leaving Person"
    )
    Identity.objects.create(
        person=person,
        provider="facebook",
        subject="777",
        verified_at=person.created_at,
        access_token="tok",
    )
    Identity.objects.create(
        person=person,
        provider="email",
        subject="leaving@example.com",
        verified_at=person.created_at,
    )
    client = sign_in(make_consumer(), person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(sweepstakes.get_absolute_url() + "enter/", ENTRY_FORM)
        photo = SimpleUploadedFile(
            "me.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, content_type="image/png"
        )
        client.post(
            contest.get_absolute_url() + "enter/", {**ENTRY_FORM, "title": "My face", "file": photo}
        )
        for _ in range(3):
            sign_in(make_consumer(), PersonFactory()).post(
                sweepstakes.get_absolute_url() + "enter/", {**ENTRY_FORM, "name": "Other"}
            )
    film = SubmissionFactory(promotion=contest)
    contests_services.vote_cast(submission=film, person=person)
    photo_name = Submission.objects.get(person=person).file.name
    before = report_counts([sweepstakes, contest])
    assert before["tracked_entries"] == {sweepstakes.pk: 4, contest.pk: 1}

    # when: Facebook calls the data deletion callback
    response = Client().post(
        "/facebook/data-deletion/",
        {"signed_request": signed_request_make({"issued_at": int(time.time()), "user_id": "777"})},
    )

    # then: the answer Facebook expects
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"url", "confirmation_code"}
    assert re.fullmatch(r"[A-Za-z0-9]+", body["confirmation_code"])
    assert body["url"] == f"http://testserver/facebook/data-deletion/{body['confirmation_code']}/"

    # personal data is gone
    person.refresh_from_db()
    assert (person.email, person.email_normalized, person.name, person.birth_date) == (
        "",
        None,
        "",
        None,
    )
    assert person.anonymised_at is not None
    assert not Identity.objects.filter(person=person).exists()
    submission = Submission.objects.get(person=person)
    assert (submission.title, submission.file.name, submission.removed_at is not None) == (
        "(removed at the entrant's request)",
        "",
        True,
    )
    from django.core.files.storage import default_storage

    assert not default_storage.exists(photo_name)
    assert set(Entry.objects.filter(person=person).values_list("viewer_hash", "device_hash")) == {
        ("", "")
    }
    assert Consent.objects.filter(person=person).count() == 6  # proof of consent, now anonymous

    # report counts are unchanged
    assert report_counts([sweepstakes, contest]) == before

    # the status page says what was done
    status = Client().get(body["url"]).content.decode()
    for line in [
        "Your email address",
        "Your name",
        "Your date of birth",
        "Your Facebook login and access token",
        "The content of 1 contest submission",
        "2 entries",
        "1 vote",
        "6 records of consents given",
    ]:
        assert line in status
    assert DataDeletionRequest.objects.get().summary["kept_anonymously"]["entries"] == 2


def test_a_deletion_for_an_unknown_user_still_answers_with_a_status_page():
    response = Client().post(
        "/facebook/data-deletion/",
        {"signed_request": signed_request_make({"issued_at": int(time.time()), "user_id": "404"})},
    )

    status = Client().get(response.json()["url"])
    assert response.status_code == 200
    assert "We held no personal data for this Facebook account." in status.content.decode()
    assert Client().get("/facebook/data-deletion/NOPE1234/").status_code == 404


def test_the_anonymised_person_is_signed_out_and_cannot_enter(consumer):
    promotion = PromotionFactory()
    person = PersonFactory()
    sign_in(consumer, person)
    entrants_services.person_anonymise(person=person)

    response = consumer.post(promotion.get_absolute_url() + "enter/", ENTRY_FORM)

    assert response.status_code == 401
    assert Person.objects.get().anonymised_at is not None
