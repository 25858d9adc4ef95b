"""The admin's "view on site" shortcut (/admin/r/<ct>/<id>/) follows brand scoping."""

from django.contrib.contenttypes.models import ContentType

from promotions.models import Promotion


def test_view_on_site_redirects_to_the_own_brands_page_only(client, manager, alpha, bravo):
    content_type = ContentType.objects.get_for_model(Promotion)
    client.force_login(manager)

    own = client.get(f"/admin/r/{content_type.pk}/{alpha.promotion.pk}/")
    other = client.get(f"/admin/r/{content_type.pk}/{bravo.promotion.pk}/")
    unknown_type = client.get(f"/admin/r/999999/{alpha.promotion.pk}/")

    assert own.status_code == 302
    assert own["Location"].endswith(alpha.promotion.get_absolute_url())
    assert other.status_code == 404
    assert unknown_type.status_code == 404


def test_view_on_site_needs_a_staff_login(client, alpha):
    content_type = ContentType.objects.get_for_model(Promotion)

    response = client.get(f"/admin/r/{content_type.pk}/{alpha.promotion.pk}/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
