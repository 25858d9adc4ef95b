from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("<slug:brand>/", views.shop_home, name="home"),
    path("<slug:brand>/checkout/", views.checkout, name="checkout"),
    path("<slug:brand>/quote/", views.quote, name="quote"),
    path("<slug:brand>/orders/<uuid:token>/", views.order_page, name="order"),
    path("<slug:brand>/<slug:product>/", views.product_page, name="product"),
]
