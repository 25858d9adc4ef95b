"""Languages of content: which ones the service offers, which are right-to-left, the
brand's language as the fallback of a missing translation, and a campaign's per-language
status ("missing", "draft", "reviewed").

Content is translated with django-modeltranslation (``promotions/translation.py``,
``shop/translation.py``): each translated field has one column per language on the same
row, so a page reads its language with the row it already loads (no join, no prefetch).
When a column is empty the descriptor falls back through ``BRAND_FALLBACK``: the brand's
language (set for the time of a render by ``content_fallback``), then English, then any
language that has it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from promotions.campaigns.models import Campaign, Promotion
    from promotions.entries.models import PromotionCountryRule

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
LANGUAGE_QUERY = "lang"  # ?lang=<code> chooses a consumer page's language

_brand_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "promotions_brand_language", default=""
)


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_normalize(code: object) -> str:
    """``"de_DE"``, ``"DE-de"``, ``"pt-BR"`` → a code of ``LANGUAGES`` (``de``, ``pt-br``);
    ``""`` when it names no language the service offers. Never raises."""
    if not isinstance(code, str):
        return ""
    code = code.strip().lower().replace("_", "-")[:16]
    codes = language_codes()
    if code in codes:
        return code
    base = code.split("-")[0]
    if base in codes:
        return base
    return next((c for c in codes if c.split("-")[0] == base), "")


def path_in_language(path: str, code: str) -> str:
    """``path`` opening in language ``code`` (``?lang=``, which the page then remembers):
    the links of emails written in the entrant's language. ``path`` as it is when ``code``
    is no language of the service."""
    if language_normalize(code) != code or not code:
        return path
    return f"{path}{'&' if '?' in path else '?'}{urlencode({LANGUAGE_QUERY: code})}"


def language_is_rtl(code: str) -> bool:
    return code.split("-")[0] in RTL_LANGUAGES


def language_field_suffix(code: str) -> str:
    """The column suffix modeltranslation uses: ``pt-br`` → ``pt_br``."""
    return code.replace("-", "_")


class BrandFallback(Mapping[str, tuple[str, ...]]):
    """modeltranslation's ``fallback_languages``: the brand's language of the render in
    progress (a context variable, so threads and requests do not see each other's), then
    the default language, then any language that has the text. Outside a brand's render
    (the partner API, admin lists, exports) a French brand's text, written in French
    only, is still found."""

    def __getitem__(self, key: str) -> tuple[str, ...]:
        if key != "default":
            raise KeyError(key)
        brand = _brand_language.get()
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        first = (brand, default) if brand and brand != default else (default,)
        return first + tuple(c for c in language_codes() if c not in first)

    def __iter__(self) -> Iterator[str]:
        return iter(["default"])

    def __len__(self) -> int:
        return 1


BRAND_FALLBACK = BrandFallback()


@contextmanager
def content_fallback(brand_language: str) -> Iterator[None]:
    """Translated fields read in another language fall back to ``brand_language``."""
    token = _brand_language.set(brand_language)
    try:
        yield
    finally:
        _brand_language.reset(token)


def translated_value(obj: object, field: str, language: str, brand_language: str = "") -> str:
    """The value of ``field`` written in ``language`` itself (no fallback), except in the
    brand's language, whose content is also what was written without choosing one (the
    default language's column)."""
    value = getattr(obj, f"{field}_{language_field_suffix(language)}", None) or ""
    if not value and language == brand_language:
        default = language_field_suffix(settings.MODELTRANSLATION_DEFAULT_LANGUAGE)
        value = getattr(obj, f"{field}_{default}", None) or ""
    return str(value)


class LanguageStatus:
    MISSING = "missing"
    DRAFT = "draft"
    REVIEWED = "reviewed"

    labels = {
        MISSING: _("missing"),
        DRAFT: _("draft"),
        REVIEWED: _("reviewed"),
    }


def promotion_missing_texts(promotion: Promotion, language: str) -> list[str]:
    """What a promotion lacks in ``language`` to be shown live in it: its official rules,
    each local rules text it has in the brand's language (a country's own rules), and the
    consent texts it asks for (its own privacy notice and marketing opt-in when it has them
    in the brand's language; the standard notice and the Facebook release are interface
    strings, in every catalog)."""
    brand_language = promotion.campaign.brand.language
    missing = []
    b = brand_language
    if not translated_value(promotion, "official_rules", language, b).strip():
        missing.append(str(_("official rules")))
    missing += [
        str(_("official rules for %(country)s") % {"country": rule.country_name})
        for rule in promotion_local_rules(promotion)
        if country_rule_missing_text(rule, language, b)
    ]
    for field, label in (
        ("privacy_notice", _("privacy notice")),
        ("marketing_text", _("marketing opt-in text")),
    ):
        if translated_value(promotion, field, b, b) and not translated_value(
            promotion, field, language, b
        ):
            missing.append(str(label))
    if not translated_value(promotion, "title", language, b).strip():
        missing.append(str(_("title")))
    return missing


def country_rule_missing_text(
    rule: PromotionCountryRule, language: str, brand_language: str
) -> bool:
    """A local rule written in the brand's language has no text in ``language``."""
    return (
        bool(translated_value(rule, "official_rules", brand_language, brand_language).strip())
        and not translated_value(rule, "official_rules", language, brand_language).strip()
    )


def promotion_local_rules(promotion: Promotion) -> list[PromotionCountryRule]:
    """The promotion's local rules, read once per promotion object (a prefetch: the
    language status asks for each language); none before the promotion is saved."""
    if promotion.pk is None:
        return []
    if "country_rules" not in getattr(promotion, "_prefetched_objects_cache", {}):
        prefetch_related_objects([promotion], "country_rules")
    return list(promotion.country_rules.all())


def campaign_language_status(
    campaign: Campaign, promotions: list[Promotion] | None = None
) -> dict[str, str]:
    """``{language: status}`` for every language the campaign offers or has begun: missing
    (a promotion lacks its rules, a local rules text, consent texts or title in it), else
    reviewed when the marketer marked it so, else draft."""
    if promotions is None:
        promotions = list(campaign.promotions.exclude(status="ended")) if campaign.pk else []
    for promotion in promotions:
        promotion.campaign = campaign
    prefetch_related_objects([p for p in promotions if p.pk is not None], "country_rules")
    languages = [c for c in language_codes() if c in {campaign.brand.language, *campaign.languages}]
    languages += [
        c for c in language_codes() if c not in languages and _begun(campaign, promotions, c)
    ]
    statuses = {}
    for code in languages:
        if not translated_value(campaign, "name", code, campaign.brand.language) or any(
            promotion_missing_texts(p, code) for p in promotions
        ):
            statuses[code] = LanguageStatus.MISSING
        elif code in campaign.reviewed_languages:
            statuses[code] = LanguageStatus.REVIEWED
        else:
            statuses[code] = LanguageStatus.DRAFT
    return statuses


def _begun(campaign: Campaign, promotions: list[Promotion], code: str) -> bool:
    """Someone has started writing in ``code``: the campaign's name or a promotion's title."""
    return bool(translated_value(campaign, "name", code)) or any(
        translated_value(p, "title", code) for p in promotions
    )


def campaign_live_language_problems(
    *, campaign: Campaign, promotions: list[Promotion]
) -> list[str]:
    """Why ``campaign`` cannot be live in each of its languages: a promotion missing its
    official rules or consent texts (or title) in that language. Empty when it can (the
    models' ``clean`` asks before a campaign or a promotion goes live)."""
    problems = []
    names = dict(settings.LANGUAGES)
    for code in campaign.language_list[1:]:  # the brand's own: required fields hold it
        for promotion in promotions:
            promotion.campaign = campaign
            missing = promotion_missing_texts(promotion, code)
            if missing:
                problems.append(
                    _(
                        "%(promotion)s has no %(missing)s in %(language)s: a campaign cannot "
                        "be live in a language whose official rules or consent texts are "
                        "missing. Write them, or remove %(language)s from the languages."
                    )
                    % {
                        "promotion": promotion.slug,
                        "missing": ", ".join(missing),
                        "language": names.get(code, code),
                    }
                )
    return problems
