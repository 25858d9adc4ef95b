from django.urls import path

from promotions.facebook import views as facebook_views
from promotions.social import views as social_views

app_name = "facebook"

urlpatterns = [
    path("login/", facebook_views.login, name="login"),
    path("callback/", facebook_views.callback, name="callback"),
    path("deauthorize/", facebook_views.deauthorize, name="deauthorize"),
    path("data-deletion/", facebook_views.data_deletion, name="data_deletion"),
    path("webhooks/", social_views.webhooks, name="webhooks"),
    path(
        "data-deletion/<str:code>/",
        facebook_views.data_deletion_status,
        name="data_deletion_status",
    ),
]
