"""The staff web pages of the supply side: the ministry and warehouse start pages and the
warehouse's distribution planning. The dispatcher at / is `core.pages.home`; the inspector's
start page and the hospital portal are in `inspections`."""

from django.urls import path

from . import views

urlpatterns = [
    path("ministry/", views.ministry_home, name="ministry_home"),
    path("warehouse/", views.warehouse_home, name="warehouse_home"),
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
