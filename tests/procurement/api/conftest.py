"""What procurement's API tests share: the proof that a list's query count stays flat."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def assert_flat_queries(django_assert_max_num_queries) -> Callable:
    """Call with a client, a list URL and a function adding rows: the list is read with the
    rows there are, rows are added, and the list must then run no more queries than before,
    while showing the new rows (`count_of` reads the row count off the response body)."""

    def check(client, url: str, add_rows: Callable[[], None], count_of: Callable) -> None:
        with CaptureQueriesContext(connection) as few:
            response = client.get(url)
        assert response.status_code == 200, response.content
        rows_before = count_of(response.json())
        add_rows()
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url)
        assert response.status_code == 200
        assert count_of(response.json()) > rows_before

    return check
