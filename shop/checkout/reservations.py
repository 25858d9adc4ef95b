"""What a pending order holds: its stock and its code's uses, taken and given back.

Every "at most N" is one conditional UPDATE on the single row that holds the count
(``... WHERE stock >= n``, ``... WHERE redemptions_count < max_redemptions``), inside the
transaction that creates the order, in one fixed order (variants by id, then offer, code,
customer usage) so concurrent checkouts never deadlock. Losing the race rolls the whole
order back. Only the transaction that moves an order out of ``pending`` releases it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from shop.errors import CodeRefused
from shop.models import Code, Offer, OfferCustomerUsage, Order, OrderLine, Redemption, Variant


def stock_take(*, variant_id: int, quantity: int) -> bool:
    """Take ``quantity`` units if that many are left (one conditional UPDATE)."""
    return bool(
        Variant.objects.filter(pk=variant_id, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
    )


def redemption_hold(*, offer: Offer, code: Code, customer: str) -> None:
    """Count one use on the offer, the code and the customer, or refuse; each is one
    conditional UPDATE, so concurrent checkouts can never pass a cap together."""
    if not Offer.objects.filter(
        Q(max_redemptions__isnull=True) | Q(redemptions_count__lt=F("max_redemptions")),
        pk=offer.pk,
    ).update(redemptions_count=F("redemptions_count") + 1):
        raise CodeRefused(
            _("This offer has been fully redeemed."), code="offer_used_up", status=409
        )
    if not Code.objects.filter(
        Q(max_uses__isnull=True) | Q(times_used__lt=F("max_uses")), pk=code.pk
    ).update(times_used=F("times_used") + 1):
        raise CodeRefused(_("This code has already been used."), code="code_used", status=409)
    OfferCustomerUsage.objects.bulk_create(
        [OfferCustomerUsage(offer=offer, customer_key=customer, uses=0)], ignore_conflicts=True
    )
    usage = OfferCustomerUsage.objects.filter(offer=offer, customer_key=customer)
    if offer.max_per_customer is not None:
        usage = usage.filter(uses__lt=offer.max_per_customer)
    if not usage.update(uses=F("uses") + 1):
        raise CodeRefused(
            _("You have already used this code."), code="code_used_by_customer", status=409
        )


def holds_release(*, order: Order) -> None:
    """Give back the stock and the code use an order holds (caller moved it out of pending)."""
    for line in sorted(order.lines.all(), key=lambda line: line.variant_id):
        Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") + line.quantity)
    redemption = Redemption.objects.filter(order=order, status=Redemption.Status.HELD).first()
    if redemption is not None:
        Offer.objects.filter(pk=redemption.offer_id, redemptions_count__gt=0).update(
            redemptions_count=F("redemptions_count") - 1
        )
        Code.objects.filter(pk=redemption.code_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
        OfferCustomerUsage.objects.filter(
            offer_id=redemption.offer_id, customer_key=redemption.customer_key, uses__gt=0
        ).update(uses=F("uses") - 1)
        redemption.status = Redemption.Status.RELEASED
        redemption.save(update_fields=["status"])
    Order.objects.filter(pk=order.pk).update(stock_released=True)
    order.stock_released = True


@dataclass(frozen=True)
class Retake:
    """What a released order could not take again when it was paid after all."""

    sold_out: list[OrderLine]  # lines whose units were sold meanwhile: not taken
    code_refused: str  # why its code's use was not counted again (``code_used``...), or ''

    @property
    def complete(self) -> bool:
        return not self.sold_out and not self.code_refused


def holds_retake(*, order: Order) -> Retake:
    """Take again what a released order held (a payment that succeeded after all): each
    line's units that are still there, and its code's use where the code still allows it;
    each apart, so that a code used meanwhile leaves no units on sale that were paid for."""
    sold_out = [
        line
        for line in sorted(order.lines.all(), key=lambda line: line.variant_id)
        if not stock_take(variant_id=line.variant_id, quantity=line.quantity)
    ]
    code_refused = ""
    redemption = Redemption.objects.filter(order=order).first()
    if redemption is not None:
        try:
            with transaction.atomic():  # a refusal gives back the counts taken before it
                redemption_hold(
                    offer=redemption.offer, code=redemption.code, customer=redemption.customer_key
                )
        except CodeRefused as exc:
            code_refused = exc.code
        else:
            redemption.status = Redemption.Status.HELD
            redemption.save(update_fields=["status"])
    if not sold_out:  # with a line sold out, the order still does not hold all its units
        Order.objects.filter(pk=order.pk).update(stock_released=False)
        order.stock_released = False
    return Retake(sold_out=sold_out, code_refused=code_refused)
