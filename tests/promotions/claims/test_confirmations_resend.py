"""The entry confirmations' resend (every 10 minutes): an entry's "you're in" email that
failed goes out once, later; comment entries, old ones and people without email are left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.claims import emails
from promotions.claims.tasks import entry_confirmations_resend
from promotions.entries.models import PURCHASE_SOURCE, Entry
from tests.factories.promotions import EntryFactory, PersonFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def test_a_confirmation_that_failed_goes_out_once_on_a_later_round(mailoutbox, monkeypatch):
    # given: the mail server refused when the entry was made a quarter of an hour ago
    promotion = PromotionFactory()
    ago = timezone.now() - timedelta(minutes=15)
    failed = EntryFactory(promotion=promotion, created_at=ago)

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(emails, "send_mail", refuse)
    with pytest.raises(OSError):
        emails.entry_confirmation_send(entry_id=failed.pk)
    assert entry_confirmations_resend() == 0  # still down: logged, next round
    monkeypatch.undo()

    # when: the next rounds run
    first, second = entry_confirmations_resend(), entry_confirmations_resend()

    # then: sent once
    assert (first, second) == (1, 0)
    assert [m.to for m in mailoutbox] == [[failed.person.email]]
    assert failed.public_id in mailoutbox[0].body
    failed.refresh_from_db()
    assert failed.confirmation_sent_at is not None


def test_only_entries_told_by_email_and_still_news_are_resent(mailoutbox):
    promotion = PromotionFactory()
    now = timezone.now()
    due = [
        EntryFactory(promotion=promotion, created_at=now - timedelta(minutes=11)),
        EntryFactory(
            promotion=promotion, created_at=now - timedelta(hours=1), source=PURCHASE_SOURCE
        ),
        EntryFactory(promotion=promotion, created_at=now - timedelta(days=1), source="click:7"),
    ]
    left = [
        EntryFactory(promotion=promotion, created_at=now - timedelta(minutes=5)),  # queued now
        EntryFactory(promotion=promotion, created_at=now - timedelta(days=3)),  # old news
        EntryFactory(
            promotion=promotion, created_at=now - timedelta(hours=1), source="facebook"
        ),  # a comment entry: its reply tells
        EntryFactory(
            promotion=promotion,
            created_at=now - timedelta(hours=1),
            person=PersonFactory(email="", email_normalized=None),
        ),
        EntryFactory(
            promotion=promotion,
            created_at=now - timedelta(hours=1),
            person=PersonFactory(anonymised_at=now),
        ),
        EntryFactory(
            promotion=promotion,
            created_at=now - timedelta(hours=1),
            confirmation_sent_at=now - timedelta(hours=1),
        ),
    ]

    assert entry_confirmations_resend() == len(due)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.person.email for e in due)
    assert not Entry.objects.filter(pk__in=[e.pk for e in due], confirmation_sent_at=None)
    assert (
        Entry.objects.filter(pk__in=[e.pk for e in left[:5]], confirmation_sent_at=None).count()
        == 5
    )
