"""/api/v1/reports/insights/, reports/subscriptions/, events/batch, webhooks/ (from
config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tracking.api.events import EventBatchView
from tracking.api.insights import InsightsView
from tracking.api.subscriptions import ReportSubscriptionViewSet
from tracking.api.webhooks import WebhookSubscriptionViewSet

router = SimpleRouter()
router.register(
    "reports/subscriptions", ReportSubscriptionViewSet, basename="api-report-subscription"
)
router.register("webhooks", WebhookSubscriptionViewSet, basename="api-webhook")

urlpatterns = [
    path("reports/insights/", InsightsView.as_view(), name="api-insights"),
    path("events/batch", EventBatchView.as_view(), name="api-events-batch"),
    *router.urls,
]
