"""Offers in admin: codes generated and imported, products of the offer's brand only."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from shop.models import Code, Offer
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
