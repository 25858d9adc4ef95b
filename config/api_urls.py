"""The partner API, /api/v1/. Each app adds its routes here."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("promotions.api.urls")),
    path("", include("tracking.api.urls")),
]
