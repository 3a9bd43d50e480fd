"""One client address behind the reverse proxy, for the login lockout, the rate limits
and the audit log (``core.clientip``, setting ``TRUSTED_PROXIES``)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django_ratelimit.core import is_ratelimited

from civicpoints.audit.models import AuditEntry
from civicpoints.core.clientip import client_ip

API = "/api/v1"
PROXY = "10.0.0.5"


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "10.0.0.5", "203.0.113.7", "10.0.0.5"),  # no trusted proxy: header ignored
        (["10.0.0.0/8"], "10.0.0.5", "203.0.113.7", "203.0.113.7"),
        (["10.0.0.0/8"], "198.51.100.1", "203.0.113.7", "198.51.100.1"),  # not via proxy
        # a client's own forged entries stand left of what the proxy appended
        (["10.0.0.0/8"], "10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # two proxies: the edge one is trusted too, so walk past it
        (["10.0.0.0/8"], "10.0.0.5", "1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (["10.0.0.5"], "10.0.0.5", "garbage", "10.0.0.5"),
        (["10.0.0.5"], "10.0.0.5", "", "10.0.0.5"),
        (["10.0.0.5"], "10.0.0.5", "203.0.113.7:5123", "203.0.113.7"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    settings, trusted, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(remote, forwarded)) == expected


def _login(client, mobile, password, forwarded):
    return client.post(
        f"{API}/auth/login",
        {"mobile": mobile, "password": password},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_one_attackers_failures_do_not_lock_the_owner_out(settings, town):
    # given the documented reverse proxy, trusted
    settings.TRUSTED_PROXIES = [PROXY]
    attacker, owner = Client(), Client()
    # when an attacker fails five times on alice's mobile
    for _ in range(5):
        _login(attacker, "13800138001", "wrong-one", "198.51.100.66")
    # then the attacker is locked, alice (another address behind the same proxy) is not
    assert _login(attacker, "13800138001", town.password, "198.51.100.66").status_code == 429
    assert _login(owner, "13800138001", town.password, "203.0.113.7").status_code == 200


def test_a_forged_forwarded_for_from_an_untrusted_address_does_not_dodge_the_lockout(
    settings, town
):
    # given no trusted proxy, an attacker who changes X-Forwarded-For every time
    settings.TRUSTED_PROXIES = []
    attacker = Client()
    for i in range(5):
        _login(attacker, "13800138001", "wrong-one", f"198.51.100.{i}")
    # when
    r = _login(attacker, "13800138001", town.password, "198.51.100.99")
    # then the header was ignored: still locked
    assert r.status_code == 429


def test_rate_limits_count_each_client_behind_the_proxy_apart(settings, db):
    # given
    settings.TRUSTED_PROXIES = [PROXY]
    settings.RATELIMIT_ENABLE = True

    def hit(forwarded):
        request = _request(PROXY, forwarded)
        request.user = AnonymousUser()
        return is_ratelimited(request, group="t", key="user_or_ip", rate="1/m", increment=True)

    # when / then: one request each is allowed, a second from the same client is not
    assert [hit("203.0.113.7"), hit("203.0.113.8"), hit("203.0.113.7")] == [False, False, True]


def test_the_audit_log_records_the_client_not_the_proxy(settings, client, town, rule):
    # given
    settings.TRUSTED_PROXIES = [PROXY]
    client.force_login(town.staff_a)
    # when staff act through the proxy
    r = client.post(
        f"{API}/staff/residents/{town.alice.pk}/awards",
        {"rule": rule.code, "idempotency_key": "proxy-award-1"},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    # then
    assert r.status_code < 400, r.content
    assert AuditEntry.objects.get().ip == "203.0.113.7"
