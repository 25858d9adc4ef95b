"""/api/v1/campaigns/, promotions/ and entries/ (included from config/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from promotions.api.entries import EntryViewSet
from promotions.api.views import CampaignViewSet, PromotionViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("promotions", PromotionViewSet, basename="api-promotion")
router.register("entries", EntryViewSet, basename="api-entry")

urlpatterns = router.urls
