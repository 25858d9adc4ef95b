"""Every shop model has a factory in tests/factories/shop.py, and each makes a valid row."""

from __future__ import annotations

import factory
from django.apps import apps

from tests.factories import shop as shop_factories


def _factories() -> dict[type, type]:
    found = {}
    for value in vars(shop_factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            model = value._meta.model
            if model is not None and model._meta.app_label == "shop":
                found[model] = value
    return found


def test_every_shop_model_has_a_factory_that_makes_a_valid_row(db):
    factories = _factories()

    assert set(apps.get_app_config("shop").get_models()) == set(factories)
    for model, model_factory in factories.items():
        obj = model_factory()
        obj.full_clean()
        assert model.objects.filter(pk=obj.pk).exists(), model.__name__
