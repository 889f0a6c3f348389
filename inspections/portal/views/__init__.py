"""The hospital portal's pages, by subject: `home` (the start page, stock on hand, the language
choice), `deliveries`, `complaints` and `notices` (recall notices, the reply card, returns).
Every page is for hospital staff and shows only their hospitals' records (`common.portal_page`).
"""

from .common import (
    ACTION_ROWS_SHOWN,
    COMPLAINTS_PER_PAGE,
    DELIVERIES_PER_PAGE,
    NOTICES_PER_PAGE,
    PAGE,
    PHOTO_CONTENT_TYPES,
    RECENT_DELIVERIES,
    portal_page,
    render_portal,
)
from .complaints import complaint_detail, complaint_list, complaint_photo, complaint_report_page
from .deliveries import delivery_confirm, delivery_detail, delivery_list, delivery_use
from .home import home, language_set, stock
from .notices import notice_answer, notice_detail, notice_list, notice_return

__all__ = [
    "ACTION_ROWS_SHOWN",
    "COMPLAINTS_PER_PAGE",
    "DELIVERIES_PER_PAGE",
    "NOTICES_PER_PAGE",
    "PAGE",
    "PHOTO_CONTENT_TYPES",
    "RECENT_DELIVERIES",
    "complaint_detail",
    "complaint_list",
    "complaint_photo",
    "complaint_report_page",
    "delivery_confirm",
    "delivery_detail",
    "delivery_list",
    "delivery_use",
    "home",
    "language_set",
    "notice_answer",
    "notice_detail",
    "notice_list",
    "notice_return",
    "portal_page",
    "render_portal",
    "stock",
]
