"""Every route of /openapi.json, fuzzed with Schemathesis against the app in-process (WSGI): with
an admin user's token on every operation, and a client-credentials token on the /api/v1 reads.
No answer may be a 5xx (not_a_server_error), and every answer must match the document
(response_schema_conformance).

Bounded and deterministic: a few examples per operation, derandomized (a fixed seed: the same
cases on every run), no deadline. It runs in the SQLite pass of .ci/run only (skipped when
WMS_TEST_DATABASE_URL is set): what it checks, the document and the views' handling of input,
is the same on every database, which the rest of the suite covers.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(bool(os.environ.get("WMS_TEST_DATABASE_URL")),
                                reason="runs in the SQLite pass of .ci/run only")

CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(max_examples=8, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.fixture
def admin_token(app, client, admin, demo):
    """An admin's token (password grant), on the demo store."""
    from wms.services.clients import create_client
    with app.app_context():
        web, secret = create_client(name="Fuzz", password=True)
    answer = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": web.id, "client_secret": secret,
        "username": admin.email, "password": ADMIN_PASSWORD})
    return answer.json["access_token"]


def fuzz(app, headers, wanted=lambda operation: True):
    """Run every wanted operation of the app's document on its own bounded examples: (how
    many operations ran, the failures of each as text: all of them, not only the first)."""
    failures, ran = {}, 0
    for result in schemathesis.openapi.from_wsgi("/openapi.json", app).get_all_operations():
        operation = result.ok()
        if not wanted(operation):
            continue
        ran += 1

        @BOUNDED
        @given(case=operation.as_strategy())
        def run(case):
            case.validate_response(case.call(headers=headers), checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # a failed check, reported below
            failures[operation.label] = "\n".join(
                str(each)[:1500] for each in getattr(error, "exceptions", [error]))
    return ran, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def test_every_operation_as_an_admin(app, admin_token):
    # /readyz is a 503 on the tests' database, made without migrations: as documented.
    ran, failures = fuzz(app, {"Authorization": f"Bearer {admin_token}"},
                         lambda operation: operation.path != "/readyz")
    assert not failures, failures
    assert ran >= 70


def test_api_reads_with_client_credentials(app, token, demo):
    ran, failures = fuzz(app, {"Authorization": f"Bearer {token}"}, lambda operation: (
        operation.method.upper() == "GET" and operation.path.startswith("/api/v1/")))
    assert not failures, failures
    assert ran >= 20
