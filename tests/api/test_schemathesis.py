"""Schemathesis against the live schema: for every operation, generated requests (valid and
invalid) signed in as a ministry officer, and the checks that matter for a contract: no server
error, only documented status codes and content types, and bodies that match the schema.

The number of cases per operation is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 3) so the
regular suite stays quick; issue 8's security run raises it.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from procurement.models import Role
from tests import factories
from tests.api_helpers import token_client

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection():
    """Calls go through the real WSGI handler, whose request signals close the database
    connection: the test's own, inside its transaction. Django's test client disconnects them
    for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_key(db, _keep_the_test_connection):
    """Some data for the reads to find, and an officer's token to sign the requests with."""
    officer = factories.officer("schema-officer")
    factories.released_lot(actor=officer)
    factories.received_lot()
    return token_client(Role.MINISTRY_OFFICER, name="schemathesis").key


# Loaded at collection through the app itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_contract(case, officer_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_key}"}, checks=CHECKS)
