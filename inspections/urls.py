"""The inspector's pages, under /inspections/ (namespace "inspections")."""

from django.urls import path

from . import views

app_name = "inspections"

# The inspector's start page, outside the namespace: the site's navigation names it
# `inspector_home` (`core.pages.ROLE_PAGES`).
start_urlpatterns = [path("inspection/", views.inspector_home, name="inspector_home")]

urlpatterns = [
    path("queue/", views.inspection_queue, name="queue"),
    path("lots/<int:lot_id>/record/", views.inspection_record_page, name="record"),
    path("<int:inspection_id>/", views.inspection_detail, name="detail"),
]
