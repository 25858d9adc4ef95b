"""The shop's code rules in one place: how a typed code is normalised, which codes are
valid, the alphabet generated codes use, and how a pool is imported or generated.

Kept apart on purpose: promotions has rules of its own for its coupon pool
(``promotions.codes.services.code_pool_import``), and the two are to be unified.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from shop.models import Code, Offer

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get read aloud
MAX_IMPORT_FILE_BYTES = 5_000_000


def code_normalize(text: str) -> str:
    """What a code is stored and looked up as: no whitespace, upper case."""
    return "".join(text.split()).upper()


def code_is_valid(text: str) -> bool:
    """3 to 40 ASCII letters, digits, ``-`` or ``_`` (after normalising)."""
    return 3 <= len(text) <= 40 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def codes_parse(*, pasted: str = "", upload: bytes | None = None) -> list[str]:
    """Pasted codes split on spaces, commas or semicolons; a file's first column (a header
    cell reading "code" is skipped). Nothing is normalised or checked here."""
    codes = [c for c in re.split(r"[\s,;]+", pasted or "") if c]
    if upload is not None:
        for line in upload.decode("utf-8-sig", errors="replace").splitlines():
            cell = re.split(r"[,;\t]", line, maxsplit=1)[0].strip().strip('"')
            if cell and cell.lower() != "code":
                codes.append(cell)
    return codes


@dataclass(frozen=True)
class CodesImported:
    created: int
    duplicates: list[str]
    invalid: list[str]


@transaction.atomic
def codes_import(*, offer: Offer, codes: Iterable[str]) -> CodesImported:
    """Add codes to an offer (unique offers: single-use each). Codes already used by this
    brand are reported as duplicates, malformed ones as invalid; the rest are created."""
    wanted: list[str] = []
    invalid: list[str] = []
    for raw in codes:
        text = code_normalize(raw)
        if not text:
            continue
        (wanted if code_is_valid(text) else invalid).append(text)
    existing = set(
        Code.objects.filter(brand_id=offer.brand_id, code__in=wanted).values_list("code", flat=True)
    )
    fresh = list(dict.fromkeys(c for c in wanted if c not in existing))
    duplicates = sorted(existing | {c for c, n in Counter(wanted).items() if n > 1})
    max_uses = 1 if offer.code_type == Offer.CodeType.UNIQUE else None
    if offer.code_type == Offer.CodeType.SHARED and (offer.codes.exists() or len(fresh) > 1):
        raise ValidationError({"codes": "A shared-code offer has exactly one code."})
    Code.objects.bulk_create(
        [Code(brand_id=offer.brand_id, offer=offer, code=c, max_uses=max_uses) for c in fresh]
    )
    return CodesImported(created=len(fresh), duplicates=duplicates, invalid=invalid)


def codes_generate(*, offer: Offer, count: int, prefix: str = "", length: int = 8) -> int:
    """Generate ``count`` random single-use codes (``PREFIX-XXXXXXXX``); returns how many."""
    if offer.code_type != Offer.CodeType.UNIQUE:
        raise ValidationError({"count": "Only unique-code offers generate codes."})
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": "Generate between 1 and 100000 codes at a time."})
    prefix = code_normalize(prefix)
    made = 0
    while made < count:
        batch = {
            f"{prefix}-" * bool(prefix)
            + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
            for _ in range(min(count - made, 1000))
        }
        made += codes_import(offer=offer, codes=batch).created
    return made
