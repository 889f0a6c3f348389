"""The staff web pages: the start page dispatcher at /, one start page per role, and the
warehouse's distribution planning."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ministry/", views.ministry_home, name="ministry_home"),
    path("inspection/", views.inspector_home, name="inspector_home"),
    path("warehouse/", views.warehouse_home, name="warehouse_home"),
    path("hospital/", views.hospital_home, name="hospital_home"),
    path("warehouse/distribute/", views.distribution_choose, name="distribution_choose"),
    path(
        "warehouse/lots/<int:lot_id>/distribute/",
        views.distribution_plan,
        name="distribution_plan",
    ),
    path("warehouse/distributions/import/", views.distribution_import, name="distribution_import"),
    path(
        "warehouse/distributions/plans/<str:token>/",
        views.distribution_plan_done,
        name="distribution_plan_done",
    ),
    path(
        "warehouse/distributions/plans/<str:token>/notes/",
        views.distribution_plan_notes,
        name="distribution_plan_notes",
    ),
    path(
        "warehouse/distributions/<int:distribution_id>/note/",
        views.distribution_note,
        name="distribution_note",
    ),
]
