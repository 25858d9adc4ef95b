"""/live/<brand>/<campaign>/: the live wall (included from config/urls.py)."""

from django.urls import path

from promotions.reports import live

app_name = "live"

urlpatterns = [
    path("<slug:brand>/<slug:campaign>/", live.wall, name="wall"),
    path("<slug:brand>/<slug:campaign>/snapshot.json", live.snapshot, name="snapshot"),
]
