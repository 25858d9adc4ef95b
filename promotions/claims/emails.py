"""Every email of the claims' lifecycle, in one place (Django's email API, so a provider
such as django-anymail is one EMAIL_BACKEND away; .env.example says how).

Each email to an entrant is written in the language they entered in, its translated
content falling back to the brand's (``entry_email_language``); the managers' email in the
brand's language. Sent by the tasks in
``promotions.claims.tasks`` (queued on commit), never on a request's path. Sent once: the
winner's first notice is claimed by a conditional UPDATE of ``notified_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from promotions.campaigns.languages import path_in_language
from promotions.campaigns.selectors import brand_manager_emails
from promotions.campaigns.zones import moment_display
from promotions.claims.models import PrizeClaim
from promotions.claims.services import claim_link, claim_told
from promotions.draws.models import Draw
from promotions.entries.models import Entry
from promotions.entries.selectors import entry_email_language
from tracking.queue import task_enqueue
from tracking.site import absolute_url


def _claim_load(claim_id: int) -> PrizeClaim | None:
    return (
        PrizeClaim.objects.select_related("promotion__campaign__brand", "entry__person", "prize")
        .filter(pk=claim_id)
        .first()
    )


def _prize_name(claim: PrizeClaim) -> str:
    return claim.prize.name if claim.prize else _("a prize")


def _send_to_winner(claim: PrizeClaim, subject: str, body: str) -> bool:
    # A comment winner has no address of their own: the one they gave on the claim form.
    email = claim.entry.person.email or str(claim.answers.get("email") or "")
    if not email or claim.entry.person.anonymised_at is not None:
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return True


def claim_notification_send(*, claim_id: int) -> bool:
    """ "You won": the claim link and the deadline. Once per claim (``notified_at``)."""
    now = timezone.now()
    if not PrizeClaim.objects.filter(
        pk=claim_id, notified_at__isnull=True, status=PrizeClaim.Status.NOTIFIED
    ).update(notified_at=now):
        return False
    claim = _claim_load(claim_id)
    assert claim is not None
    promotion = claim.promotion
    brand = promotion.campaign.brand
    try:
        with entry_email_language(claim.entry):
            subject = _("You won %(prize)s: %(title)s") % {
                "prize": _prize_name(claim),
                "title": promotion.title,
            }
            body = _(
                "Congratulations!\n\nYour entry %(entry)s in “%(title)s” by %(brand)s won "
                "%(prize)s.\n\nClaim it here before %(deadline)s:\n\n%(link)s\n\nThe link is "
                "yours alone: do not share it. If you do not claim the prize by then, or "
                "decline it, it passes to the next drawn entrant, as the official rules say.\n"
            ) % {
                "entry": claim.entry.public_id,
                "title": promotion.title,
                "brand": brand.name,
                "prize": _prize_name(claim),
                "deadline": moment_display(promotion.campaign, claim.deadline),
                "link": claim_link(claim=claim),
            }
        sent = _send_to_winner(claim, subject, body)
    except Exception:
        PrizeClaim.objects.filter(pk=claim_id).update(notified_at=None)  # retried
        raise
    if sent:
        claim_told(claim=claim, at=now)
    return sent


def claim_reminder_send(*, claim_id: int) -> bool:
    """The deadline is near and the prize is not claimed yet."""
    claim = _claim_load(claim_id)
    if claim is None or not claim.is_open:
        return False
    promotion = claim.promotion
    brand = promotion.campaign.brand
    with entry_email_language(claim.entry):
        subject = _("Reminder: claim %(prize)s before %(deadline)s") % {
            "prize": _prize_name(claim),
            "deadline": moment_display(promotion.campaign, claim.deadline),
        }
        body = _(
            "Hello,\n\nYou won %(prize)s in “%(title)s” by %(brand)s and have not claimed it "
            "yet. Claim it before %(deadline)s, or it passes to the next drawn entrant:\n\n"
            "%(link)s\n"
        ) % {
            "prize": _prize_name(claim),
            "title": promotion.title,
            "brand": brand.name,
            "deadline": moment_display(promotion.campaign, claim.deadline),
            "link": claim_link(claim=claim),
        }
    return _send_to_winner(claim, subject, body)


def claim_received_send(*, claim_id: int) -> bool:
    """The winner's claim is in: what happens next."""
    claim = _claim_load(claim_id)
    if claim is None or claim.status != PrizeClaim.Status.CLAIMED:
        return False
    promotion = claim.promotion
    with entry_email_language(claim.entry):
        subject = _("Your claim is in: %(title)s") % {"title": promotion.title}
        body = _(
            "Hello,\n\nThank you: we have your claim for %(prize)s (%(title)s by %(brand)s). "
            "We will write again when it is on its way.\n"
        ) % {
            "prize": _prize_name(claim),
            "title": promotion.title,
            "brand": promotion.campaign.brand.name,
        }
    return _send_to_winner(claim, subject, body)


def claim_shipped_send(*, claim_id: int) -> bool:
    """The prize is on its way: carrier and tracking number."""
    claim = _claim_load(claim_id)
    if claim is None or claim.status not in (
        PrizeClaim.Status.SHIPPED,
        PrizeClaim.Status.DELIVERED,
    ):
        return False
    promotion = claim.promotion
    with entry_email_language(claim.entry):
        subject = _("Your prize is on its way: %(prize)s") % {"prize": _prize_name(claim)}
        body = _(
            "Hello,\n\nYour prize %(prize)s (%(title)s by %(brand)s) has been sent with "
            "%(carrier)s.\nTracking number: %(tracking)s\n"
        ) % {
            "prize": _prize_name(claim),
            "title": promotion.title,
            "brand": promotion.campaign.brand.name,
            "carrier": claim.carrier,
            "tracking": claim.tracking_number or "-",
        }
    return _send_to_winner(claim, subject, body)


