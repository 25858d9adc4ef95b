"""Consumers for the promotion tests: a phone browser's client, signed in or not."""

from __future__ import annotations

import pytest
from django.test import Client

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def make_consumer() -> Client:
    return Client(headers={"user-agent": PHONE_UA})


@pytest.fixture
def consumer() -> Client:
    """A phone browser that has signed in as nobody yet."""
    return make_consumer()


def sign_in(client: Client, person) -> Client:
    session = client.session
    session["promotions.person"] = person.pk
    session.save()
    return client


ENTRY_FORM = {
    "name": "Camille Martin",
    "birth_date": "1994-03-08",
    "country": "FR",
    "accept_rules": "on",
    "accept_privacy": "on",
    "accept_facebook": "on",
}
ENTRY_JSON = {
    "name": "Camille Martin",
    "birth_date": "1994-03-08",
    "country": "FR",
    "accept_rules": True,
    "accept_privacy": True,
    "accept_facebook": True,
}
