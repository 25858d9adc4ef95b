"""The order confirmation email: sent once, resent by the sweep when the mail server refused it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shop.models import Order
from shop.orders.emails import order_confirmation_send
from tests.factories import (
    CodeFactory,
    OfferFactory,
    OrderFactory,
)


def post(client, path: str, body: object, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def buy(client, shop, *, pm: str, quantity: int = 1, email: str = "ana@example.com", **more):
    body = {"items": [{"variant": shop.variant.pk, "quantity": quantity}], "email": email}
    return post(client, "/shop/nova/checkout/", {**body, "payment_method": pm, **more})


def test_a_confirmation_the_mail_server_refused_goes_out_with_the_resend_sweep(
    client, shop, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    from shop import tasks

    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=100), code="ALLFREE")

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    with monkeypatch.context() as down:
        down.setattr(EmailMultiAlternatives, "send", refuse)
        # the queued task fails (tests run tasks in process, so its error surfaces here)
        with (
            pytest.raises(ConnectionRefusedError),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = buy(client, shop, pm="pm_never_used", code="ALLFREE")
    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.status, order.confirmation_sent_at, mailoutbox) == (Order.Status.PAID, None, [])

    too_soon = tasks.order_confirmations_resend(at=order.paid_at + timedelta(minutes=4))
    resent = tasks.order_confirmations_resend(at=order.paid_at + timedelta(minutes=6))
    again = tasks.order_confirmations_resend(at=order.paid_at + timedelta(minutes=16))

    assert (too_soon, resent, again) == (0, 1, 0)
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_a_buyer_who_shops_in_spanish_gets_the_confirmation_in_spanish(
    client, shop, django_capture_on_commit_callbacks, mailoutbox
):
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=100), code="ALLFREE")
    shop.product.title_es = "Funda Nova"
    shop.product.save()

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"

    with django_capture_on_commit_callbacks(execute=True):
        response = buy(client, shop, pm="pm_never_used", code="ALLFREE")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.language == "es"
    assert [line.product_title for line in order.lines.all()] == ["Funda Nova"]
    [email] = mailoutbox
    assert email.subject == f"{shop.brand.name}: tu pedido {order.number}"
    assert email.body.startswith(f"Gracias por tu pedido {order.number} en {shop.brand.name}.")
    assert "Total pagado" in email.body and "Funda Nova" in email.body
    # the order's page opens in Spanish too, in any browser
    assert f"{order.get_absolute_url()}?lang=es\n" in email.body
    assert f'{order.get_absolute_url()}?lang=es"' in email.alternatives[0][0]


@pytest.mark.parametrize(
    ("language", "html", "amounts"),
    [("ar", '<html lang="ar" dir="rtl">', "left"), ("en", '<html lang="en" dir="ltr">', "right")],
)
def test_the_html_confirmation_says_its_language_and_direction(
    shop, mailoutbox, language, html, amounts
):
    order = OrderFactory(brand=shop.brand, language=language, confirmation_sent_at=None)

    assert order_confirmation_send(order_id=order.pk)

    [email] = mailoutbox
    page = email.alternatives[0][0]
    assert page.startswith(f"<!doctype html>\n{html}<body dir=")
    assert f"text-align:{amounts}" in page
