"""The partner API, /api/v1/. Each app adds its routes here."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
