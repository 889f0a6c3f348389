"""Schemathesis against the live schema: for every operation, generated requests (valid and
invalid) signed in with an API token, and the checks that matter for a contract: no server
error, only documented status codes and content types, and bodies that match the schema.

The regular suite signs in as a ministry officer with a few cases per operation
(SCHEMATHESIS_MAX_EXAMPLES, default 3). `make security` raises the cases to 50 and runs the
whole API also as an inspector and as a hospital's staff (SCHEMATHESIS_ROLES, comma-separated
role names), whose refusals (403, 404) must be as well-formed as the officer's answers.
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
from core.roles import Role
from procurement import services as procurement
from tests import factories
from tests.api_helpers import token_client

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
TOKEN_ROLES = [
    role.strip()
    for role in os.environ.get("SCHEMATHESIS_ROLES", Role.MINISTRY_OFFICER).split(",")
    if role.strip()
]
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


@pytest.fixture(params=TOKEN_ROLES, ids=lambda role: role.replace(" ", "-"))
def api_key(request, db, _keep_the_test_connection):
    """Some data for the reads to find (a delivery at the hospital a hospital token is bound
    to), and a token of the role to sign the requests with."""
    role = request.param
    assert role in Role.values, f"SCHEMATHESIS_ROLES: unknown role {role!r}"
    officer = factories.officer("schema-officer")
    lot = factories.released_lot(actor=officer)
    factories.received_lot()
    hospital = factories.HospitalFactory()
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    hospitals = [hospital] if role == Role.HOSPITAL_STAFF else []
    return token_client(role, hospitals=hospitals, name=f"schemathesis {role}").key


# Loaded at collection through the app itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_contract(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
