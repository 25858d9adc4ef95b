"""Contest writes: submissions (checked and stored), moderation and votes.

One vote per person per contest per day: ``(promotion, person, day)`` is unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.models import Promotion, SubmissionMedia
from promotions.campaigns.zones import moment_display, next_day_start
from promotions.contests.models import Submission, Vote
from promotions.contests.uploads import TYPES, upload_name, upload_type
from promotions.entrants.models import Person
from promotions.entries import eligibility
from promotions.entries.eligibility import Answers, Check, Refusal
from promotions.entries.limits import rate_limit_or_refuse
from promotions.entries.models import Entry
from promotions.entries.refusals import refuse
from promotions.entries.senders import Sender


@dataclass(frozen=True)
class SubmissionInput:
    title: str = ""
    description: str = ""
    file: UploadedFile | None = None
    video_url: str = ""


PHOTO_TYPES = {t for t, (_ext, photo) in TYPES.items() if photo}
VIDEO_TYPES = {t for t, (_ext, photo) in TYPES.items() if not photo}


def submission_refusals(promotion: Promotion, submission: SubmissionInput | None) -> list[Refusal]:
    if promotion.kind != Promotion.Kind.CONTEST:
        return []
    submission = submission or SubmissionInput()
    refusals = []
    if not submission.title.strip():
        refusals.append(Refusal("title_required", _("Give your entry a title."), "title"))
    if len(submission.description) > 2000:
        refusals.append(
            Refusal(
                "description_too_long",
                _("Keep the description under 2,000 characters."),
                "description",
            )
        )
    media = promotion.submission_media
    max_bytes = settings.PROMOTIONS_UPLOAD_MAX_MB * 1024 * 1024
    upload = submission.file
    if upload is not None:
        allowed = PHOTO_TYPES if media == SubmissionMedia.PHOTO else VIDEO_TYPES
        if media == SubmissionMedia.TEXT or upload_type(upload) not in allowed:
            refusals.append(Refusal("file_type", _("This file type is not accepted here."), "file"))
        elif upload.size is not None and upload.size > max_bytes:
            refusals.append(
                Refusal(
                    "file_too_big",
                    _("The file is larger than %(mb)d MB.")
                    % {"mb": settings.PROMOTIONS_UPLOAD_MAX_MB},
                    "file",
                )
            )
    url = submission.video_url.strip()
    if url and (media != SubmissionMedia.VIDEO or not url.startswith("https://") or len(url) > 500):
        refusals.append(
            Refusal(
                "video_url_invalid", _("Give a video link that starts with https://."), "video_url"
            )
        )
    if media == SubmissionMedia.PHOTO and upload is None:
        refusals.append(Refusal("photo_required", _("Choose a photo to upload."), "file"))
    if media == SubmissionMedia.VIDEO and upload is None and not url:
        refusals.append(
            Refusal("video_required", _("Upload your video or give a link to it."), "video_url")
        )
    if media == SubmissionMedia.TEXT and not submission.description.strip():
        refusals.append(Refusal("text_required", _("Write your entry."), "description"))
    return refusals


def submission_store(*, entry: Entry, submission: SubmissionInput, at: datetime) -> Submission:
    obj = Submission(
        promotion_id=entry.promotion_id,
        person=entry.person,
        entry=entry,
        title=submission.title.strip()[:120],
        description=submission.description.strip(),
        media=entry.promotion.submission_media,
        video_url=submission.video_url.strip(),
        created_at=at,
    )
    if submission.file is not None:  # checked by submission_refusals: one of our types
        obj.file.save(upload_name(upload_type(submission.file)), submission.file, save=False)
    obj.save()
    return obj


@transaction.atomic
def submission_moderate(
    *,
    submission: Submission,
    approve: bool,
    note: str = "",
    by: Any = None,
    at: datetime | None = None,
) -> Submission:
    """Approve a submission into the public gallery, or reject it with a note."""
    if not approve and not note.strip():
        raise ValidationError({"moderation_note": _("Say why the submission is rejected.")})
    if submission.removed_at is not None and approve:
        raise ValidationError(_("The entrant deleted this submission."))
    submission.status = Submission.Status.APPROVED if approve else Submission.Status.REJECTED
    submission.moderation_note = note.strip()
    submission.moderated_at = at or timezone.now()
    submission.moderated_by = by
    submission.save(update_fields=["status", "moderation_note", "moderated_at", "moderated_by"])
    return submission


def vote_cast(
    *,
    submission: Submission,
    person: Person,
    sender: Sender | None = None,
    at: datetime | None = None,
) -> Vote:
    """One vote per person per contest per day (the brand's day). The unique constraint
    decides between concurrent votes; the loser is told to come back tomorrow."""
    at = at or timezone.now()
    rate_limit_or_refuse(scope="vote", sender=sender, person=person)
    promotion = submission.promotion
    check = Check(promotion=promotion, person=person, answers=Answers(), at=at)
    refusal = eligibility.window_rule(check) or eligibility.identity_rule(check)
    if refusal is None and not Submission.objects.in_gallery().filter(pk=submission.pk).exists():
        refusal = Refusal("not_in_gallery", _("This entry is not in the gallery."))
    if refusal is None and submission.person_id == person.pk:
        refusal = Refusal("own_submission", _("You cannot vote for your own entry."))
    if refusal is not None:
        raise refuse([refusal])
    day = eligibility.local_day(promotion, at)
    try:
        with transaction.atomic():
            return Vote.objects.create(
                promotion=promotion, submission=submission, person=person, day=day, created_at=at
            )
    except IntegrityError as exc:
        tomorrow = next_day_start(promotion.campaign, at)
        raise refuse(
            [
                Refusal(
                    "already_voted_today",
                    _("You have already voted today. You can vote again from %(when)s.")
                    % {"when": moment_display(promotion.campaign, tomorrow)},
                )
            ]
        ) from exc
