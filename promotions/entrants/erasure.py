"""What other apps delete when a person asks for their data to be deleted.

``person_anonymise`` deletes what promotions holds; an app above promotions (the shop,
which imports promotions, never the other way) registers here, when Django starts, a
function that deletes what it holds of that person. Each answers how many of its records
it changed, under its own key of the deletion summary (the status page names each key).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promotions.entrants.models import Person

Erase = Callable[["Person", datetime], int]

_ERASERS: dict[str, Erase] = {}


def person_erasure_register(*, key: str, erase: Erase) -> None:
    """Run ``erase(person, at)`` in every deletion, its count under ``key`` (registering a
    key again replaces its function)."""
    _ERASERS[key] = erase


def person_erasures_run(*, person: Person, at: datetime) -> dict[str, int]:
    """Every registered deletion, in the caller's transaction, before the person's own
    address and name are cleared (they are what the others find the person's records by)."""
    return {key: erase(person, at) for key, erase in _ERASERS.items()}
