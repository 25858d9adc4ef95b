"""``/facebook/webhooks/``: Facebook's subscription handshake and its signed deliveries."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from promotions.facebook import client
from promotions.social.webhooks import (
    MalformedDelivery,
    webhook_body_parse,
    webhook_delivery_receive,
)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """GET: echo ``hub.challenge`` when ``hub.verify_token`` matches (403 otherwise).
    POST: 403 without a valid ``X-Hub-Signature-256`` (nothing stored), 400 for a body
    that is not a delivery, else 200 once it is stored (processed in the background)."""
    if request.method == "GET":
        mode = request.GET.get("hub.mode", "")
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if mode != "subscribe" or not challenge or not client.webhook_verify_token_valid(token):
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    raw = request.body
    if not client.webhook_signature_valid(raw, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponse("Bad signature", status=403, content_type="text/plain")
    try:
        webhook_body_parse(raw)
    except MalformedDelivery as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    webhook_delivery_receive(raw=raw)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")
