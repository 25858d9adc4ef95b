from django.urls import path, re_path

from tracking import views

app_name = "tracking"

urlpatterns = [
    path("i", views.capture, name="beacon"),
    path("i.gif", views.capture, name="pixel"),
    re_path(r"^c/(?P<rest>.+)$", views.capture, name="click"),
]
