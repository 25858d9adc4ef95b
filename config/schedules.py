"""Every periodic task of the service, declared in one place.

`manage.py apply_schedules` makes django-q's Schedule table match this list (by name,
idempotently) and removes schedules that are no longer declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Declared:
    name: str
    func: str
    minutes: int
    kwargs: dict[str, object] = field(default_factory=dict)


SCHEDULES: list[Declared] = [
    Declared(
        name="tracking.api_keys.expire_notice",
        func="tracking.tasks.api_keys_log_expiring",
        minutes=60 * 24,
    ),
    Declared(
        name="tracking.events.consume",
        func="tracking.tasks.events_consume",
        minutes=1,
        kwargs={"seconds": 50},
    ),
    Declared(
        name="tracking.housekeep",
        func="tracking.tasks.tracking_housekeep",
        minutes=60 * 24,
    ),
    Declared(
        name="tracking.reports.push",
        func="tracking.tasks.report_pushes_run",
        minutes=1,
    ),
    Declared(
        name="tracking.webhooks.deliver",
        func="tracking.tasks.webhooks_run",
        minutes=1,
    ),
    Declared(
        name="promotions.alerts.evaluate",
        func="promotions.reports.tasks.alerts_evaluate",
        minutes=1,
    ),
    Declared(
        name="promotions.entries.consume",
        func="promotions.entries.tasks.entries_consume",
        minutes=1,
        kwargs={"seconds": 50},
    ),
    Declared(
        name="promotions.entries.confirmations_resend",
        func="promotions.claims.tasks.entry_confirmations_resend",
        minutes=10,
    ),
    Declared(
        name="promotions.draws.commit_due",
        func="promotions.draws.tasks.draws_commit_due",
        minutes=10,
    ),
    Declared(
        name="promotions.social.tokens.check",
        func="promotions.social.tasks_tokens.connected_pages_token_check",
        minutes=60 * 6,
    ),
    Declared(
        name="promotions.draws.run_due",
        func="promotions.draws.tasks.draws_run_due",
        minutes=1,
    ),
    Declared(
        name="promotions.claims.expire",
        func="promotions.claims.tasks.claims_expire_due",
        minutes=5,
    ),
    Declared(
        name="promotions.claims.notices_resend",
        func="promotions.claims.tasks.claims_notices_resend",
        minutes=10,
    ),
    Declared(
        name="promotions.claims.remind",
        func="promotions.claims.tasks.claims_remind_due",
        minutes=15,
    ),
    Declared(
        name="promotions.claims.purge",
        func="promotions.claims.tasks.claims_data_purge_due",
        minutes=60 * 24,
    ),
    Declared(
        name="shop.reservations.expire",
        func="shop.tasks.reservations_expire",
        minutes=1,
    ),
    Declared(
        name="shop.capi.retry",
        func="shop.tasks.capi_deliveries_retry",
        minutes=1,
    ),
    Declared(
        name="shop.confirmations.resend",
        func="shop.tasks.order_confirmations_resend",
        minutes=10,
    ),
    Declared(
        name="shop.orders.paid_record",
        func="shop.tasks.orders_paid_record_due",
        minutes=10,
    ),
    Declared(
        name="shop.refunds.reconcile",
        func="shop.tasks.refunds_reconcile",
        minutes=15,
    ),
    Declared(
        name="promotions.social.import",
        func="promotions.social.tasks.social_imports_run",
        minutes=5,
    ),
    Declared(
        name="promotions.social.replies",
        func="promotions.social.tasks.social_replies_send_due",
        minutes=1,
    ),
]
