"""A staff password reset unlocks and forces a change; password re-checks are
attempt-limited (``accounts.passwords``)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from civicpoints.accounts import services
from civicpoints.accounts.passwords import TooManyPasswordAttempts
from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.privacy.services import WrongPassword, account_close

API = "/api/v1"


def _login(client, mobile, password):
    return client.post(
        f"{API}/auth/login",
        {"mobile": mobile, "password": password},
        content_type="application/json",
    )


def _reset(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        temporary, _texted = services.password_reset_by_staff(actor=town.staff_a, person=town.alice)
    return temporary


def test_a_staff_reset_clears_the_login_lockout(town, django_capture_on_commit_callbacks):
    # given alice locked out by five wrong passwords
    client = Client()
    for _ in range(5):
        _login(client, "13800138001", "wrong-one")
    assert _login(client, "13800138001", town.password).status_code == 429
    # when staff reset her password
    temporary = _reset(town, django_capture_on_commit_callbacks)
    # then she signs in with the temporary one at once, from the same address
    assert not AccessAttempt.objects.filter(username="13800138001").exists()
    assert _login(client, "13800138001", temporary).status_code == 200


def test_after_a_staff_reset_the_api_refuses_everything_but_the_password_change(
    town, django_capture_on_commit_callbacks
):
    # given
    temporary = _reset(town, django_capture_on_commit_callbacks)
    client = Client()
    assert _login(client, "13800138001", temporary).status_code == 200
    # when / then: anything else is 403 with a code; who am I is allowed
    refused = client.get(f"{API}/me/points")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert client.get(f"{API}/me").status_code == 200
    # the temporary password cannot be kept
    same = client.post(
        f"{API}/me/password",
        {"old_password": temporary, "new_password": temporary},
        content_type="application/json",
    )
    assert same.status_code == 422
    changed = client.post(
        f"{API}/me/password",
        {"old_password": temporary, "new_password": "a-brand-new-passw0rd"},
        content_type="application/json",
    )
    assert changed.status_code == 204
    # then the rest opens again
    assert client.get(f"{API}/me/points").status_code == 200
    town.alice.refresh_from_db()
    assert town.alice.must_change_password is False


def test_after_a_staff_reset_pages_redirect_to_the_password_page(
    town, django_capture_on_commit_callbacks
):
    # given
    temporary = _reset(town, django_capture_on_commit_callbacks)
    assert temporary in ConsoleSMSBackend.outbox[-1][1]
    client = Client()
    client.post("/accounts/login/", {"mobile": "13800138001", "password": temporary})
    # when
    response = client.get("/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200


def test_wrong_current_passwords_are_attempt_limited_on_password_change(client, town):
    # given a signed-in session (say, a phone left unlocked)
    client.force_login(town.alice)

    def attempt(old):
        return client.post(
            f"{API}/me/password",
            {"old_password": old, "new_password": "another-passw0rd"},
            content_type="application/json",
        )

    # when five guesses fail
    assert [attempt(f"guess-{i}").status_code for i in range(5)] == [422] * 5
    # then even the right password is refused for now, with a code naming the field
    locked = attempt(town.password)
    assert locked.status_code == 429
    assert (locked.json()["code"], locked.json()["field"]) == (
        "password_attempts_exceeded",
        "old_password",
    )
    town.alice.refresh_from_db()
    assert town.alice.check_password(town.password)


def test_account_close_is_attempt_limited_and_the_page_answers_429(client, town):
    # given
    for i in range(5):
        with pytest.raises(WrongPassword):
            account_close(user=town.alice, password=f"guess-{i}")
    # when / then: service, API and page all refuse, and the account stays open
    with pytest.raises(TooManyPasswordAttempts):
        account_close(user=town.alice, password=town.password)
    client.force_login(town.alice)
    api = client.post(
        f"{API}/me/close", {"password": town.password}, content_type="application/json"
    )
    assert (api.status_code, api.json()["code"]) == (429, "password_attempts_exceeded")
    page = client.post("/privacy/", {"password": town.password, "confirm": "on"})
    assert page.status_code == 429
    town.alice.refresh_from_db()
    assert town.alice.is_active


def test_a_right_password_clears_the_failure_count(client, town):
    # given four failures, then a success
    for i in range(4):
        with pytest.raises(WrongPassword):
            account_close(user=town.alice, password=f"guess-{i}")
    services.password_change(
        user=town.alice, old_password=town.password, new_password="another-passw0rd"
    )
    # when four more failures
    for i in range(4):
        with pytest.raises(WrongPassword):
            account_close(user=town.alice, password=f"guess-{i}")
    # then the right one still works
    assert account_close(user=town.alice, password="another-passw0rd").is_active is False


def test_no_code_outside_accounts_passwords_compares_a_password_itself():
    # The class of fault: a new re-check written with user.check_password() is not
    # attempt-limited. Every comparison goes through accounts.passwords.password_recheck
    # (sign-in goes through authenticate(), which django-axes limits).
    from pathlib import Path

    root = Path(__file__).parents[2]
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tests" not in p.parts
        and "migrations" not in p.parts
        and p.name != "passwords.py"
        and ".check_password(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
