"""The OpenAPI schema fuzzed with schemathesis, in-process against the WSGI app:
no endpoint answers 5xx, for a visitor, a resident, a town admin or merchant staff.

Every operation is one test; each generated request is sent by all four
personas. A few examples each keep the suite fast (FUZZ_EXAMPLES, default 4).
Rate limits stay off (the tests' default) so the fuzzer reaches the views.
"""

import os

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from civicpoints.accounts.backends import TOWN_SESSION_KEY
from civicpoints.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CSRF = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # a 32-character CSRF secret, cookie == header


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Like Django's test client: keep the test's connection (and its transaction)
    # open across requests instead of closing it at the end of each one.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# The schema is read once at collection (it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _session_for(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "civicpoints.accounts.backends.MobileBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[TOWN_SESSION_KEY] = user.town_id  # as signing in writes it: the user is read by town
    store.create()
    assert store.session_key is not None  # create() saved it under a new key
    return store.session_key


def _call(case, user=None):
    """Call ``case`` as ``user`` (None: a visitor), with a fresh session each time so a
    fuzzed log-out or password reset does not turn later calls into a visitor's."""
    cookies = {"csrftoken": CSRF}
    if user is not None:
        user.refresh_from_db()
        cookies["sessionid"] = _session_for(user)
    headers = {"X-CSRFToken": CSRF, "Accept-Language": "en"}
    response = case.call(cookies=cookies, headers=headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"{case.as_curl_command()}\n{response.text[:500]}"
    )


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@schema.parametrize()
@FUZZ
def test_no_endpoint_answers_5xx_to_any_persona(case, town, catalog):
    # when / then: the same generated request from each persona
    _call(case)
    _call(case, town.alice)
    _call(case, town.admin)
    _call(case, town.merchant)


def test_the_fuzzing_sessions_are_signed_in(town, client):
    # given the session the fuzz gives a persona
    client.cookies["sessionid"] = _session_for(town.alice)
    # when / then: the API knows the persona (else the fuzz would run as a visitor)
    response = client.get("/api/v1/me")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == town.alice.pk
