"""What a tab shows the person taking part."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation

from promotions.campaigns.languages import content_fallback
from promotions.campaigns.models import EntryFrequency, Promotion
from promotions.entrants.models import Person
from promotions.entries.eligibility import BLOCKING_RULES, Answers, Check, Refusal, local_day
from promotions.entries.models import Entry


@dataclass(frozen=True)
class EntrantState:
    """What the tab says to the signed-in entrant: their entries and whether they may enter."""

    entries: list[Entry]
    blocking: Refusal | None

    @property
    def latest(self) -> Entry | None:
        return self.entries[0] if self.entries else None


def entrant_state_get(
    *, promotion: Promotion, person: Person, at: datetime | None = None
) -> EntrantState:
    at = at or timezone.now()
    entries = list(
        promotion.entries.by_form()
        .filter(person=person)
        .select_related("award__prize", "code", "submission")
        .order_by("-created_at", "-id")[:20]
    )
    check = Check(
        promotion=promotion,
        person=person,
        answers=Answers(),
        at=at,
        entries_so_far=len(entries)
        if len(entries) < 20
        else promotion.entries.by_form().filter(person=person).count(),
        entered_today=promotion.entry_frequency == EntryFrequency.DAILY
        and any(e.slot == local_day(promotion, at).isoformat() for e in entries),
    )
    blocking = next(
        (r for rule in BLOCKING_RULES if (r := rule(check)) is not None),
        None,
    )
    return EntrantState(entries=entries, blocking=blocking)


def entry_language(entry: Entry) -> str:
    """The language an entrant's emails about ``entry`` are written in: the one they
    entered in, else the brand's (entries made before languages were recorded)."""
    return entry.language or entry.promotion.campaign.brand.language


@contextmanager
def entry_email_language(entry: Entry) -> Iterator[str]:
    """Write an email about ``entry`` (winner notice, claim link...) in its language, its
    translated content falling back to the brand's::

        with entry_email_language(entry):
            subject = _("You won %(prize)s") % {"prize": prize.name}
    """
    language = entry_language(entry)
    with translation.override(language), content_fallback(entry.promotion.campaign.brand.language):
        yield language
