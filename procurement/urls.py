"""The staff web pages: the start page dispatcher at / and one start page per role."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ministry/", views.ministry_home, name="ministry_home"),
    path("inspection/", views.inspector_home, name="inspector_home"),
    path("warehouse/", views.warehouse_home, name="warehouse_home"),
    path("hospital/", views.hospital_home, name="hospital_home"),
]
