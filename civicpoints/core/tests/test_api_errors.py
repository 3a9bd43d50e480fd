"""The API's errors have one shape, ``{code, detail, field}``, in the request's language."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_signed_out_call_gets_401_not_authenticated_in_chinese_by_default():
    # given a visitor
    client = Client()
    # when
    response = client.get("/api/v1/me")
    # then
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "请先登录。", "field": None}


@pytest.mark.django_db
def test_a_signed_out_call_in_english_gets_the_english_detail():
    response = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Sign in first.",
        "field": None,
    }


def test_validation_errors_are_chinese_throughout_by_default(client, town):
    # given a resident, Chinese by default
    client.force_login(town.alice)
    # when a body misses a field and has a wrong type
    response = client.post(
        "/api/v1/me/password", {"old_password": 5}, content_type="application/json"
    )
    # then the detail and every per-error message are Chinese, none English
    body = response.json()
    assert response.status_code == 422
    assert (body["code"], body["field"]) == ("invalid", "old_password")
    messages = [body["detail"]] + [e["msg"] for e in body["errors"]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages
    assert {e["type"] for e in body["errors"]} == {"string_type", "missing"}


def test_domain_errors_always_carry_the_field_key(client, town):
    # given a resident
    client.force_login(town.alice)
    # when a domain error that is not about one field
    response = client.get("/api/v1/vouchers/999999")
    # then
    assert response.status_code == 404
    assert set(response.json()) == {"code", "detail", "field"}
    assert response.json()["field"] is None


@pytest.mark.django_db
def test_unknown_api_address_and_wrong_method_answer_in_the_error_shape(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    wrong = client.delete("/api/v1/auth/csrf")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"
