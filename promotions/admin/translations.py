"""Content per language in admin.

Each translated field (``promotions/translation.py``, ``shop/translation.py``) has one
column per language. The form keeps each field where it always was, under its own name,
for the brand's language (required there when the field is required), and shows every
other language in a collapsed "<field> in other languages" fieldset after the others.
modeltranslation's own admin makes the default language (English) required instead, which
is wrong for a French brand, and its tabs load jQuery UI from a CDN: hence this mixin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

from promotions.campaigns.languages import (
    LanguageStatus,
    campaign_language_status,
    language_codes,
    language_field_suffix,
    promotion_missing_texts,
)
from promotions.campaigns.models import Status
from promotions.models import Brand, Campaign


def _field(name: str, code: str) -> str:
    return f"{name}_{language_field_suffix(code)}"


def _brand_of(obj: Model | None, path: str) -> Brand | None:
    for attr in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, attr, None)
    return obj if isinstance(obj, Brand) else None


def brand_language_form(form: type[forms.ModelForm], path: str, guess: str) -> Any:
    """``form`` whose translated fields under their own names (``title``) read and write
    the brand's language: the brand of the object, or of the campaign (brand) chosen in
    the form, else ``guess``."""

    class BrandLanguageForm(form):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            instance = kwargs.get("instance")
            brand = _brand_of(instance, path) if instance is not None else None
            with translation.override(brand.language if brand else guess):
                super().__init__(*args, **kwargs)
            names = dict(settings.LANGUAGES)
            columns = {f.name: f for f in self._meta.model._meta.get_fields()}
            for field_name, field in self.fields.items():
                translated = getattr(columns.get(field_name), "language", None)
                if translated:  # a modeltranslation column: "Français (fr)"
                    field.label = f"{names.get(translated, translated)} ({translated})"

        def _content_language(self) -> str:
            brand = _brand_of(self.instance, path)
            head, _sep, rest = path.partition("__")
            chosen = getattr(self, "cleaned_data", {}).get(head)
            if chosen is not None:
                brand = chosen if not rest else _brand_of(chosen, rest)
            return brand.language if isinstance(brand, Brand) else guess

        def _post_clean(self) -> None:
            language = self._content_language()
            # The brand's language's column may also be in the form (a guessed language on
            # an add form): the field under its own name wins when filled.
            data = getattr(self, "cleaned_data", {})
            for name in list(data):
                column = _field(name, language)
                if column in data and data.get(name):
                    data[column] = data[name]
            with translation.override(language):
                super()._post_clean()

    return BrandLanguageForm


def other_language_fieldsets(model: type[Model], fieldsets: Any, language: str) -> list[Any]:
    """``fieldsets`` and, per translated field they show, a collapsed "<field> in other
    languages" fieldset with its columns for every language but ``language`` (the brand's),
    whose inputs are labelled by language only (so that a label such as "Title" still
    names one input)."""
    fieldsets = list(fieldsets)
    names = list(translator.get_options_for_model(model).all_fields)
    shown = [
        name for _title, options in fieldsets for name in options.get("fields", ()) if name in names
    ]
    for name in shown:
        label = str(getattr(model._meta.get_field(name), "verbose_name", name))
        fieldsets.append(
            (
                _("%(field)s in other languages") % {"field": label[:1].upper() + label[1:]},
                {
                    "fields": [_field(name, c) for c in language_codes() if c != language],
                    "classes": ["collapse"],
                },
            )
        )
    return fieldsets


class TranslatedFieldsAdminMixin:
    """For a ModelAdmin whose model has translated fields. ``content_brand_path`` leads
    from the object to its brand (``"campaign__brand"``)."""

    content_brand_path = "brand"

    def content_language(self, request: HttpRequest, obj: Any) -> str:
        """The brand's language: of the object, of the ``?campaign=``/``?brand=`` the add
        link names, of the user's brands when they share one, else the default."""
        brand = _brand_of(obj, self.content_brand_path)
        if brand is None:
            campaign_id = str(request.GET.get("campaign", ""))
            brand_id = str(request.GET.get("brand", ""))
            if campaign_id.isdigit():
                campaign = Campaign.objects.select_related("brand").filter(pk=campaign_id).first()
                brand = campaign.brand if campaign else None
            elif brand_id.isdigit():
                brand = Brand.objects.filter(pk=brand_id).first()
        if brand is not None:
            return brand.language
        from promotions.admin.scoping import choices_queryset

        brands = choices_queryset(request, Brand)
        languages = set(brands.values_list("language", flat=True)[:50]) if brands else set()
        return languages.pop() if len(languages) == 1 else settings.LANGUAGE_CODE

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return self.language_fieldsets(request, obj, fieldsets)

    def language_fieldsets(self, request: HttpRequest, obj: Any, fieldsets: Any) -> Any:
        """``fieldsets`` and, per translated field, a collapsed "<field> in other
        languages" fieldset (``other_language_fieldsets``). An admin that defines its own
        ``get_fieldsets`` returns its fieldsets through this."""
        model = self.model  # type: ignore[attr-defined]
        return other_language_fieldsets(model, fieldsets, self.content_language(request, obj))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        return brand_language_form(
            form, self.content_brand_path, self.content_language(request, obj)
        )


