"""The shop's code pools: importing and generating an offer's codes, by the one code rule
set of the service (``promotions.codes.rules``: normalised, checked, parsed, generated
the same way as a promotion's coupon pool).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from promotions.codes.rules import (
    CodeImport,
    codes_sort,
)
from promotions.codes.rules import (
    codes_generate as codes_random,
)
from shop.models import Code, Offer


@transaction.atomic
def codes_import(*, offer: Offer, codes: Iterable[str]) -> CodeImport:
    """Add codes to an offer (unique offers: single-use each). Codes already used by this
    brand are reported as duplicates, malformed ones as invalid; the rest are created."""
    typed = codes_sort(codes)
    existing = set(
        Code.objects.filter(brand_id=offer.brand_id, code__in=typed.wanted).values_list(
            "code", flat=True
        )
    )
    fresh = [c for c in typed.wanted if c not in existing]
    max_uses = 1 if offer.code_type == Offer.CodeType.UNIQUE else None
    if offer.code_type == Offer.CodeType.SHARED and (offer.codes.exists() or len(fresh) > 1):
        raise ValidationError({"codes": "A shared-code offer has exactly one code."})
    Code.objects.bulk_create(
        [Code(brand_id=offer.brand_id, offer=offer, code=c, max_uses=max_uses) for c in fresh]
    )
    return typed.import_result(taken=existing)


def codes_generate(*, offer: Offer, count: int, prefix: str = "", length: int = 8) -> int:
    """Generate ``count`` random single-use codes (``PREFIX-XXXXXXXX``); returns how many."""
    if offer.code_type != Offer.CodeType.UNIQUE:
        raise ValidationError({"count": "Only unique-code offers generate codes."})
    return codes_random(
        count=count,
        prefix=prefix,
        length=length,
        add=lambda batch: codes_import(offer=offer, codes=batch).created,
    )
