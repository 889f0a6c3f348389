"""Procurement's resources under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("products", views.ProductViewSet, basename="product")
router.register("standards", views.StandardViewSet, basename="standard")
router.register("hospitals", views.HospitalViewSet, basename="hospital")
router.register("orders", views.PurchaseOrderViewSet, basename="order")
router.register("shipments", views.ShipmentViewSet, basename="shipment")
router.register("lots", views.LotViewSet, basename="lot")
router.register("distributions", views.DistributionViewSet, basename="distribution")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")
router.register("supplier-returns", views.SupplierReturnViewSet, basename="supplier-return")

urlpatterns = router.urls
