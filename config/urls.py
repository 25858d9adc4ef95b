from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(views.admin_view_on_site),
        name="admin-view-on-site",
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("p/", include("promotions.urls")),
    path("live/", include("promotions.reports.live_urls")),
    path("t/", include("tracking.urls")),
    path("facebook/", include("promotions.facebook.urls")),
    path("shop/", include("shop.urls")),
    # Last: every other path under /api/ is the API's JSON 404, whatever DEBUG says.
    re_path(r"^api/(?P<rest>.*)$", views.api_not_found, name=views.API_NOT_FOUND),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