class BrandLanguageInlineMixin:
    """An inline whose translated fields, under their own names, are the brand's language
    (their other languages are on the object's own page)."""

    content_brand_path = "brand"

    def inline_content_language(self, request: HttpRequest, obj: Any) -> str:
        """The brand's language of the parent ``obj``, as its own admin finds it (on an
        add page too: the ``?campaign=`` the link names)."""
        parent_admin = self.admin_site.get_model_admin(self.parent_model)  # type: ignore[attr-defined]
        if isinstance(parent_admin, TranslatedFieldsAdminMixin):
            return parent_admin.content_language(request, obj)
        brand = _brand_of(obj, self.parent_brand_path)  # type: ignore[attr-defined]
        return brand.language if brand is not None else settings.LANGUAGE_CODE

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        guess = self.inline_content_language(request, obj)
        formset.form = brand_language_form(formset.form, self.content_brand_path, guess)
        return formset


class TranslatedInlineMixin(BrandLanguageInlineMixin):
    """A stacked inline whose translated fields, under their own names, are the brand's
    language, and whose other languages are in a collapsed "<field> in other languages"
    block under each row, as on an object's own page (a tabular inline has no room for
    them: its rows are one line of a table)."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        model = self.model  # type: ignore[attr-defined]
        return other_language_fieldsets(
            model, fieldsets, self.inline_content_language(request, obj)
        )


class CampaignLanguagesForm(forms.ModelForm):
    """The campaign's languages and reviewed languages as checkboxes."""

    languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Languages"),
        help_text=Campaign._meta.get_field("languages").help_text,
    )
    reviewed_languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Reviewed translations"),
        help_text=Campaign._meta.get_field("reviewed_languages").help_text,
    )

    class Meta:
        model = Campaign
        fields = ["languages", "reviewed_languages"]  # the admin adds its fieldsets' fields


def language_status_display(campaign: Campaign) -> SafeString | str:
    """A table: each language the campaign offers or has begun, its status, what is
    missing."""
    if not campaign.pk:
        return str(_("Save the campaign first."))
    promotions = list(campaign.promotions.exclude(status=Status.ENDED))
    statuses = campaign_language_status(campaign, promotions)
    names = dict(settings.LANGUAGES)
    rows = []
    for code, status in statuses.items():
        missing = sorted(
            {
                f"{p.slug}: {', '.join(promotion_missing_texts(p, code))}"
                for p in promotions
                if promotion_missing_texts(p, code)
            }
        )
        offered = code in campaign.language_list
        rows.append(
            (
                f"{names.get(code, code)} ({code})",
                _("offered") if offered else _("not offered"),
                status,
                LanguageStatus.labels[status],
                "; ".join(missing),
            )
        )
    return format_html(
        '<table class="language-status"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}'
        "</th></tr></thead><tbody>{}</tbody></table>",
        _("Language"),
        _("On the pages"),
        _("Status"),
        _("Missing"),
        format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td><span class="status-{}">{}</span></td><td>{}</td></tr>',
            rows,
        ),
    )
