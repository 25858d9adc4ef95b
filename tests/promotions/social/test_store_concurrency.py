"""Two writers (the import and a webhook, say) storing the same new comments at once: each
comment is one row and one entry, per comment or per person, whoever commits first
(PostgreSQL, threads). The second writer's inserts wait on the first one's uncommitted
rows (``ON CONFLICT DO NOTHING``), then keep what it stored."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from promotions.entrants.models import Identity
from promotions.entries.models import Entry
from promotions.social import comment_entries, comments
from promotions.social.comments import StoreResult
from promotions.social.models import SocialComment, SocialSource
from promotions.social.rules import ReadComment
from tests.promotions.social.conftest import POST_ID, giveaway

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COMMENTS, AUTHORS = 60, 30


def _waiting_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


@pytest.mark.parametrize(
    ("weighting", "entries"), [("per_person", AUTHORS), ("per_comment", COMMENTS)]
)
def test_two_writers_storing_the_same_new_comments_make_one_row_and_one_entry_each(
    monkeypatch, weighting, entries
):
    # given: 60 new comments of 30 people, and a first writer that stops before committing
    promotion, source = giveaway(weighting=weighting)
    at = timezone.now() - timedelta(hours=1)
    batch = [
        ReadComment(
            f"{POST_ID}_{i}",
            "comment",
            "",
            f"{500 + i % AUTHORS}",
            "",
            "me!",
            at + timedelta(seconds=i),
        )
        for i in range(COMMENTS)
    ]
    stopped, go_on = threading.Event(), threading.Event()
    original = comment_entries.comment_entries_apply

    def stopping(**kwargs):
        done = original(**kwargs)
        if threading.current_thread().name == "first":
            stopped.set()
            go_on.wait(20)
        return done

    monkeypatch.setattr(comment_entries, "comment_entries_apply", stopping)
    results: dict[str, StoreResult] = {}

    def store(name: str) -> None:
        try:
            mine = SocialSource.objects.select_related("page", "promotion__campaign").get(
                pk=source.pk
            )
            results[name] = comments.social_comments_store(source=mine, comments=batch)
        finally:
            connection.close()

    # when: the second writer starts while the first holds its people and entries uncommitted
    first = threading.Thread(target=store, args=("first",), name="first")
    second = threading.Thread(target=store, args=("second",), name="second")
    first.start()
    assert stopped.wait(20)
    second.start()
    deadline = time.monotonic() + 20
    while _waiting_locks() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the second writer waits on the first one's rows
    assert _waiting_locks() > 0
    go_on.set()
    first.join(30)
    second.join(30)

    # then: one row per comment, one entry per comment (or person), the first writer's
    assert results["first"].entries_created == entries
    assert results["second"].entries_created == 0
    assert SocialComment.objects.count() == COMMENTS
    assert Entry.objects.filter(promotion=promotion, status="valid").count() == entries
    assert Identity.objects.filter(provider="facebook_page").count() == AUTHORS
    people = dict(Identity.objects.values_list("subject", "person_id"))
    stored = SocialComment.objects.select_related("entry")
    assert all(c.entry.person_id == people[c.author_id] for c in stored if c.status == "entered")
    assert stored.filter(status="entered").count() == entries
    assert stored.filter(status="entered").values("entry").distinct().count() == entries
