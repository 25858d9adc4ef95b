from django.urls import path

from promotions.claims import views as claims_views
from promotions.contests import views as contests_views
from promotions.draws import views as draws_views
from promotions.pages import views as pages_views

app_name = "promotions"

_P = "<slug:brand>/<slug:campaign>/<slug:promotion>/"

urlpatterns = [
    path("<slug:brand>/<slug:campaign>/", pages_views.hub, name="hub"),
    path(_P, pages_views.tab, name="tab"),
    path(_P + "rules/", pages_views.rules, name="rules"),
    path(_P + "enter/", pages_views.enter, name="enter"),
    path(_P + "identify/", pages_views.identify, name="identify"),
    path(_P + "verify/", pages_views.verify, name="verify"),
    path(_P + "sign-out/", pages_views.sign_out, name="sign_out"),
    path(_P + "submissions/<int:submission>/vote/", contests_views.vote, name="vote"),
    path(_P + "draws/<int:draw>/", draws_views.draw_certificate, name="draw"),
    path(_P + "draws/<int:draw>.json", draws_views.draw_export, name="draw_export"),
    path(_P + "winners/", claims_views.winners, name="winners"),
    path(_P + "claim/<str:token>/", claims_views.claim, name="claim"),
]
