"""The hospital portal's pages under hospital/, and the language choice under account/. Mounted
without a namespace, before `procurement.urls`: its `hospital_home` is the hospital start page."""

from django.urls import path

from . import views

urlpatterns = [
    path("hospital/", views.home, name="hospital_home"),
    path("hospital/deliveries/", views.delivery_list, name="hospital_deliveries"),
    path(
        "hospital/deliveries/<int:distribution_id>/",
        views.delivery_detail,
        name="hospital_delivery",
    ),
    path(
        "hospital/deliveries/<int:distribution_id>/confirm/",
        views.delivery_confirm,
        name="hospital_delivery_confirm",
    ),
    path(
        "hospital/deliveries/<int:distribution_id>/use/",
        views.delivery_use,
        name="hospital_delivery_use",
    ),
    path(
        "hospital/deliveries/<int:distribution_id>/report/",
        views.complaint_report_page,
        name="hospital_complaint_report",
    ),
    path("hospital/complaints/", views.complaint_list, name="hospital_complaints"),
    path(
        "hospital/complaints/<int:complaint_id>/",
        views.complaint_detail,
        name="hospital_complaint",
    ),
    path(
        "hospital/complaints/<int:complaint_id>/photo/",
        views.complaint_photo,
        name="hospital_complaint_photo",
    ),
    path("hospital/notices/", views.notice_list, name="hospital_notices"),
    path("hospital/notices/<int:notice_id>/", views.notice_detail, name="hospital_notice"),
    path(
        "hospital/notices/<int:notice_id>/reply/",
        views.notice_answer,
        name="hospital_notice_reply",
    ),
    path(
        "hospital/notices/<int:notice_id>/return/",
        views.notice_return,
        name="hospital_notice_return",
    ),
    path("hospital/stock/", views.stock, name="hospital_stock"),
    path("account/language/", views.language_set, name="language_set"),
]
