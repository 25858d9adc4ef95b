"""Writes for reports that the promotions side starts: a marketer's re-send of a report
push (admin), queued so that no one waits on a partner's server."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from tracking import pushes
from tracking.models import ReportPush


@transaction.atomic
def report_push_resend_enqueue(*, push: ReportPush) -> ReportPush:
    """Copy the push as a new pending push (same body) and queue its sending once this
    transaction commits (``promotions.reports.tasks.report_push_send``); returns the copy.
    Failures are retried by the push schedule like any pending push."""
    resent = pushes.report_push_resend(push=push)
    transaction.on_commit(
        lambda: async_task("promotions.reports.tasks.report_push_send", resent.pk)
    )
    return resent
