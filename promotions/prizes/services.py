"""Instant wins and prize inventory.

A prize unit is taken by ``UPDATE prize SET awarded = awarded + 1 WHERE awarded < quantity``
(one statement, row-locked) and ``(prize, unit)`` is unique, with a CHECK on ``awarded``;
a winning moment goes to one play by ``UPDATE ... WHERE entry_id IS NULL``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from promotions.entries.models import Entry
from promotions.prizes.models import Prize, PrizeAward, WinningMoment


def _prize_take(prize_id: int) -> int | None:
    """Take one unit of a prize: its unit number (1..quantity), or None when none is left.
    One conditional UPDATE: concurrent plays queue on the row, none can overdraw it."""
    table = Prize._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET awarded = awarded + 1 "  # noqa: S608 (our table name)
            "WHERE id = %s AND awarded < quantity RETURNING awarded",
            [prize_id],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


class _NoUnit(Exception):
    pass


def instant_win_play(*, entry: Entry, at: datetime) -> PrizeAward | None:
    """One play: a winning moment that has come (the oldest first), else the odds of each
    prize in order. One prize at most per play; a prize unit never goes to two plays."""
    moments = WinningMoment.objects.filter(
        prize__promotion_id=entry.promotion_id, at__lte=at, entry__isnull=True
    ).order_by("at", "id")
    for _attempt in range(5):
        moment = moments.select_for_update(skip_locked=True).first()
        if moment is None:
            break
        try:
            with transaction.atomic():
                if not WinningMoment.objects.filter(pk=moment.pk, entry__isnull=True).update(
                    entry=entry, claimed_at=at
                ):
                    continue  # another play took it first
                unit = _prize_take(moment.prize_id)
                if unit is None:
                    raise _NoUnit
                return PrizeAward.objects.create(
                    prize_id=moment.prize_id, entry=entry, unit=unit, awarded_at=at
                )
        except _NoUnit:
            break  # the prize ran out through its odds; moments cannot give more
    for prize in entry.promotion.prizes.filter(
        odds_one_in__isnull=False, awarded__lt=F("quantity")
    ).order_by("position", "id"):
        assert prize.odds_one_in is not None
        if secrets.randbelow(prize.odds_one_in) != 0:
            continue
        unit = _prize_take(prize.pk)
        if unit is not None:
            return PrizeAward.objects.create(prize=prize, entry=entry, unit=unit, awarded_at=at)
    return None


def prize_set_quantity(*, prize: Prize, quantity: int) -> Prize:
    """Change a prize's quantity; never below what has been awarded. Only ``quantity`` and
    ``awarded`` are read back onto ``prize``: other changes the caller made to it and has
    not saved yet are kept."""
    updated = Prize.objects.filter(pk=prize.pk, awarded__lte=quantity).update(quantity=quantity)
    prize.refresh_from_db(fields=["quantity", "awarded"])
    if not updated:
        raise ValidationError(
            {
                "quantity": _("%(n)d already awarded: the quantity cannot be lower.")
                % {"n": prize.awarded}
            }
        )
    return prize


# ``awarded`` only moves through ``_prize_take``; ``quantity`` through ``prize_set_quantity``.
_PRIZE_GUARDED_FIELDS = frozenset({"id", "awarded", "quantity"})


def prize_update(*, prize: Prize, fields: Iterable[str]) -> Prize:
    """Save the named fields of an existing prize as they are on ``prize`` (an admin form's
    changed fields). The quantity goes through ``prize_set_quantity``; ``awarded`` is never
    written back, so units won while the form was open are kept."""
    fields = list(fields)
    names = {f.name for f in Prize._meta.concrete_fields}
    plain = [f for f in fields if f in names and f not in _PRIZE_GUARDED_FIELDS]
    prize.full_clean()
    with transaction.atomic():
        if plain:
            prize.save(update_fields=plain)
        if "quantity" in fields:
            prize_set_quantity(prize=prize, quantity=prize.quantity)
    return prize
