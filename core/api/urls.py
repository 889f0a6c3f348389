"""core's resources under /api/v1/: webhook subscriptions."""

from rest_framework.routers import DefaultRouter

from . import webhooks

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("webhooks", webhooks.WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
