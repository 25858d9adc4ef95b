"""Make django-q's schedules match config/schedules.py, idempotently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from config.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Create or update the declared django-q schedules and drop the undeclared ones."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        declared = {d.name for d in SCHEDULES}
        for d in SCHEDULES:
            _schedule, created = Schedule.objects.update_or_create(
                name=d.name,
                defaults={
                    "func": d.func,
                    "kwargs": d.kwargs,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": d.minutes,
                    "repeats": -1,
                },
                create_defaults={
                    "func": d.func,
                    "kwargs": d.kwargs,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": d.minutes,
                    "repeats": -1,
                    "next_run": timezone.now(),
                },
            )
            self.stdout.write(f"{'created' if created else 'updated'} {d.name}")
        stale = Schedule.objects.filter(name__regex=r"^(tracking|promotions|shop)\.").exclude(
            name__in=declared
        )
        for name in stale.values_list("name", flat=True):
            self.stdout.write(f"removed {name}")
        stale.delete()
