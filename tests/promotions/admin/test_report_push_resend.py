"""Re-sending a report push from admin queues the sending: the marketer's request makes no
HTTP call; the task (run inline by the test settings' sync django-q) delivers and logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.factories import BrandFactory, BrandMembershipFactory
from tests.tracking.conftest import _isolated_stream  # noqa: F401 (autouse: own stream)
from tracking import report_pushes, tasks
from tracking.models import ReportPush

pytestmark = pytest.mark.django_db


@pytest.fixture
def push(receiver) -> ReportPush:
    brand = BrandFactory(slug="nova", timezone="Europe/Paris")
    subscription = report_pushes.report_subscription_create(
        brand_id=brand.pk, url=receiver.url, schedule="daily", level="campaign"
    )
    report_pushes.report_pushes_prepare(now=subscription.next_run_at)
    report_pushes.report_pushes_deliver(now=subscription.next_run_at)
    assert len(receiver.received) == 1
    return ReportPush.objects.get()


@pytest.fixture
def marketer(push) -> Client:
    client = Client()
    client.force_login(BrandMembershipFactory(brand=push.subscription.brand).user)
    return client


def test_the_resend_action_queues_the_push_and_sends_nothing_itself(
    marketer, push, receiver, django_capture_on_commit_callbacks, caplog
):
    # when: the marketer re-sends; the request's transaction has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = marketer.post(
            "/admin/tracking/reportpush/",
            {"action": "resend", "_selected_action": [push.pk]},
            follow=True,
        )

    # then: a pending copy, nothing sent during the request, the message says queued
    assert [str(m) for m in response.context["messages"]] == [
        "Queued 1 report to be re-sent; its delivery log shows how it went."
    ]
    copy = ReportPush.objects.get(resend_of=push)
    assert (copy.state, copy.attempts, copy.body) == ("pending", 0, push.body)
    assert len(receiver.received) == 1
    assert len(queued) == 1

    # when: the transaction commits, the queued task runs (inline with sync django-q)
    with caplog.at_level(logging.INFO, logger="tracking.tasks"):
        queued[0]()

    # then: delivered to the receiver, same bytes, and the outcome logged
    assert len(receiver.received) == 2
    assert receiver.received[1].body == receiver.received[0].body
    copy.refresh_from_db()
    assert (copy.state, copy.attempts) == ("delivered", 1)
    assert f"report push {copy.pk} delivered (attempt 1, HTTP 200" in caplog.text


def test_a_failed_resend_is_logged_and_left_to_the_schedule(push, receiver, caplog):
    copy = report_pushes.report_push_resend(push=push)
    receiver.statuses.append(503)

    with caplog.at_level(logging.INFO, logger="tracking.tasks"):
        outcome = tasks.report_push_send(copy.pk)
        again = tasks.report_push_send(copy.pk)  # a second run finds it leased: nothing sent

    assert (outcome, again) == (True, False)
    copy.refresh_from_db()
    assert (copy.state, copy.attempts) == ("pending", 1)
    assert len(receiver.received) == 2
    assert f"report push {copy.pk} failed (attempt 1, HTTP 503" in caplog.text
