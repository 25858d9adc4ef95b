"""Writes of the tracking app: partner API keys (events and rollups come with tracking)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracking.models import ApiKey, Scope

KEY_PREFIX = "phk"


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    name: str,
    brand_ids: Iterable[int],
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    created_by_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the full secret, which is never retrievable again."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(Scope.values)}."}
        )
    brand_ids = list(brand_ids)
    if not brand_ids:
        raise ValidationError({"brands": "A key must be scoped to at least one brand."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must lie in the future."})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        scopes=scopes,
        expires_at=expires_at,
        created_by_id=created_by_id,
    )
    key.full_clean()
    key.save()
    key.brands.set(brand_ids)
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def api_key_revoke(*, key: ApiKey, at: datetime | None = None) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time."""
    if key.revoked_at is None:
        key.revoked_at = at or timezone.now()
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=key.revoked_at)
    return key


def api_key_touch(*, key: ApiKey, at: datetime, resolution_seconds: int) -> None:
    """Record use at most once per ``resolution_seconds``, with one conditional UPDATE."""
    stale_before = at - timedelta(seconds=resolution_seconds)
    if key.last_used_at is None or key.last_used_at < stale_before:
        ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gte=stale_before).update(
            last_used_at=at
        )
        key.last_used_at = at
