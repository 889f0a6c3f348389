"""Paging: numbered pages for the short lists, cursors for the long ones (movements,
distributions, notices, events), where an offset would slow down as the table grows and rows
added meanwhile would shift the pages."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPage(CursorPagination):
    """Newest first by id: ids only grow, so a cursor never skips or repeats a row."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
