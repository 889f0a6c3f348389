"""In CI the suite must run against the real services, never quietly without them."""

import os

import pytest
from django.db import connection

from tests.conftest import IN_CI


@pytest.mark.skipif(not IN_CI, reason="only CI insists on PostgreSQL")
def test_ci_runs_the_suite_on_postgresql(db):
    assert connection.vendor == "postgresql", "CI must set DATABASE_URL to PostgreSQL"


@pytest.mark.skipif(not IN_CI, reason="only CI insists on Redis")
def test_ci_points_celery_at_redis():
    assert os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
