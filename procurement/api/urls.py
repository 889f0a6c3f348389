"""Procurement's resources under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views, webhooks

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("lots", views.LotViewSet, basename="lot")
router.register("webhooks", webhooks.WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
