"""What a tab shows the person taking part."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone, translation

from promotions.campaigns.languages import content_fallback
from promotions.campaigns.models import EntryFrequency, Promotion
from promotions.entrants import selectors as entrants_selectors
from promotions.entrants.models import Person
from promotions.entries import intake
from promotions.entries.eligibility import BLOCKING_RULES, Answers, Check, Refusal, local_day
from promotions.entries.models import PURCHASE_SOURCE, Entry, PromotionCountryRule


@dataclass(frozen=True)
class EntriesSoFar:
    """A person's form entries into one promotion (purchase entries are not counted by
    the frequency rules), and those of one local day's slot."""

    promotion_id: int
    day: str  # the promotion's local day (``local_day``), as a daily entry's slot names it
    total: int
    on_day: int


# One query on the unique key's index, in SQL written once (it runs on every entry; the
# ORM took a quarter of an entry's time). The same counts follow the person's columns when
# an entry's request reads both (``entrant_get_for_entry``).
_COUNTS = (
    f"SELECT COUNT(*) FROM {Entry._meta.db_table} e "  # noqa: S608 (our table)
    "WHERE e.promotion_id = %s AND e.person_id = {person} AND e.source <> %s"
)
_COUNTS_SQL = (
    f"SELECT ({_COUNTS.format(person='%s')}), ({_COUNTS.format(person='%s')} AND e.slot = %s)"
)
_ENTRANT_SQL = (
    f"SELECT {entrants_selectors.PERSON_COLUMNS}, "  # noqa: S608 (our columns and tables)
    f"({_COUNTS.format(person='p.id')}), ({_COUNTS.format(person='p.id')} AND e.slot = %s) "
    f"FROM {entrants_selectors.PERSON_TABLE} p WHERE p.id = %s AND p.anonymised_at IS NULL"
)


def entries_so_far_get(*, promotion: Promotion, person_id: int, at: datetime) -> EntriesSoFar:
    day = local_day(promotion, at).isoformat()
    params: list[int | str] = [promotion.pk, person_id, PURCHASE_SOURCE]
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, [*params, *params, day])
        total, on_day = cursor.fetchone()
    return EntriesSoFar(promotion_id=promotion.pk, day=day, total=int(total), on_day=int(on_day))


def entrant_get_for_entry(
    *, person_id: object, promotion: Promotion, at: datetime
) -> tuple[Person, EntriesSoFar] | None:
    """The signed-in entrant (as ``person_get``) and their entries into ``promotion`` so far,
    in one query: an entry's request reads both (``entry_create`` takes the counts)."""
    if not entrants_selectors.person_id_valid(person_id):
        return None
    day = local_day(promotion, at).isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            _ENTRANT_SQL,
            [promotion.pk, PURCHASE_SOURCE, promotion.pk, PURCHASE_SOURCE, day, person_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    total, on_day = row[-2:]
    counts = EntriesSoFar(promotion_id=promotion.pk, day=day, total=int(total), on_day=int(on_day))
    return entrants_selectors.person_from_row(row), counts


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
    pending = intake.entry_pending(promotion=promotion, person=person, at=at)
    if pending is not None and all(e.public_id != pending.public_id for e in entries):
        entries.insert(0, pending)  # accepted a moment ago, not stored yet
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


def promotion_country_rule_get(
    *, promotion: Promotion, country: str
) -> PromotionCountryRule | None:
    """The promotion's local rule for residents of ``country`` (ISO code), if any."""
    country = (country or "").strip().upper()
    if len(country) != 2:
        return None
    return PromotionCountryRule.objects.filter(promotion=promotion, country=country).first()


def promotion_country_rule_list(*, promotion: Promotion) -> list[PromotionCountryRule]:
    """Every local rule of the promotion, by country code."""
    return list(PromotionCountryRule.objects.filter(promotion=promotion).order_by("country"))


@dataclass(frozen=True)
class OfficialRules:
    """What the rules page shows: the general rules, or a country's own when the visitor
    is from a country that has them (``local`` is that country's rule)."""

    promotion: Promotion
    local: PromotionCountryRule | None
    general: bool  # True when showing the general rules although a local text exists
    rules: list[PromotionCountryRule]

    @property
    def text(self) -> str:
        """Read when shown, so that the rules, the country's or the general ones, are in
        the page's language (a language without the country's text: the brand's)."""
        if self.local is not None and self.local.official_rules.strip() and not self.general:
            return self.local.official_rules
        return self.promotion.official_rules

    @property
    def excluded(self) -> list[PromotionCountryRule]:
        return [r for r in self.rules if r.excluded]

    @property
    def local_ages(self) -> list[PromotionCountryRule]:
        return [r for r in self.rules if r.min_age is not None and not r.excluded]

    @property
    def local_texts(self) -> list[PromotionCountryRule]:
        return [r for r in self.rules if r.official_rules.strip()]


def official_rules_get(
    *, promotion: Promotion, country: str, general: bool = False
) -> OfficialRules:
    """The rules for a visitor from ``country`` ('' when unknown): that country's own rules
    text when the promotion has one (unless ``general`` is asked for), else the general
    rules; with every local rule, so the page can say what differs where."""
    rules = promotion_country_rule_list(promotion=promotion)
    country = (country or "").strip().upper()
    local = next((r for r in rules if r.country == country), None)
    has_text = local is not None and bool(local.official_rules.strip())
    return OfficialRules(
        promotion=promotion, local=local, general=has_text and general, rules=rules
    )
