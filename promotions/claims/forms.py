"""The claim page's forms: what the prize needs (per prize), the rules, or a decline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.countries import country_choices
from promotions.claims.models import PrizeClaim
from promotions.claims.services import ClaimAnswers
from promotions.pages.forms import DescribedErrorsMixin, QuickSelect
from promotions.prizes.models import ClaimDocument

DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")

_phone = RegexValidator(
    r"^\+?[0-9 ().-]{6,24}$", _("Enter a phone number, e.g. +33 6 12 34 56 78.")
)

ANSWER_FIELDS = (
    "full_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "phone",
    "size",
    "email",
)


class ClaimForm(DescribedErrorsMixin, forms.Form):
    """Built from the prize's settings: only what it needs is asked."""

    def __init__(self, *args: Any, claim: PrizeClaim, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        prize = claim.prize
        f = self.fields
        if prize is not None and prize.claim_shipping_address:
            f["full_name"] = forms.CharField(
                error_messages={"required": _("Enter the name the parcel is addressed to.")},
                label=_("Full name (for the delivery)"),
                max_length=120,
                widget=forms.TextInput(attrs={"autocomplete": "name"}),
            )
            f["address_line1"] = forms.CharField(
                error_messages={"required": _("Enter the street address.")},
                label=_("Address"),
                max_length=200,
                widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
            )
            f["address_line2"] = forms.CharField(
                label=_("Address, second line"),
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
            )
            f["postal_code"] = forms.CharField(
                error_messages={"required": _("Enter the postal code.")},
                label=_("Postal code"),
                max_length=20,
                widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
            )
            f["city"] = forms.CharField(
                error_messages={"required": _("Enter the city.")},
                label=_("City"),
                max_length=100,
                widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
            )
            f["country"] = forms.ChoiceField(
                error_messages={"required": _("Choose the country.")},
                label=_("Country"),
                choices=[("", "—"), *country_choices(claim.promotion.country_list or None)],
                widget=QuickSelect(attrs={"autocomplete": "country"}),
            )
        if claim.link_is_proof:
            # No address of theirs is known to write to about the claim and the delivery.
            f["email"] = forms.EmailField(
                error_messages={
                    "required": _("Enter your email: we write to you about the delivery."),
                    "invalid": _("Enter an email address, e.g. name@example.com."),
                },
                label=_("Your email (to hear about the delivery)"),
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            )
        if prize is not None and prize.claim_phone:
            f["phone"] = forms.CharField(
                error_messages={"required": _("Enter a phone number for the delivery.")},
                label=_("Phone number (for the delivery)"),
                max_length=24,
                validators=[_phone],
                widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            )
        if prize is not None and prize.claim_size_list:
            f["size"] = forms.ChoiceField(
                error_messages={"required": _("Choose a size.")},
                label=_("Size"),
                choices=[("", "—"), *((s, s) for s in prize.claim_size_list)],
            )
        if prize is not None and prize.claim_statement:
            f["statement"] = forms.BooleanField(
                label=prize.claim_statement,
                required=True,
                error_messages={"required": _("Tick to confirm this statement.")},
            )
        if prize is not None and prize.claim_document != ClaimDocument.NONE:
            f["document"] = forms.FileField(
                label=_("Identity document (PDF, JPEG or PNG)"),
                required=prize.claim_document == ClaimDocument.REQUIRED,
                error_messages={"required": _("Add a photo or scan of your identity document.")},
                help_text=_(
                    "Kept privately to check your eligibility, never published, and deleted "
                    "with your claim's details."
                ),
                widget=forms.ClearableFileInput(attrs={"accept": ",".join(DOCUMENT_EXTENSIONS)}),
            )
        f["accept_rules"] = forms.BooleanField(
            label=_("I accept the official rules and confirm that I am eligible."),
            required=True,
            error_messages={"required": _("Tick to accept the official rules.")},
        )

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if not document:
            return None
        limit = settings.CLAIM_DOCUMENT_MAX_MB * 1024 * 1024
        if document.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": settings.CLAIM_DOCUMENT_MAX_MB}
            )
        name = (document.name or "").lower()
        content_type = getattr(document, "content_type", "")
        if not name.endswith(DOCUMENT_EXTENSIONS) or content_type not in DOCUMENT_TYPES:
            raise forms.ValidationError(_("Send a PDF, JPEG or PNG file."))
        return document

    def answers(self) -> ClaimAnswers:
        data = self.cleaned_data
        answers = {name: str(data[name]).strip() for name in ANSWER_FIELDS if name in data}
        if "statement" in data:
            answers["statement"] = str(self.fields["statement"].label)
        return ClaimAnswers(answers=answers, document=data.get("document") or None)


class DeclineForm(DescribedErrorsMixin, forms.Form):
    confirm_decline = forms.BooleanField(
        label=_("I give up this prize. I understand it passes to another entrant."),
        required=True,
        error_messages={"required": _("Tick to confirm that you give up the prize.")},
    )
