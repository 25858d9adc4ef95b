"""Entrants: a Person is one human however they sign in; each sign-in method is an
Identity (normalised email, or Facebook app-scoped user id) pointing at the same person.
Entries, votes, codes and consents hang off the person. Data deletion anonymises the
person and keeps the rows, so counts in reports do not change.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(blank=True, help_text=_("As typed; used to contact winners."))
    email_normalized = models.CharField(
        max_length=254,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Lower-cased, sub-address removed (Gmail: dots too): one person per mailbox."),
    )
    name = models.CharField(max_length=120, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("entrant")
        ordering = ["-created_at"]
        indexes = [
            # the duplicate-person flag looks for the same name and birth date
            models.Index(
                "birth_date",
                Upper("name"),
                condition=models.Q(birth_date__isnull=False),
                name="person_birth_name",
            ),
        ]

    def __str__(self) -> str:
        if self.anonymised_at:
            return f"anonymised entrant {self.pk}"
        return self.email or self.name or f"entrant {self.pk}"


class Identity(models.Model):
    class Provider(models.TextChoices):
        EMAIL = "email", _("Email (verified by link)")
        FACEBOOK = "facebook", _("Facebook Login")
        # Commenters on a Page's posts (page-scoped ids) and on Instagram media (Instagram
        # user ids): promotions.social. These ids cannot be matched to each other.
        FACEBOOK_PAGE = "facebook_page", _("Facebook Page commenter")
        INSTAGRAM = "instagram", _("Instagram commenter")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    subject = models.CharField(
        max_length=254, help_text=_("Normalised email, or the Facebook app-scoped user id.")
    )
    verified_at = models.DateTimeField()
    access_token = models.TextField(blank=True, help_text=_("Facebook user token; forgotten."))
    token_expires_at = models.DateTimeField(null=True, blank=True)
    deauthorized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="uniq_identity_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.subject}"


class ConsentText(models.Model):
    """The exact words an entrant agreed to, stored once per version (SHA-256 of the text)."""

    class Kind(models.TextChoices):
        OFFICIAL_RULES = "official_rules", _("Official rules")
        PRIVACY = "privacy", _("Privacy notice")
        FACEBOOK_RELEASE = "facebook_release", _("Facebook release")
        MARKETING = "marketing", _("Marketing opt-in")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The language the entrant read the words in.")
    )
    version = models.CharField(max_length=80, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.version


class Consent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "promotion", "text"], name="uniq_consent_per_text_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.text.version}"


class DataDeletionRequest(models.Model):
    confirmation_code = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.confirmation_code
