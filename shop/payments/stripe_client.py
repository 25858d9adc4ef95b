"""The only module that imports ``stripe``: PaymentIntents, refunds and webhook signatures.

The client is built per call from settings (``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE``),
so tests point it at a localstripe server and nothing global is mutated. Stripe's errors
are turned into ours: ``CardDeclined`` (the customer's card said no; show the message),
``StripeRefused`` (Stripe understood the request and will not do it: a refund it will not
make, a payment it will not start), ``StripeOutcomeUnknown`` (no answer: a timeout, a lost
connection, Stripe's own 5xx; the request may have been carried out; for a payment, also any
other error after an attempt that may have reached Stripe) and ``StripeUnavailable``
(anything else; nothing was done, retry later).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
import stripe
import urllib3
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20
CREATE_ATTEMPTS = 3  # a payment's first try and two more, as the client does elsewhere
CREATE_RETRY_SECONDS = 0.25  # then 0.5


class CardDeclined(Exception):
    def __init__(self, message: str, code: str = "card_declined") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request for a reason not the customer's."""


class StripeRefused(StripeUnavailable):
    """Stripe understood the request and will not do it (a refund of more than is left, a
    charge already refunded): trying again changes nothing."""


class StripeOutcomeUnknown(StripeUnavailable):
    """An attempt reached Stripe and its answer never came back, and no later attempt
    brought one (every retry unanswered too, or refused for a reason of its own: a rate
    limit): Stripe may have made the payment."""


class BadSignature(Exception):
    pass


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    client_secret: str
    amount: int
    currency: str


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount: int
    currency: str
    payment_intent: str


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeUnavailable("STRIPE_SECRET_KEY is not configured.")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def _intent(obj: Any) -> Intent:
    return Intent(
        id=obj.id,
        status=obj.status,
        client_secret=obj.client_secret or "",
        amount=int(obj.amount),
        currency=str(obj.currency).upper(),
    )


def _unavailable(exc: stripe.StripeError, action: str) -> StripeUnavailable:
    logger.error("stripe: %s failed: %s (%s)", action, exc.user_message, type(exc).__name__)
    return StripeUnavailable(f"{action}: {exc.user_message or type(exc).__name__}")


def _never_sent(exc: stripe.StripeError) -> bool:
    """Whether the request never left: no connection could be made (refused, timed out
    connecting). A read timeout or a dropped answer may follow a payment Stripe made."""
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        reason = getattr(cause.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


def payment_intent_create_confirmed(
    *,
    amount: int,
    currency: str,
    payment_method: str,
    idempotency_key: str,
    metadata: dict[str, str],
) -> Intent:
    """Create and confirm a PaymentIntent with a PaymentMethod made by the browser.

    Server-side confirmation: the intent is created with ``confirm=True``; when its card
    asks for 3-D Secure it comes back ``requires_action`` and the page finishes it with
    stripe.js (``confirmCardPayment``). A decline raises ``CardDeclined``.
    """
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": metadata,
    }
    client = _client()
    # Our own retries (the client's would hide whether an attempt got through): the same
    # idempotency key each time, so Stripe makes the payment once however many arrive.
    options: Any = {"idempotency_key": idempotency_key, "max_network_retries": 0}
    reached = False
    for attempt in range(CREATE_ATTEMPTS):
        try:
            obj = client.v1.payment_intents.create(params=params, options=options)  # type: ignore[arg-type]
            break
        except stripe.CardError as exc:
            message = exc.user_message or "Your card was declined."
            raise CardDeclined(message, exc.code or "") from exc
        except stripe.InvalidRequestError as exc:  # an unknown or used PaymentMethod, say
            logger.warning("stripe: payment_intent.create refused: %s", exc.user_message)
            raise StripeRefused(f"payment_intent.create: {exc.user_message or 'refused'}") from exc
        except (stripe.APIConnectionError, stripe.APIError) as exc:
            reached = reached or not _never_sent(exc)
            if attempt + 1 == CREATE_ATTEMPTS:
                if reached:  # an attempt got to Stripe and no answer came back
                    logger.error("stripe: payment_intent.create: no answer: %s", exc)
                    raise StripeOutcomeUnknown(f"payment_intent.create: {exc}") from exc
                raise _unavailable(exc, "payment_intent.create") from exc
            time.sleep(CREATE_RETRY_SECONDS * 2**attempt)
        except stripe.StripeError as exc:  # a rate limit, say: this attempt was not carried out
            if reached:  # but an earlier one may have been, and its answer was lost
                logger.error("stripe: payment_intent.create: no answer, then: %s", exc)
                raise StripeOutcomeUnknown(f"payment_intent.create: {exc}") from exc
            raise _unavailable(exc, "payment_intent.create") from exc
    return _intent(obj)


def payment_intent_retrieve(intent_id: str) -> Intent:
    try:
        return _intent(_client().v1.payment_intents.retrieve(intent_id))
    except stripe.StripeError as exc:
        raise _unavailable(exc, "payment_intent.retrieve") from exc


def payment_intent_cancel(intent_id: str) -> Intent:
    """Cancel an intent; when Stripe refuses (it succeeded or is processing meanwhile),
    return its current state instead of raising."""
    client = _client()
    try:
        return _intent(client.v1.payment_intents.cancel(intent_id))
    except stripe.InvalidRequestError:
        pass  # not cancelable in its state: say which state it is in
    except stripe.StripeError as exc:
        raise _unavailable(exc, "payment_intent.cancel") from exc
    return payment_intent_retrieve(intent_id)


def _refund(obj: Any) -> RefundInfo:
    return RefundInfo(
        id=obj.id,
        status=obj.status,
        amount=int(obj.amount),
        currency=str(obj.currency).upper(),
        payment_intent=getattr(obj, "payment_intent", None) or "",
    )


def refund_create(
    *, payment_intent: str, amount: int, idempotency_key: str, metadata: dict[str, str]
) -> RefundInfo:
    try:
        obj = _client().v1.refunds.create(
            params={"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.InvalidRequestError as exc:
        logger.error("stripe: refund.create refused: %s", exc.user_message)
        raise StripeRefused(f"refund.create: {exc.user_message or 'refused'}") from exc
    except stripe.StripeError as exc:
        raise _unavailable(exc, "refund.create") from exc
    return _refund(obj)


def refund_retrieve(refund_id: str) -> RefundInfo:
    try:
        return _refund(_client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as exc:
        raise _unavailable(exc, "refund.retrieve") from exc


def webhook_event_construct(*, payload: bytes, signature: str) -> dict[str, Any]:
    """The verified event as plain data; ``BadSignature`` for anything not signed by Stripe
    with ``STRIPE_WEBHOOK_SECRET`` (or too old: Stripe's 5-minute tolerance)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise BadSignature("STRIPE_WEBHOOK_SECRET is not configured.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc)) from exc
    except ValueError as exc:  # the body is not JSON
        raise BadSignature(f"Malformed payload: {exc}") from exc
    data: dict[str, Any] = event.to_dict(for_json=True)
    return data
