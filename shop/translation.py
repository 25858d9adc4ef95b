"""The shop's consumer-facing content per language (see ``promotions/translation.py``)."""

from modeltranslation.translator import TranslationOptions, register

from promotions.campaigns.languages import BRAND_FALLBACK
from shop.models import Offer, Product


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("title", "description")
    fallback_languages = BRAND_FALLBACK


@register(Offer)
class OfferTranslation(TranslationOptions):
    fields = ("name",)
    fallback_languages = BRAND_FALLBACK
