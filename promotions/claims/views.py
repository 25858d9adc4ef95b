"""The winner's claim page and the public winners list.

``…/<promotion>/claim/<token>/``: a signed, single-purpose link. A tampered or foreign link
is a friendly 400 page, a used or expired one a 410 (so is the claim of a winner whose data
was deleted), a form from someone who is not the winner a 403: never a 5xx, and nothing
changes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from promotions.campaigns.models import Promotion
from promotions.claims import selectors as claims_selectors
from promotions.claims import services as claims_services
from promotions.claims.forms import ClaimForm, DeclineForm
from promotions.claims.models import PrizeClaim
from promotions.draws import selectors as draws_selectors
from promotions.entrants import services as entrants_services
from promotions.entrants.models import Person
from promotions.entries import refusals as entries_refusals
from promotions.entries.senders import sender_from_request
from promotions.pages.http import brand_page_render, current_person

_USED = {
    PrizeClaim.Status.CLAIMED: (
        _lazy("This prize is claimed"),
        _lazy("You have already claimed this prize. We will email you when it is on its way."),
    ),
    PrizeClaim.Status.SHIPPED: (
        _lazy("This prize is on its way"),
        _lazy("Your prize has been sent."),
    ),
    PrizeClaim.Status.DELIVERED: (_lazy("This prize was delivered"), _lazy("Enjoy your prize!")),
    PrizeClaim.Status.DECLINED: (
        _lazy("This prize was declined"),
        _lazy("The prize was given up and has passed to another entrant."),
    ),
    PrizeClaim.Status.EXPIRED: (
        _lazy("The deadline has passed"),
        _lazy(
            "The prize was not claimed in time and has passed to another entrant, as the "
            "official rules say."
        ),
    ),
    PrizeClaim.Status.INELIGIBLE: (
        _lazy("This claim is closed"),
        _lazy("This claim is closed. If you think this is a mistake, contact the brand."),
    ),
}


def _problem(
    request: HttpRequest, promotion: Promotion, status: int, title: str, message: str
) -> HttpResponse:
    response = brand_page_render(
        request,
        promotion.campaign.brand,
        "promotions/claims/problem.html",
        {
            "campaign": promotion.campaign,
            "promotion": promotion,
            "title": title,
            "message": message,
        },
        status=status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _masked(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def _render(
    request: HttpRequest, claim: PrizeClaim, *, status: int = 200, **context: Any
) -> HttpResponse:
    promotion = claim.promotion
    response = brand_page_render(
        request,
        promotion.campaign.brand,
        "promotions/claims/claim.html",
        {
            "campaign": promotion.campaign,
            "promotion": promotion,
            "claim": claim,
            "masked_email": _masked(claim.entry.person.email),
            **context,
        },
        status=status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(
    request: HttpRequest, brand: str, campaign: str, promotion: str, token: str
) -> HttpResponse:
    obj = draws_selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    found = claims_selectors.claim_get_by_token(token=token, promotion=obj)
    if found is None:
        return _problem(
            request,
            obj,
            400,
            _("This link does not work"),
            _(
                "This claim link is incomplete or was changed. Open it again from the "
                "message that told you that you won."
            ),
        )
    found.promotion = obj
    used = _USED.get(PrizeClaim.Status(found.status))
    if used is not None:
        title, message = str(used[0]), str(used[1])
        if found.status == PrizeClaim.Status.SHIPPED and found.carrier:
            message += " " + _("Carrier: %(carrier)s. Tracking number: %(tracking)s.") % {
                "carrier": found.carrier,
                "tracking": found.tracking_number or "-",
            }
        return _problem(request, obj, 410, title, message)
    if found.entry.person.anonymised_at is not None:  # closed with their data (or about to)
        closed = _USED[PrizeClaim.Status.INELIGIBLE]
        return _problem(request, obj, 410, str(closed[0]), str(closed[1]))
    if found.deadline <= timezone.now():
        expired = _USED[PrizeClaim.Status.EXPIRED]
        return _problem(request, obj, 410, str(expired[0]), str(expired[1]))
    person = _winner(found, current_person(request))
    is_winner = person is not None
    if request.method != "POST":
        return _render(
            request, found, is_winner=is_winner, form=ClaimForm(claim=found), decline=DeclineForm()
        )
    action = str(request.POST.get("action", ""))
    if action == "identify":
        if is_winner:  # nothing to confirm (a comment winner has no address to sign in with)
            return _render(
                request, found, is_winner=True, form=ClaimForm(claim=found), decline=DeclineForm()
            )
        return _identify(request, found)
    if not is_winner:
        return _render(
            request,
            found,
            status=403,
            is_winner=False,
            notice=_("Confirm first that you are the winner: we email you a sign-in link."),
        )
    if action == "decline":
        return _decline(request, found, person)
    form = ClaimForm(request.POST, request.FILES, claim=found)
    if not form.is_valid():
        return _render(request, found, status=400, is_winner=True, form=form, decline=DeclineForm())
    try:
        done = claims_services.claim_submit(claim=found, person=person, answers=form.answers())
    except ValidationError as exc:
        return _problem(request, obj, 409, _("This claim is closed"), " ".join(exc.messages))
    done.promotion = obj
    return _render(request, done, is_winner=True, claimed=True)


def _winner(claim: PrizeClaim, person: Person | None) -> Person | None:
    """Who answers this claim: the winner signed in on this browser; or, for a winner with
    no email to sign in with (``PrizeClaim.link_is_proof``), whoever holds the link."""
    if claim.link_is_proof:
        return claim.entry.person
    if person is not None and person.pk == claim.entry.person_id:
        return person
    return None


def _identify(request: HttpRequest, claim: PrizeClaim) -> HttpResponse:
    """A fresh email sign-in: the link goes to the winner's own address and back here."""
    promotion = claim.promotion
    args = [promotion.campaign.brand.slug, promotion.campaign.slug, promotion.slug]
    email = claim.entry.person.email
    next_path = request.path
    link = request.build_absolute_uri(
        reverse("promotions:verify", args=args)
        + "?"
        + urlencode(
            {
                "t": entrants_services.email_verification_token(
                    email=email,
                    next_path=next_path,
                    browser=sender_from_request(request).device_hash,
                )
            }
        )
    )
    try:
        entrants_services.email_verification_send(
            email=email, promotion=promotion, link=link, sender=sender_from_request(request)
        )
    except entries_refusals.Refused as refused:
        return _render(
            request,
            claim,
            status=refused.status,
            is_winner=False,
            notice=" ".join(r.message for r in refused.refusals),
        )
    return _render(
        request,
        claim,
        is_winner=False,
        sent=True,
        notice=_("We sent a sign-in link to %(email)s. Open it on this device.")
        % {"email": _masked(email)},
    )


def _decline(request: HttpRequest, claim: PrizeClaim, person: Any) -> HttpResponse:
    decline = DeclineForm(request.POST)
    if not decline.is_valid():
        return _render(
            request, claim, status=400, is_winner=True, form=ClaimForm(claim=claim), decline=decline
        )
    try:
        claims_services.claim_decline(claim=claim, person=person)
    except (ValidationError, claims_services.ClaimAlreadyClosed):
        return _problem(
            request,
            claim.promotion,
            409,
            _("This claim is closed"),
            _("This claim was closed a moment ago: nothing was changed."),
        )
    return _render(request, claim, is_winner=True, declined=True)


@require_safe
def winners(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj = draws_selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    rows = claims_selectors.winners_public_list(promotion=obj)
    if rows is None:
        raise Http404("No draw has been made yet.")
    return brand_page_render(
        request,
        obj.campaign.brand,
        "promotions/claims/winners.html",
        {"campaign": obj.campaign, "promotion": obj, "rows": rows},
    )
