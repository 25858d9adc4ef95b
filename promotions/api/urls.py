"""/api/v1/campaigns/ and /api/v1/promotions/ (included from config/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from promotions.api.views import CampaignViewSet, PromotionViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("promotions", PromotionViewSet, basename="api-promotion")

urlpatterns = router.urls