def draw_done_send(*, draw_id: int) -> bool:
    """To the brand's managers: the draw is made, here is its certificate."""
    draw = (
        Draw.objects.select_related("promotion__campaign__brand")
        .filter(pk=draw_id, status=Draw.Status.DRAWN)
        .first()
    )
    if draw is None:
        return False
    promotion = draw.promotion
    recipients = brand_manager_emails(brand_id=promotion.campaign.brand_id)
    if not recipients:
        return False
    claims = draw.claims.all()
    no_channel = claims.filter(channel=PrizeClaim.Channel.NONE).count()
    with translation.override(promotion.campaign.brand.language):
        subject = _("Draw made: %(title)s") % {"title": promotion.title}
        body = ngettext(
            "The draw for “%(title)s” has been made: %(winners)d winner from %(entries)d "
            "eligible entries.\n\nCertificate: %(certificate)s\nClaims: %(claims)s\n",
            "The draw for “%(title)s” has been made: %(winners)d winners from %(entries)d "
            "eligible entries.\n\nCertificate: %(certificate)s\nClaims: %(claims)s\n",
            len(draw.winners),
        ) % {
            "title": promotion.title,
            "winners": len(draw.winners),
            "entries": draw.entry_count or 0,
            "certificate": absolute_url(draw.get_absolute_url()),
            "claims": absolute_url(
                reverse("admin:promotions_prizeclaim_changelist")
                + f"?promotion__id__exact={promotion.pk}"
            ),
        }
        if no_channel:
            body += "\n" + ngettext(
                "%(n)d winner left no email address: reach them another way (see Claims).",
                "%(n)d winners left no email address: reach them another way (see Claims).",
                no_channel,
            ) % {"n": no_channel}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True


def claim_unreachable_send(*, claim_id: int) -> bool:
    """To the brand's managers: a winner made after the draw's email (an alternate moved up,
    an instant win's prize to claim) whom nothing can tell: no email address, and no
    private reply on Facebook (one is allowed within 7 days of the comment only). The
    claim's admin page shows the link to give them."""
    claim = _claim_load(claim_id)
    if claim is None or not claim.is_open or claim.channel != PrizeClaim.Channel.NONE:
        return False
    promotion = claim.promotion
    brand = promotion.campaign.brand
    recipients = brand_manager_emails(brand_id=brand.pk)
    if not recipients:
        return False
    with translation.override(brand.language):
        subject = _("A winner to reach another way: %(title)s") % {"title": promotion.title}
        body = _(
            "Entry %(entry)s won %(prize)s in “%(title)s”, and nothing can tell them: no email "
            "address, and no private reply on Facebook (one is allowed within 7 days of the "
            "comment only).\n\nReach them another way and give them the claim link shown on "
            "their claim before %(deadline)s, or mark the claim not eligible to pass the prize "
            "on:\n\n%(claim)s\n"
        ) % {
            "entry": claim.entry.public_id,
            "prize": _prize_name(claim),
            "title": promotion.title,
            "deadline": moment_display(promotion.campaign, claim.deadline),
            "claim": absolute_url(reverse("admin:promotions_prizeclaim_change", args=[claim.pk])),
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True


def entry_confirmation_queue(*, entry: Entry) -> None:
    """Email the entrant their entry number (to find it in the draw's published list) once
    the entry is committed; the request only queues it."""
    task_enqueue("promotions.claims.tasks.entry_confirmation_send", entry.pk)


def entry_confirmations_queue(*, entry_ids: list[int]) -> None:
    """The same for a batch of entries (the entries consumer's): one task."""
    if entry_ids:
        task_enqueue("promotions.claims.tasks.entry_confirmations_send", entry_ids)


def entry_confirmation_send(*, entry_id: int) -> bool:
    """ "You're in": the entry number, so the entrant can find it in the draw's published
    list. Once per entry (``confirmation_sent_at``, claimed by a conditional UPDATE)."""
    if not Entry.objects.filter(pk=entry_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    ):
        return False
    entry = Entry.objects.select_related("promotion__campaign__brand", "person").get(pk=entry_id)
    person, promotion = entry.person, entry.promotion
    if not person.email or person.anonymised_at is not None:
        return False
    brand = promotion.campaign.brand
    try:
        with entry_email_language(entry):
            subject = _("Your entry number %(entry)s: %(title)s") % {
                "entry": entry.public_id,
                "title": promotion.title,
            }
            body = _(
                "Hello,\n\nThank you for taking part in “%(title)s” by %(brand)s.\n\n"
                "Your entry number: %(entry)s\n\nKeep it: the draw's certificate publishes "
                "every eligible entry number, so you can check yours was in it.\n%(link)s\n"
            ) % {
                "title": promotion.title,
                "brand": brand.name,
                "entry": entry.public_id,
                "link": absolute_url(
                    path_in_language(promotion.get_absolute_url(), entry.language)
                ),
            }
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    except Exception:
        Entry.objects.filter(pk=entry_id).update(confirmation_sent_at=None)  # retried
        raise
    return True
