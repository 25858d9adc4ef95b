"""Workers checking one Page's token at the same time alert its managers once: the
conditional UPDATE that turns the status bad is won by one of them (PostgreSQL, threads)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection

from promotions.models import BrandMembership, ConnectedPage
from promotions.social import connections
from tests.factories import BrandFactory, BrandMembershipFactory
from tests.factories.promotions import ConnectedPageFactory
from tests.fakes import graph_pages

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_concurrent_checks_of_an_expired_token_alert_once(fake_pages):
    brand = BrandFactory()
    BrandMembershipFactory(brand=brand, role=BrandMembership.Role.MANAGER)
    graph_pages.marketer_add(fake_pages)
    token = graph_pages.page_add(fake_pages, page_id="111", name="Raced Page")
    page = ConnectedPageFactory(brand=brand, page_id="111", access_token=token)
    graph_pages.token_invalidate(fake_pages, token, subcode=463)
    gate = threading.Event()

    def check(_n: int) -> str:
        gate.wait()
        try:
            return connections.connected_page_token_check(connected_page_id=page.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(check, n) for n in range(THREADS)]
        gate.set()
        outcomes = [f.result() for f in futures]

    assert outcomes == ["expired"] * THREADS
    assert len(fake_pages.calls("GET", "/debug_token")) == THREADS
    assert len(mail.outbox) == 1
    assert ConnectedPage.objects.get().token_status == "expired"
