"""A winner's claim data kept only as long as needed: deleted a set time after delivery,
or at once by the data deletion callback; the claim's history stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from promotions.claims.models import PrizeClaim
from promotions.entrants.models import Person


def claim_data_delete(*, claim: PrizeClaim, at: datetime | None = None) -> bool:
    """Delete what the winner gave (address, phone, size, document); the claim's history
    (statuses, dates, carrier) stays. False when there was nothing left to delete."""
    at = at or timezone.now()
    claim = PrizeClaim.objects.get(pk=claim.pk)
    if claim.data_deleted_at is not None and not claim.answers and not claim.document:
        return False
    if claim.document:
        claim.document.delete(save=False)
    PrizeClaim.objects.filter(pk=claim.pk).update(answers={}, document="", data_deleted_at=at)
    return True


def claims_data_purge_due(*, at: datetime | None = None) -> int:
    """Scheduled: claim data is kept CLAIM_DATA_RETENTION_DAYS after delivery (or after the
    claim closed without a delivery), then deleted."""
    at = at or timezone.now()
    limit = at - timedelta(days=settings.CLAIM_DATA_RETENTION_DAYS)
    delivered = PrizeClaim.objects.filter(
        status=PrizeClaim.Status.DELIVERED, delivered_at__lte=limit
    )
    closed = PrizeClaim.objects.filter(
        status__in=[
            PrizeClaim.Status.DECLINED,
            PrizeClaim.Status.EXPIRED,
            PrizeClaim.Status.INELIGIBLE,
        ],
        closed_at__lte=limit,
    )
    purged = 0
    for claim in (delivered | closed).filter(data_deleted_at__isnull=True):
        purged += claim_data_delete(claim=claim, at=at)
    return purged


def claims_data_delete_for_person(*, person: Person, at: datetime | None = None) -> int:
    """The data deletion callback: every claim of the person loses its data at once."""
    at = at or timezone.now()
    deleted = 0
    for claim in PrizeClaim.objects.filter(entry__person=person, data_deleted_at__isnull=True):
        deleted += claim_data_delete(claim=claim, at=at)
    return deleted
