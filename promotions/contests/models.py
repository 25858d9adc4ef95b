"""Contests: submissions, votes from the public and the jury's scores."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion, SubmissionMedia
from promotions.entrants.models import Person
from promotions.entries.models import Entry


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def in_gallery(self) -> SubmissionQuerySet:
        """What the public sees and votes for: approved, not deleted by the entrant, its
        entry not excluded (``entry_exclude`` takes it out of galleries and standings)."""
        return self.filter(
            status=Submission.Status.APPROVED,
            removed_at__isnull=True,
            entry__status=Entry.Status.VALID,
        )


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved (in the gallery)")
        REJECTED = "rejected", _("Rejected")

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="submissions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="submissions")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="submission")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    media = models.CharField(max_length=12, choices=SubmissionMedia.choices)
    file = models.FileField(upload_to="submissions/%Y/%m/", blank=True)
    video_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    moderation_note = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Content deleted at the entrant's request.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["promotion", "status"], name="submission_gallery")]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One vote per person per contest per (brand-local) day: a unique constraint says so."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="votes")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="votes")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "person", "day"], name="uniq_vote_per_person_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.submission_id} ({self.day})"


class JuryScore(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_scores"
    )
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "juror"], name="uniq_score_per_juror"),
            models.CheckConstraint(condition=Q(score__lte=10), name="jury_score_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/10"
