"""URL map: the REST API, the ministry admin panel, sign-in, the staff pages and the hospital
portal."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import pages as core_pages
from core.ratelimit import client_address, login_rate
from inspections.admin.dashboard import admin_index
from inspections.urls import start_urlpatterns as inspection_start_pages

admin.site.site_header = "Procurement inspection tracker"
admin.site.site_title = "Ministry panel"
admin.site.index_title = "Supply, quality and recalls"


# Sign-in is rate-limited per client address and per user name tried (429 past the limit).
login_view = method_decorator(
    [
        ratelimit(key=client_address, rate=login_rate, method="POST", block=True),
        ratelimit(key="post:username", rate=login_rate, method="POST", block=True),
    ],
    name="post",
)(auth_views.LoginView).as_view()

# The API docs (Swagger UI, served by the app from drf-spectacular-sidecar): the split view sends
# the start-up script as a file of its own (?script) instead of inline, so the site's Content
# Security Policy holds; Swagger UI's stylesheet draws its icons from data: URIs, allowed here only.
api_docs_view = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("inspections.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs_view, name="api-docs"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # The panel's start page: the ministry dashboard for officers, the plain index for others.
    path("admin/", admin.site.admin_view(admin_index)),
    # The ministry's reports (lot traceability, recall reports, supplier scorecards): admin pages
    # of their own, mounted before the admin site's URLs.
    path("admin/reports/", include("inspections.reports.urls", namespace="reports")),
    path("admin/", admin.site.urls),
    path("accounts/login/", login_view, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", core_pages.home, name="home"),
    path("", include(inspection_start_pages)),
    path("inspections/", include("inspections.urls", namespace="inspections")),
    # Before procurement.urls: the portal's hospital_home (hospital/) is the hospital start page.
    path("", include("inspections.portal.urls")),
    # The warehouse's receipt of hospital returns (warehouse/returns/): it needs inspections.
    path("", include("inspections.warehouse")),
    path("", include("procurement.urls")),
]

handler404 = "core.api.errors.not_found"
handler500 = "core.api.errors.server_error"
