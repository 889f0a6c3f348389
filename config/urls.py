"""URL map: the ministry admin panel, sign-in, the staff pages and the hospital portal."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "Procurement inspection tracker"
admin.site.site_title = "Ministry panel"
admin.site.index_title = "Supply, quality and recalls"

urlpatterns = [
    # The ministry's reports (lot traceability, recall reports, supplier scorecards): admin pages
    # of their own, mounted before the admin site's URLs.
    path("admin/reports/", include("inspections.reports.urls", namespace="reports")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("inspections/", include("inspections.urls", namespace="inspections")),
    # Before procurement.urls: the portal's hospital_home (hospital/) is the hospital start page.
    path("", include("inspections.portal.urls")),
    # The warehouse's receipt of hospital returns (warehouse/returns/): it needs inspections.
    path("", include("inspections.warehouse")),
    path("", include("procurement.urls")),
]
