"""Reads about entrants."""

from __future__ import annotations

from promotions.entrants.models import DataDeletionRequest, Person


def person_get(*, person_id: object) -> Person | None:
    """The signed-in entrant of a session, if it still exists and is not anonymised."""
    if not isinstance(person_id, int):
        return None
    return Person.objects.filter(pk=person_id, anonymised_at__isnull=True).first()


def data_deletion_get(*, confirmation_code: str) -> DataDeletionRequest | None:
    if not confirmation_code.isalnum() or len(confirmation_code) > 32:
        return None
    return DataDeletionRequest.objects.filter(confirmation_code=confirmation_code).first()
