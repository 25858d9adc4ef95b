"""/api/v1/reports/insights/ and /api/v1/events/batch (included from config/api_urls.py)."""

from django.urls import path

from tracking.api.events import EventBatchView
from tracking.api.reports import InsightsView

urlpatterns = [
    path("reports/insights/", InsightsView.as_view(), name="api-insights"),
    path("events/batch", EventBatchView.as_view(), name="api-events-batch"),
]
