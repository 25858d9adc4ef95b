from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("<slug:brand>/<slug:campaign>/", views.hub, name="hub"),
    path("<slug:brand>/<slug:campaign>/<slug:promotion>/", views.tab, name="tab"),
    path("<slug:brand>/<slug:campaign>/<slug:promotion>/rules/", views.rules, name="rules"),
]
