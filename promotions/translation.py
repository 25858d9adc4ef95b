"""Content per language (django-modeltranslation): each field below gets one column per
language of ``settings.LANGUAGES`` on the same row (``title_fr``, ``title_pt_br``...), read
in the page's language and falling back to the brand's (``promotions.campaigns.languages``).
"""

from modeltranslation.translator import TranslationOptions, register

from promotions.campaigns.languages import BRAND_FALLBACK
from promotions.campaigns.models import Campaign, Promotion
from promotions.entries.models import PromotionCountryRule
from promotions.prizes.models import Prize


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("name", "description")
    fallback_languages = BRAND_FALLBACK


@register(Promotion)
class PromotionTranslation(TranslationOptions):
    fields = (
        "title",
        "description",
        "image_alt",
        "cta_label",
        "official_rules",
        "privacy_notice",
        "marketing_text",
    )
    fallback_languages = BRAND_FALLBACK


@register(Prize)
class PrizeTranslation(TranslationOptions):
    fields = ("name", "description")
    fallback_languages = BRAND_FALLBACK


@register(PromotionCountryRule)
class PromotionCountryRuleTranslation(TranslationOptions):
    fields = ("official_rules",)
    fallback_languages = BRAND_FALLBACK
