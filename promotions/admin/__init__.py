"""The marketer's admin, one module per area. Importing this package registers them all.

``scoping`` is the brand-membership base every ModelAdmin (the shop's too) builds on;
``displays`` holds what the pages share; ``saving`` the way admins create objects through a
service. Admin for tracking's models (API keys, report subscriptions, partner webhooks)
lives here because scoping it needs brand memberships: tracking cannot import promotions,
while promotions may import tracking.
"""

from promotions.admin import (  # noqa: F401  (each module registers its ModelAdmins)
    alerts,
    api_keys,
    brands,
    campaigns,
    claims,
    contests,
    draws,
    entrants,
    entries,
    prizes,
    promotions,
    report_pushes,
    social,
    social_pages,
    webhooks,
)
