"""Validation of what the shop pages post (JSON bodies), field by field; the messages are
in the active language (the endpoints activate the page's)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.checkout.selectors import MAX_CART_LINES, CartItem

MAX_ID = 2**63 - 1  # the largest id a (big) integer column holds


def cart_items_clean(value: Any) -> list[CartItem]:
    """``[{"variant": 12, "quantity": 2}, ...]`` -> CartItems, or a ValidationError."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("A list of {variant, quantity} objects, at least one."))
    if len(value) > MAX_CART_LINES:
        raise ValidationError(
            ngettext("At most %(count)s line.", "At most %(count)s lines.", MAX_CART_LINES)
            % {"count": MAX_CART_LINES}
        )
    items = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict) or set(raw) - {"variant", "quantity"}:
            raise ValidationError(
                _("Line %(line)s: an object with variant and quantity only.") % {"line": index + 1}
            )
        variant, quantity = raw.get("variant"), raw.get("quantity", 1)
        if type(variant) is not int or not 1 <= variant <= MAX_ID:
            raise ValidationError(
                _("Line %(line)s: variant must be a positive integer.") % {"line": index + 1}
            )
        if type(quantity) is not int or not 1 <= quantity <= 100:
            raise ValidationError(
                _("Line %(line)s: quantity must be an integer from 1 to 100.") % {"line": index + 1}
            )
        items.append(CartItem(variant_id=variant, quantity=quantity))
    return items


class _JsonForm(forms.Form):
    """A form over a decoded JSON object: unknown fields are refused, not ignored."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.raw = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unknown = sorted(set(self.raw) - set(self.fields))
        for name in unknown:
            self.add_error(None, _("Unknown field: %(name)s.") % {"name": name})
        if "items" in self.fields:
            try:
                cleaned["items"] = cart_items_clean(self.raw.get("items"))
            except ValidationError as exc:
                self.add_error("items", exc)
        return cleaned


class QuoteForm(_JsonForm):
    items = forms.Field(required=False)  # validated by cart_items_clean
    email = forms.EmailField(max_length=254, required=False)
    code = forms.CharField(max_length=40, required=False, strip=True)


class CheckoutForm(QuoteForm):
    email = forms.EmailField(max_length=254)
    payment_method = forms.RegexField(
        regex=r"^pm_[A-Za-z0-9_]{1,200}$",
        error_messages={"invalid": gettext_lazy("A Stripe PaymentMethod id (pm_...).")},
    )
    checkout_id = forms.UUIDField(required=False)
