"""Consumer forms: sign in by email, enter a promotion. They check types only; the rules
(eligibility, frequency, consents) live in ``promotions.entries.eligibility`` and the services,
whose refusals the views attach to these forms' fields."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.countries import country_choices
from promotions.contests.services import SubmissionInput
from promotions.entries.eligibility import Answers
from promotions.entries.selectors import promotion_country_rule_list
from promotions.models import ConsentText, Person, Promotion, SubmissionMedia


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in Python: the country list has 249 options, which Django's
    per-option widget templates take ~10 ms to render on every tab view."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == selected else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class DescribedErrorsMixin:
    """A field with errors points at its message (``aria-describedby``), so a screen reader
    reads why when the field takes focus; its help text stays described too."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        form: forms.Form = self  # type: ignore[assignment]
        for name in form.errors:
            if name in form.fields:
                bound = form[name]
                ids = [f"{bound.auto_id}-error"]
                if form.fields[name].help_text:
                    ids.append(f"{bound.auto_id}_helptext")
                form.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


class EmailSignInForm(DescribedErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={"required": _("Enter your email address.")},
    )


class _Options(BaseChoiceIterator):
    """Choices already in Django's normalised form: a field and its widget take them as they
    are (a plain list of 250 countries is walked again each time a form is made)."""

    def __init__(self, choices: list[tuple[str, Any]]) -> None:
        self.choices = choices
        self.values = frozenset(str(value) for value, _label in choices)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.choices)


class _CountryField(forms.ChoiceField):
    """A choice among ``_Options``, checked in a set (Django walks the 250 countries)."""

    def valid_value(self, value: Any) -> bool:
        choices = self.choices
        if isinstance(choices, _Options):
            return str(value) in choices.values
        return super().valid_value(value)


@functools.lru_cache(maxsize=512)
def _country_options(
    codes: tuple[str, ...], language: str | None
) -> tuple[list[tuple[str, str]], _Options]:
    """(the allowed countries, every country's option with those first), per language."""
    allowed = country_choices(list(codes)) if codes else []
    others = [c for c in country_choices() if c not in allowed]
    return allowed, _Options([("", _("Choose…")), *allowed, *others])


# A contest's submission fields by its media: a file for photos and videos, a link too for
# videos, a text otherwise.
_SUBMISSION_FIELDS: dict[str, tuple[str, ...]] = {
    SubmissionMedia.PHOTO: ("title", "description", "file"),
    SubmissionMedia.VIDEO: ("title", "description", "file", "video_url"),
    SubmissionMedia.TEXT: ("title", "description"),
}


@functools.lru_cache(maxsize=64)
def _entry_field_names(
    *, kind: str, media: str, asks_birth_date: bool, asks_marketing: bool
) -> tuple[str, ...]:
    """The entry form's fields for a promotion of this shape, in the form's order: the
    date of birth only where some minimum age applies, the marketing opt-in only with its
    text, the submission's fields only for a contest."""
    every_submission_field = {"title", "description", "file", "video_url"}
    submission = (
        _SUBMISSION_FIELDS.get(media, _SUBMISSION_FIELDS[SubmissionMedia.TEXT])
        if kind == Promotion.Kind.CONTEST
        else ()
    )
    skipped = every_submission_field - set(submission)
    if not asks_birth_date:
        skipped.add("birth_date")
    if not asks_marketing:
        skipped.add("marketing")
    return tuple(name for name in EntryForm.base_fields if name not in skipped)


class EntryForm(DescribedErrorsMixin, forms.Form):
    """Fields follow the promotion: date of birth when there is a minimum age, a country
    list limited to the allowed countries, contest fields for contests. ``website`` is a
    honeypot: hidden from people, filled in by naive bots."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2001-04-30.")},
    )
    country = _CountryField(
        label=_("Country of residence"),
        required=False,
        widget=QuickSelect(attrs={"autocomplete": "country"}),
    )
    accept_rules = forms.BooleanField(required=False)
    accept_privacy = forms.BooleanField(required=False)
    accept_facebook = forms.BooleanField(required=False)
    marketing = forms.BooleanField(required=False)
    website = forms.CharField(required=False, label=_("Leave this empty"))
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea({"rows": 4})
    )
    file = forms.FileField(label=_("File"), required=False)
    video_url = forms.CharField(
        label=_("Or a link to your video"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )

    def __init__(
        self,
        *args: Any,
        promotion: Promotion,
        person: Person | None = None,
        facebook_country: str = "",
        **kwargs: Any,
    ) -> None:
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": person.name,
                "birth_date": person.birth_date,
                "country": person.country or facebook_country,
            }
        # Django deep-copies ``base_fields`` into every form: only the promotion's are
        # copied (a sweepstakes asks for six or seven of the twelve; the copies were a
        # tenth of an entry's time).
        wanted = _entry_field_names(
            kind=promotion.kind,
            media=promotion.submission_media,
            asks_birth_date=bool(promotion.min_age)
            or any(rule.min_age for rule in promotion_country_rule_list(promotion=promotion)),
            asks_marketing=bool(promotion.marketing_text),
        )
        self.base_fields = {name: type(self).base_fields[name] for name in wanted}  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        self.promotion = promotion
        # Every country is offered, so that someone from elsewhere is told why they may
        # not enter rather than finding their country missing; the allowed ones come first.
        allowed, options = _country_options(tuple(promotion.country_list), get_language())
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = options
        if allowed:
            self.fields["country"].help_text = _("Open to residents of %(names)s.") % {
                "names": ", ".join(name for _code, name in allowed)
            }
        if "marketing" in self.fields:
            self.fields["marketing"].label = promotion.marketing_text
        self.fields["accept_rules"].label = _("I accept the official rules.")
        self.fields["accept_privacy"].label = _("I accept the privacy notice.")
        self.fields["accept_facebook"].label = _(
            "I understand that this promotion is not sponsored, endorsed, administered by or "
            "associated with Facebook, and I release Facebook from any liability."
        )
        if promotion.kind == Promotion.Kind.CONTEST:
            media = promotion.submission_media
            if media == SubmissionMedia.PHOTO:
                self.fields["file"].label = _("Your photo")
                self.fields["file"].widget.attrs["accept"] = "image/*"
            elif media == SubmissionMedia.VIDEO:
                self.fields["file"].label = _("Your video file")
                self.fields["file"].widget.attrs["accept"] = "video/*"
            else:
                self.fields["description"].label = _("Your text")

    def answers(self, *, facebook_age_max: int | None = None) -> Answers:
        data = self.cleaned_data
        consents = frozenset(
            kind
            for kind, name in (
                (ConsentText.Kind.OFFICIAL_RULES, "accept_rules"),
                (ConsentText.Kind.PRIVACY, "accept_privacy"),
                (ConsentText.Kind.FACEBOOK_RELEASE, "accept_facebook"),
            )
            if data.get(name)
        )
        return Answers(
            name=data.get("name") or "",
            birth_date=data.get("birth_date"),
            country=data.get("country") or "",
            consents=consents,
            marketing=bool(data.get("marketing")),
            facebook_age_max=facebook_age_max,
        )

    def submission(self) -> SubmissionInput | None:
        if self.promotion.kind != Promotion.Kind.CONTEST:
            return None
        data = self.cleaned_data
        return SubmissionInput(
            title=data.get("title") or "",
            description=data.get("description") or "",
            file=data.get("file"),
            video_url=data.get("video_url") or "",
        )
