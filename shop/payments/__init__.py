"""Payments: the Stripe client, its webhooks, refunds, reconciliation with Stripe's API,
and the Conversions API Purchase event of a paid order."""
