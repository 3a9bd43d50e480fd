"""The personal QR card expires, can be revoked and names nobody; staff sessions end
when idle, residents' do not."""

import base64
import time

import pytest
from django.core import signing
from django.test import Client

from civicpoints.accounts import services
from civicpoints.accounts.card import resident_card_token, resident_from_card
from civicpoints.accounts.middleware import STAFF_SEEN_KEY
from civicpoints.core.errors import InvalidInput, OutOfScope

API = "/api/v1"


def test_the_card_token_names_the_resident_and_reveals_no_id(town):
    # given
    token = resident_card_token(town.alice)
    # when
    payload = base64.urlsafe_b64decode(token.split(":")[0] + "==").decode()
    # then: the payload is a random key, not the id, the mobile or the nickname
    assert str(town.alice.pk) not in payload.replace(town.alice.card_key, "")
    assert town.alice.mobile not in payload and "Alice" not in payload
    assert resident_from_card(token) == town.alice


def test_an_old_style_id_token_is_refused(town):
    # given a token of the old kind, the signed user id (salt known from the source)
    old = signing.dumps(town.alice.pk, salt="civicpoints.resident-card", compress=True)
    # then
    with pytest.raises(InvalidInput) as err:
        resident_from_card(old)
    assert err.value.code == "invalid_card"


def test_the_card_expires(town, settings, monkeypatch):
    # given a card made 366 days ago with a one-year life
    settings.RESIDENT_CARD_MAX_AGE_DAYS = 365
    made = time.time() - 366 * 86400
    monkeypatch.setattr(time, "time", lambda: made)
    token = resident_card_token(town.alice)
    monkeypatch.undo()
    # when / then
    with pytest.raises(InvalidInput) as err:
        resident_from_card(token)
    assert (err.value.code, err.value.field) == ("card_expired", "token")


def test_revoking_kills_every_earlier_card_at_once(client, town):
    # given a printed card
    printed = resident_card_token(town.alice)
    # when alice revokes through the API
    client.force_login(town.alice)
    assert client.post(f"{API}/me/card/revoke").status_code == 204
    # then the printed card is dead and a new one works
    with pytest.raises(InvalidInput) as err:
        resident_from_card(printed)
    assert err.value.code == "invalid_card"
    town.alice.refresh_from_db()
    assert resident_from_card(resident_card_token(town.alice)) == town.alice


def test_staff_revoke_in_scope_only(client, town):
    # given
    printed = resident_card_token(town.alice)
    # when staff of another community try, then staff of hers
    with pytest.raises(OutOfScope):
        services.resident_card_revoke(actor=town.staff_b, resident=town.alice)
    with pytest.raises(OutOfScope):
        services.resident_card_revoke(actor=town.bob, resident=town.alice)
    assert resident_from_card(printed) == town.alice
    client.force_login(town.staff_a)
    response = client.post(f"/accounts/staff/residents/{town.alice.pk}/card/revoke/")
    # then
    assert response.status_code == 302
    with pytest.raises(InvalidInput):
        resident_from_card(printed)


def test_the_card_page_shows_its_expiry_and_a_revoke_button(client, town):
    client.force_login(town.alice)
    page = client.get("/accounts/card/").content.decode()
    assert "/accounts/card/revoke/" in page


def _age_session(client, seconds):
    session = client.session
    session[STAFF_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_a_staff_session_ends_after_the_idle_timeout(settings, town):
    # given staff signed in, then idle for 31 minutes
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(town.staff_a)
    assert client.get(f"{API}/me").status_code == 200
    _age_session(client, 31 * 60)
    # when
    response = client.get(f"{API}/me")
    # then signed out, with a code; and stays signed out
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"
    assert client.get(f"{API}/me").json()["code"] == "not_authenticated"


def test_a_staff_page_after_the_idle_timeout_goes_to_the_login_page(settings, town):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(town.staff_a)
    client.get("/")
    _age_session(client, 31 * 60)
    response = client.get("/accounts/staff/residents/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_active_staff_session_lives_on_and_its_store_expiry_is_the_idle_time(settings, town):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(town.staff_a)
    client.get(f"{API}/me")
    _age_session(client, 29 * 60)
    assert client.get(f"{API}/me").status_code == 200
    assert client.session.get_expiry_age() == 30 * 60


def test_a_residents_session_has_no_idle_timeout(settings, town):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(town.alice)
    _age_session(client, 10 * 3600)
    assert client.get(f"{API}/me").status_code == 200
    assert client.session.get_expiry_age() > 30 * 60
