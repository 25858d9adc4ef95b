"""Voting for a contest submission."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from promotions.contests import services as contests_services
from promotions.entries import refusals as entries_refusals
from promotions.entries.senders import (
    sender_from_request,
)
from promotions.pages.http import (
    current_person,
    gone_as_410,
    page_error,
    promotion_for_action,
    refusal_response,
    wants_json,
)
from tracking.api.errors import error_response


@require_POST
@gone_as_410
def vote(
    request: HttpRequest, brand: str, campaign: str, promotion: str, submission: int
) -> HttpResponse:
    obj, _preview = promotion_for_action(request, brand, campaign, promotion)
    as_json = wants_json(request)
    person = current_person(request)
    if person is None:
        message = _("Sign in with Facebook or confirm your email address to vote.")
        if as_json:
            return error_response(401, "identity_required", message)
        messages.error(request, message)
        return HttpResponseRedirect(obj.get_absolute_url() + "#take-part")
    target = obj.submissions.filter(pk=submission).first()
    if target is None:
        if as_json:
            return error_response(404, "not_found", _("No such entry in this contest."))
        return page_error(request, obj, 404, _("No such entry in this contest."))
    try:
        contests_services.vote_cast(
            submission=target, person=person, sender=sender_from_request(request)
        )
    except entries_refusals.Refused as refused:
        if as_json:
            return refusal_response(refused)
        messages.error(request, refused.refusals[0].message)
        return HttpResponseRedirect(obj.get_absolute_url() + f"#submission-{target.pk}")
    if as_json:
        return JsonResponse({"submission": target.pk, "votes": target.votes.count()}, status=201)
    messages.success(request, _("Thank you for your vote! You can vote again tomorrow."))
    return HttpResponseRedirect(obj.get_absolute_url() + f"#submission-{target.pk}")
