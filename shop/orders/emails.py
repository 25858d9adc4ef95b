"""The order confirmation email, sent once per paid order."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from promotions.campaigns.languages import content_fallback, path_in_language
from shop.models import Order
from tracking.site import site_url


def order_confirmation_send(*, order_id: int) -> bool:
    """Email the buyer their order in the order's language, once (a retried task sends
    nothing more)."""
    now = timezone.now()
    if not Order.objects.filter(
        pk=order_id,
        confirmation_sent_at__isnull=True,
        status__in=[Order.Status.PAID, Order.Status.REFUNDED],
    ).update(confirmation_sent_at=now):
        return False
    order = Order.objects.select_related("brand").prefetch_related("lines").get(pk=order_id)
    try:
        language = order.language or order.brand.language
        with translation.override(language), content_fallback(order.brand.language):
            # The order's page opens in the email's language, in any browser.
            order_url = site_url() + path_in_language(order.get_absolute_url(), language)
            context = {"order": order, "brand": order.brand, "order_url": order_url}
            subject = _("%(brand)s: your order %(number)s") % {
                "brand": order.brand.name,
                "number": order.number,
            }
            text = render_to_string("shop/email/order_confirmation.txt", context)
            html = render_to_string("shop/email/order_confirmation.html", context)
        message = EmailMultiAlternatives(subject, text, to=[order.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        Order.objects.filter(pk=order_id).update(confirmation_sent_at=None)
        raise
    return True
