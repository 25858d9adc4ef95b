"""What the shop refuses, with a code and a message a customer can read.

Views answer them with ``tracking.api.errors.error_response`` and ``status``.
"""

from __future__ import annotations


class ShopError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}


class CartInvalid(ShopError):
    """The cart names something that cannot be bought (unknown, off sale, too many)."""


class SoldOut(ShopError):
    status = 409
    code = "sold_out"


class CodeRefused(ShopError):
    """The code cannot be used: ``code`` says why (code_unknown, code_expired, ...)."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message, code=code, fields={"code": [message]})
        self.status = status


class CheckoutInProgress(ShopError):
    status = 409
    code = "checkout_in_progress"


class TooManyAttempts(ShopError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PaymentDeclined(ShopError):
    status = 402
    code = "card_declined"


class PaymentRefused(ShopError):
    """Stripe would not start the payment (an unknown or used card token): nothing was
    charged, and trying the same again will not help."""

    code = "payment_refused"


class PaymentUnavailable(ShopError):
    status = 503
    code = "payment_unavailable"


class RefundRefused(ShopError):
    code = "refund_refused"
