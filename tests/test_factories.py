"""Every model of tracking, promotions and shop has a factory in tests/factories/<app>.py,
and each factory makes a valid row (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import factory
import pytest
from django.apps import apps

from tests.factories import promotions as promotions_factories
from tests.factories import shop as shop_factories
from tests.factories import tracking as tracking_factories

FACTORY_MODULES = {
    "tracking": tracking_factories,
    "promotions": promotions_factories,
    "shop": shop_factories,
}


def _factories() -> dict[type, type]:
    """{model: its factory} for the models of each app, from that app's factory module."""
    found = {}
    for label, module in FACTORY_MODULES.items():
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
                model = value._meta.model
                if model is not None and model._meta.app_label == label:
                    found.setdefault(model, value)
    return found


def _models() -> list[type]:
    return [model for label in FACTORY_MODULES for model in apps.get_app_config(label).get_models()]


def test_every_model_has_a_factory():
    factories = _factories()

    missing = [model._meta.label for model in _models() if model not in factories]

    assert missing == [], f"models without a factory in tests/factories/: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", _models(), ids=lambda model: model._meta.label)
def test_the_factory_makes_a_valid_row(model):
    model_factory = _factories().get(model)
    if model_factory is None:
        pytest.fail(f"{model._meta.label} has no factory (see test_every_model_has_a_factory)")

    obj = model_factory()

    obj.full_clean()
    assert model.objects.filter(pk=obj.pk).exists()
