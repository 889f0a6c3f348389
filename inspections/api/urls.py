"""Inspections' resources under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("inspection-plans", views.InspectionPlanViewSet, basename="inspection-plan")
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("recalls", views.RecallViewSet, basename="recall")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("returns", views.HospitalReturnViewSet, basename="hospital-return")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("supplier-levels", views.SupplierLevelViewSet, basename="supplier-level")

urlpatterns = router.urls
