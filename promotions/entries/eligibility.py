"""Who may enter a promotion, and why not: rules as conditions (django-oscar's shape).

Each rule looks at the promotion, the person, what they answered and the moment, and
either passes or gives a ``Refusal`` that says why in words a consumer understands, with
the form field it concerns. ``entry_refusals`` runs them all, so a form shows every
problem at once. The database holds the frequency rule too (a unique slot per entry);
the rule here gives the friendly message before the insert would fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from promotions.campaigns.action_cache import action_cached
from promotions.campaigns.countries import COUNTRY_NAMES
from promotions.campaigns.zones import local_day as clock_day
from promotions.campaigns.zones import moment_display, next_day_start
from promotions.models import (
    ConsentText,
    EntryFrequency,
    Person,
    Promotion,
    PromotionCountryRule,
    Status,
)

REQUIRED_CONSENTS = (
    ConsentText.Kind.OFFICIAL_RULES,
    ConsentText.Kind.PRIVACY,
    ConsentText.Kind.FACEBOOK_RELEASE,
)
CONSENT_FIELDS = {
    ConsentText.Kind.OFFICIAL_RULES: "accept_rules",
    ConsentText.Kind.PRIVACY: "accept_privacy",
    ConsentText.Kind.FACEBOOK_RELEASE: "accept_facebook",
}


@dataclass(frozen=True)
class Answers:
    """What the entrant told us on the form (or in the JSON body)."""

    name: str = ""
    birth_date: date | None = None
    country: str = ""
    consents: frozenset[str] = frozenset()
    marketing: bool = False
    # From a Facebook signed_request, when the tab was opened from one.
    facebook_age_max: int | None = None


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    field: str = ""


@dataclass
class Check:
    promotion: Promotion
    person: Person
    answers: Answers
    at: datetime
    entries_so_far: int = 0
    entered_today: bool = False
    refusals: list[Refusal] = field(default_factory=list)
    _local: dict[str, PromotionCountryRule | None] = field(default_factory=dict, repr=False)

    def local_rule(self) -> PromotionCountryRule | None:
        """The promotion's rule for the entrant's country of residence, if it has one
        (read once per check; the entry then records consent to its rules text)."""
        country = self.answers.country.upper()
        if not country:
            return None
        if country not in self._local:
            promotion = self.promotion
            self._local[country] = action_cached(
                ("country_rule", promotion.pk, country),
                lambda: PromotionCountryRule.objects.filter(
                    promotion=promotion, country=country
                ).first(),
            )
        return self._local[country]

    def has_local_rules(self) -> bool:
        """Whether the promotion has a rule for any country of residence (then the entrant
        must say where they live: the rule of a country left blank would never apply)."""
        promotion = self.promotion
        return action_cached(
            ("country_rules_any", promotion.pk),
            lambda: PromotionCountryRule.objects.filter(promotion=promotion).exists(),
        )


def local_day(promotion: Promotion, at: datetime) -> date:
    """The calendar day in the campaign's time zone (its own, else its brand's)."""
    return clock_day(promotion.campaign, at)


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


# --- the rules ----------------------------------------------------------------------------


def window_rule(c: Check) -> Refusal | None:
    p = c.promotion
    campaign = p.campaign
    if c.at < max(p.starts_at, campaign.starts_at):
        return Refusal(
            "not_open_yet",
            _("Entries open on %(start)s.")
            % {"start": moment_display(campaign, max(p.starts_at, campaign.starts_at))},
        )
    end = min(p.ends_at, campaign.ends_at)
    if c.at >= end:
        return Refusal(
            "closed",
            _("Entries closed on %(end)s.") % {"end": moment_display(p.campaign, end)},
        )
    if p.status != Status.ACTIVE or campaign.status != Status.ACTIVE:
        return Refusal("not_open", _("This promotion is not open for entries right now."))
    return None


def identity_rule(c: Check) -> Refusal | None:
    if c.person.anonymised_at is not None:
        return Refusal(
            "identity_required", _("Sign in with Facebook or verify your email address first.")
        )
    return None


def name_rule(c: Check) -> Refusal | None:
    if not c.answers.name.strip():
        return Refusal("name_required", _("Enter your name, so that we can contact you."), "name")
    return None


def country_rule(c: Check) -> Refusal | None:
    allowed = c.promotion.country_list
    country = c.answers.country.upper()
    if not country:
        # Asked whenever a country decides something (allowed countries, a local rule that
        # excludes one or sets its own age): the entrant says it on the form, prefilled
        # with the country they gave before; a stored country is never applied unseen.
        if allowed or c.has_local_rules():
            return Refusal("country_required", _("Choose your country of residence."), "country")
        return None
    if country not in COUNTRY_NAMES:
        return Refusal("country_unknown", _("Choose your country from the list."), "country")
    if allowed and country not in allowed:
        names = ", ".join(COUNTRY_NAMES[code] for code in allowed)
        return Refusal(
            "country_not_eligible",
            _("This promotion is open to residents of %(countries)s only.") % {"countries": names},
            "country",
        )
    local = c.local_rule()
    if local is not None and local.excluded:
        return Refusal(
            "country_excluded",
            _("Sorry, residents of %(country)s may not enter this promotion.")
            % {"country": COUNTRY_NAMES[country]},
            "country",
        )
    return None


def age_rule(c: Check) -> Refusal | None:
    """The promotion's minimum age, or the one its rule sets for the entrant's country."""
    local = c.local_rule()
    if local is not None and local.excluded:
        return None  # the country rule said it all
    local_age = local.min_age if local is not None else None
    minimum = c.promotion.min_age if local_age is None else local_age
    if not minimum:
        return None
    if local_age is not None and local is not None:
        too_young = _("Residents of %(country)s must be %(age)d or older to enter.") % {
            "country": COUNTRY_NAMES.get(local.country, local.country),
            "age": minimum,
        }
    else:
        too_young = _("You must be %(age)d or older to enter.") % {"age": minimum}
    if c.answers.facebook_age_max is not None and c.answers.facebook_age_max < minimum:
        return Refusal("too_young", too_young, "birth_date")
    birth_date = c.answers.birth_date
    if birth_date is None:
        return Refusal("birth_date_required", _("Enter your date of birth."), "birth_date")
    today = local_day(c.promotion, c.at)
    if birth_date > today or age_on(birth_date, today) > 120:
        return Refusal("birth_date_invalid", _("Enter your real date of birth."), "birth_date")
    if age_on(birth_date, today) < minimum:
        return Refusal("too_young", too_young, "birth_date")
    return None


_CONSENT_MESSAGES: dict[str, Callable[[], str]] = {
    ConsentText.Kind.OFFICIAL_RULES: lambda: _("Accept the official rules to enter."),
    ConsentText.Kind.PRIVACY: lambda: _("Accept the privacy notice to enter."),
    ConsentText.Kind.FACEBOOK_RELEASE: lambda: _(
        "Confirm that you release Facebook and that this promotion is not associated with it."
    ),
}


def consent_refusals(c: Check) -> list[Refusal]:
    return [
        Refusal(f"consent_{kind}", _CONSENT_MESSAGES[kind](), CONSENT_FIELDS[kind])
        for kind in REQUIRED_CONSENTS
        if kind not in c.answers.consents
    ]


def _entry_cap(p: Promotion) -> int:
    return 1 if p.entry_frequency == EntryFrequency.ONCE else p.max_entries


def frequency_refusal(promotion: Promotion, at: datetime) -> Refusal:
    """What an entrant hears when the promotion's frequency allows them no entry now: the
    rule below, and the database's unique slot when two entries race."""
    p = promotion
    if p.entry_frequency == EntryFrequency.DAILY:
        return Refusal(
            "already_entered_today",
            _("You have already entered today. You can enter again from %(when)s.")
            % {"when": moment_display(p.campaign, next_day_start(p.campaign, at))},
        )
    cap = _entry_cap(p)
    if cap == 1:
        return Refusal("already_entered", _("You have already entered: one entry per person."))
    return Refusal(
        "no_entries_left",
        ngettext("You have used your %(n)d entry.", "You have used all %(n)d of your entries.", cap)
        % {"n": cap},
    )


def frequency_rule(c: Check) -> Refusal | None:
    p = c.promotion
    if p.entry_frequency == EntryFrequency.DAILY:
        return frequency_refusal(p, c.at) if c.entered_today else None
    return frequency_refusal(p, c.at) if c.entries_so_far >= _entry_cap(p) else None


# Rules that make the form pointless: said alone. Then every form problem at once.
BLOCKING_RULES: list[Callable[[Check], Refusal | None]] = [
    window_rule,
    identity_rule,
    frequency_rule,
]
FORM_RULES: list[Callable[[Check], Refusal | None]] = [name_rule, country_rule, age_rule]


def entry_refusals(check: Check) -> list[Refusal]:
    """Every reason this person may not enter now (empty: they may)."""
    blocking = [r for rule in BLOCKING_RULES if (r := rule(check)) is not None]
    if blocking:
        return blocking
    refusals = [r for rule in FORM_RULES if (r := rule(check)) is not None]
    return refusals + consent_refusals(check)
