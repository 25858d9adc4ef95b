"""Offers in admin: codes generated and imported, products of the offer's brand only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.admin.offers import CodeAdmin, OfferAdmin
from shop.admin.orders import OrderAdmin
from shop.checkout.selectors import CartItem
from shop.checkout.services import order_create
from shop.errors import CodeRefused
from shop.models import Code, Offer, Order
from tests.admin_forms import changeform_data
from tests.factories import (
    BrandFactory,
    CodeFactory,
    OfferFactory,
    ProductFactory,
)


def test_codes_are_generated_and_imported(admin_client, shop):
    offer = OfferFactory(brand=shop.brand)
    CodeFactory(offer=offer, code="TAKEN")
    url = f"/admin/shop/offer/{offer.pk}/codes/"

    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"generate": "1", "count": 25, "code_prefix": "nova"})
    upload = SimpleUploadedFile("codes.csv", b"code,email\nFILE-1,a@x\nFILE-2,b@x\n")
    response = admin_client.post(
        url,
        {"import": "1", "codes": "paste-1, paste-2\nTAKEN bad!code", "file": upload},
        follow=True,
    )

    codes = set(Code.objects.filter(offer=offer).values_list("code", flat=True))
    generated = {c for c in codes if c.startswith("NOVA-")}
    assert len(generated) == 25
    assert codes - generated == {"TAKEN", "PASTE-1", "PASTE-2", "FILE-1", "FILE-2"}
    assert all(len(c) == len("NOVA-") + 8 for c in generated)
    assert set(Code.objects.filter(offer=offer).values_list("max_uses", flat=True)) == {1}
    html = response.content.decode()
    assert "4 codes imported." in html
    assert "Already used in this brand, skipped: TAKEN" in html
    assert "skipped: bad!code" in html  # reported as typed


def test_offer_products_must_be_the_brands(admin_client, shop):
    foreign = ProductFactory(brand=BrandFactory(), title="Foreign thing")

    response = admin_client.post(
        "/admin/shop/offer/add/",
        {
            "brand": shop.brand.pk,
            "name": "Bad",
            "is_active": "on",
            "kind": "percent",
            "percent_off": 10,
            "products": [foreign.pk],
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2026-12-31",
            "ends_at_1": "00:00:00",
            "code_type": "unique",
            "max_per_customer": 1,
        },
    )

    assert response.status_code == 200
    assert "Not products of this brand: Foreign thing." in response.content.decode()
    assert Offer.objects.count() == 0


def _checkout(shop, code):
    return order_create(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=1)],
        email=f"{code.lower()}@example.com",
        code_text=code,
    )


def test_saving_an_offer_keeps_the_redemptions_counted_meanwhile(admin_client, shop, monkeypatch):
    # given: a cap of one, and a customer's checkout that commits after the marketer's
    # page loaded the offer and before it is saved (PostgreSQL reads without a lock)
    offer = OfferFactory(brand=shop.brand, max_redemptions=1, max_per_customer=None)
    CodeFactory(offer=offer, code="RACE-A")
    CodeFactory(offer=offer, code="RACE-B")
    url = f"/admin/shop/offer/{offer.pk}/change/"
    data = changeform_data(admin_client.get(url), name="Renamed")
    save_model = OfferAdmin.save_model

    def checkout_meanwhile(self, request, obj, form, change):
        _checkout(shop, "RACE-A")
        save_model(self, request, obj, form, change)

    monkeypatch.setattr(OfferAdmin, "save_model", checkout_meanwhile)
    saved = admin_client.post(url, data)
    monkeypatch.undo()

    # then: the rename is saved, the redemption still counted, and the cap holds
    offer.refresh_from_db()
    assert saved.status_code == 302
    assert (offer.name, offer.redemptions_count) == ("Renamed", 1)
    with pytest.raises(CodeRefused):
        _checkout(shop, "RACE-B")
    assert Order.objects.filter(redemption__offer=offer).count() == 1


def test_a_cap_below_what_orders_already_hold_is_a_form_error(admin_client, shop):
    offer = OfferFactory(brand=shop.brand, max_redemptions=5, max_per_customer=None)
    for n in range(3):
        CodeFactory(offer=offer, code=f"LOW-{n}")
        _checkout(shop, f"LOW-{n}")
    url = f"/admin/shop/offer/{offer.pk}/change/"

    response = admin_client.post(url, changeform_data(admin_client.get(url), max_redemptions="2"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_redemptions"] == [
        "3 orders already hold or used this offer: the cap cannot be lower. "
        "Untick “Is active” to stop it now."
    ]
    assert Offer.objects.get(pk=offer.pk).max_redemptions == 5


def test_saving_a_code_or_an_order_page_writes_nothing_back(admin_client, shop, monkeypatch):
    offer = OfferFactory(brand=shop.brand, max_redemptions=None, max_per_customer=None)
    code = CodeFactory(offer=offer, code="SAVE-1", max_uses=5)
    order = _checkout(shop, "SAVE-1")
    code_url = f"/admin/shop/code/{code.pk}/change/"
    order_url = f"/admin/shop/order/{order.pk}/change/"
    code_data = changeform_data(admin_client.get(code_url))
    order_page = admin_client.get(order_url)
    order_data = changeform_data(order_page)

    def meanwhile(save_model, change):  # a service moves it while admin saves its copy
        def wrapped(self, request, obj, form, changed):
            change()
            save_model(self, request, obj, form, changed)

        return wrapped

    def used_again() -> None:
        Code.objects.filter(pk=code.pk).update(times_used=2)

    def paid() -> None:
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)

    monkeypatch.setattr(CodeAdmin, "save_model", meanwhile(CodeAdmin.save_model, used_again))
    monkeypatch.setattr(OrderAdmin, "save_model", meanwhile(OrderAdmin.save_model, paid))
    saved = (admin_client.post(code_url, code_data), admin_client.post(order_url, order_data))

    assert [r.status_code for r in saved] == [302, 302]
    assert Code.objects.get(pk=code.pk).times_used == 2
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_an_offer_keeps_its_brand_and_its_codes_stay_with_it(admin_client, shop):
    # given an offer of Nova with a code, and another brand
    other = BrandFactory(slug="other")
    offer = OfferFactory(brand=shop.brand)
    CodeFactory(offer=offer, code="MOVE-1")
    url = f"/admin/shop/offer/{offer.pk}/change/"
    page = admin_client.get(url)

    # when its change form is posted naming the other brand
    saved = admin_client.post(url, changeform_data(page, brand=str(other.pk), name="Renamed"))

    # then the rest is saved, the brand is not (its field is shown disabled)
    assert saved.status_code == 302
    offer.refresh_from_db()
    assert (offer.name, offer.brand_id) == ("Renamed", shop.brand.pk)
    assert Code.objects.get(code="MOVE-1").brand_id == shop.brand.pk
    assert page.context["adminform"].form.fields["brand"].disabled
