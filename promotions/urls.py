from django.urls import path

from promotions import views

app_name = "promotions"

_P = "<slug:brand>/<slug:campaign>/<slug:promotion>/"

urlpatterns = [
    path("<slug:brand>/<slug:campaign>/", views.hub, name="hub"),
    path(_P, views.tab, name="tab"),
    path(_P + "rules/", views.rules, name="rules"),
    path(_P + "enter/", views.enter, name="enter"),
    path(_P + "identify/", views.identify, name="identify"),
    path(_P + "verify/", views.verify, name="verify"),
    path(_P + "sign-out/", views.sign_out, name="sign_out"),
    path(_P + "submissions/<int:submission>/vote/", views.vote, name="vote"),
    path(_P + "draws/<int:draw>/", views.draw_certificate, name="draw"),
    path(_P + "draws/<int:draw>.json", views.draw_export, name="draw_export"),
]
