"""The inspector's pages, under /inspections/ (namespace "inspections")."""

from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("queue/", views.inspection_queue, name="queue"),
    path("lots/<int:lot_id>/record/", views.inspection_record_page, name="record"),
    path("<int:inspection_id>/", views.inspection_detail, name="detail"),
]
