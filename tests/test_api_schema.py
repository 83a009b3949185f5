"""Property-based check of the whole native API against its own OpenAPI schema.

Schemathesis reads /api/v1/openapi.json through the WSGI app and sends each
operation generated requests: valid ones, and ones that break the schema
(wrong types, missing fields, odd strings, random bytes as photos...).
Whatever it sends, the API must never answer with a server error. Requests
carry a coordinator's staff token, so the staff endpoints are exercised past
their authentication too. Besides its deterministic boundary cases (the
"coverage" phase: a few dozen per operation, about 800 requests in all), it
generates only a few random examples per operation, which keeps the run at
about 25 s of CPU.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from phananh.console import tokens
from phananh.intake import api as intake_api

EXAMPLES_PER_OPERATION = 6


# The schema exactly as /api/v1/openapi.json serves it, read at collection
# time (no database needed); requests then go through the WSGI app, inside
# each test's database transaction.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes database connections around each request, as in
    production; inside a test that would close the connection holding the
    test's transaction (PostgreSQL). Django's test client unhooks the same
    signals for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(city, submit_report, monkeypatch):
    cache.clear()
    # Hundreds of requests from one address and one token: lift the limits.
    monkeypatch.setattr(intake_api, "WRITES_PER_WINDOW", 10**6)
    monkeypatch.setattr(tokens, "REQUESTS_PER_MINUTE", 10**6)
    submit_report()  # something to read, act on and page through
    return {"Authorization": f"Bearer {tokens.create(city.coordinator)[1]}", "Accept-Language": "en"}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_api_fail(case, staff_headers):
    response = case.call(headers=staff_headers)
    case.validate_response(response, checks=[not_a_server_error])
