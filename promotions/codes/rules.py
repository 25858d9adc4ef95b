"""The one rule set for coupon codes: a promotion's pool (``promotions.codes``) and the
shop's codes (``shop.offers``) read, check, import and generate codes the same way, since
a code won in a promotion is typed at the shop's checkout.

- **Normalised** (``code_normalize``): whitespace removed, upper case. Codes are stored
  and looked up so: ``" nova-12 ab"`` is ``NOVA-12AB``.
- **Valid** (``code_is_valid``): 3 to 40 ASCII letters, digits, ``-`` or ``_`` once
  normalised.
- **Imported** (``codes_parse``, ``codes_sort``): pasted text split on white space,
  commas or semicolons, and a file's first column (a header cell reading "code" is
  skipped; at most ``MAX_IMPORT_FILE_BYTES``). Each code is added once; codes that are
  already taken and codes that are not valid are reported (as typed), never dropped
  silently.
- **Generated** (``codes_generate``): ``PREFIX-XXXXXXXX`` from an alphabet without 0/O and
  1/I, because codes get read aloud.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_LENGTH, MAX_LENGTH = 3, 40
MAX_IMPORT_FILE_BYTES = 5_000_000
MAX_GENERATE = 100_000


def code_normalize(text: str) -> str:
    """What a code is stored and looked up as: no white space, upper case."""
    return "".join(text.split()).upper()


def code_is_valid(code: str) -> bool:
    """A normalised code of 3 to 40 ASCII letters, digits, ``-`` or ``_``."""
    return MIN_LENGTH <= len(code) <= MAX_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in code
    )


def codes_parse(*, pasted: str = "", upload: bytes | None = None) -> list[str]:
    """Pasted codes split on white space, commas or semicolons; a file's first column (a
    header cell reading "code" is skipped). Nothing is normalised or checked here."""
    codes = [c for c in re.split(r"[\s,;]+", pasted or "") if c]
    if upload is not None:
        for line in upload.decode("utf-8-sig", errors="replace").splitlines():
            cell = re.split(r"[,;\t]", line, maxsplit=1)[0].strip().strip('"')
            if cell and cell.lower() != "code":
                codes.append(cell)
    return codes


@dataclass(frozen=True)
class CodeImport:
    """What an import did: codes created, codes already taken (or typed twice), invalid."""

    created: int
    duplicates: list[str]
    invalid: list[str]


@dataclass(frozen=True)
class CodesSorted:
    """Typed codes sorted out: ``wanted`` normalised, each once, in the order given;
    ``repeated`` the normalised codes typed more than once; ``invalid`` as typed."""

    wanted: list[str]
    repeated: list[str]
    invalid: list[str]

    def import_result(self, *, taken: set[str]) -> CodeImport:
        """What importing the wanted codes did when ``taken`` of them already existed."""
        return CodeImport(
            created=len([c for c in self.wanted if c not in taken]),
            duplicates=sorted(taken | set(self.repeated)),
            invalid=self.invalid,
        )


def codes_sort(codes: Iterable[str]) -> CodesSorted:
    wanted: dict[str, None] = {}
    repeated: dict[str, None] = {}
    invalid: list[str] = []
    for raw in codes:
        code = code_normalize(raw)
        if not code:
            continue
        if not code_is_valid(code):
            invalid.append(raw.strip())
        elif code in wanted:
            repeated[code] = None
        else:
            wanted[code] = None
    return CodesSorted(wanted=list(wanted), repeated=list(repeated), invalid=invalid)


def codes_generate(*, count: int, prefix: str, length: int, add: Callable[[set[str]], int]) -> int:
    """Make ``count`` new random codes, handing batches of up to 1,000 to ``add`` (which
    stores them and says how many were new) until ``count`` are made; ValidationError
    (on ``count``) outside 1 to 100,000."""
    if not 1 <= count <= MAX_GENERATE:
        raise ValidationError({"count": _("Generate between 1 and 100,000 codes at a time.")})
    prefix = code_normalize(prefix)
    made = 0
    while made < count:
        batch = {
            (f"{prefix}-" if prefix else "")
            + "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))
            for _j in range(min(count - made, 1000))
        }
        made += add(batch)
    return made
