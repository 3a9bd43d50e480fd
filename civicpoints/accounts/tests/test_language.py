"""Each person's language: saved on the account, used for pages, API and SMS."""

import pytest
from django.urls import reverse

from civicpoints.accounts.models import User
from civicpoints.accounts.services import password_reset_by_staff, user_set_language
from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.core.errors import InvalidInput


def test_a_new_account_reads_chinese(town):
    assert town.alice.language == "zh-hans"


def test_registering_on_the_english_form_keeps_english(client, town, texted_code):
    # given: a visitor who switched the site to English
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    # when
    resp = client.post(
        reverse("accounts:register"),
        {
            "mobile": "13912345678",
            "code": texted_code("13912345678", "register"),
            "nickname": "Li",
            "password": "Civic-pass-2026!",
            "community": town.a.pk,
        },
    )
    # then
    assert resp.status_code == 302
    assert User.objects.get(mobile="13912345678").language == "en"


def test_the_saved_language_follows_the_person_to_another_device(client, town):
    # given: alice switches to English on her phone
    client.force_login(town.alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    # when: she signs in on another browser that asks for Chinese
    client.logout()
    client.cookies.clear()
    client.force_login(town.alice)
    html = client.get("/", headers={"accept-language": "zh-hans"}).content.decode()
    # then
    assert '<html lang="en">' in html
    # and a visitor's switch changes only their own pages (no account to save on)
    client.logout()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    town.alice.refresh_from_db()
    assert town.alice.language == "en"


def test_an_unknown_language_is_refused(town):
    with pytest.raises(InvalidInput) as exc:
        user_set_language(user=town.alice, language="fr")
    assert (exc.value.code, exc.value.field) == ("unknown_language", "language")
    town.alice.refresh_from_db()
    assert town.alice.language == "zh-hans"


def test_the_api_shows_and_changes_my_language(client, town):
    client.force_login(town.alice)
    assert client.get("/api/v1/me").json()["language"] == "zh-hans"
    resp = client.patch(
        "/api/v1/me", {"nickname": "Alice", "language": "en"}, content_type="application/json"
    )
    assert (resp.status_code, resp.json()["language"]) == (200, "en")
    resp = client.patch(
        "/api/v1/me", {"nickname": "Alice", "language": "xx"}, content_type="application/json"
    )
    assert (resp.status_code, resp.json()["code"]) == (422, "unknown_language")


def test_a_reset_password_is_texted_in_the_persons_language(
    town, django_capture_on_commit_callbacks
):
    from django.utils import translation

    # given: an English-speaking staff member, a Chinese-speaking resident and back
    town.bob.language = "en"
    town.bob.save(update_fields=["language"])
    # when
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        password_reset_by_staff(actor=town.staff_a, person=town.alice)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        password_reset_by_staff(actor=town.staff_b, person=town.bob)
    # then
    (_, to_alice), (_, to_bob) = ConsoleSMSBackend.outbox
    assert to_alice.startswith("您的公益积分平台密码已重置")
    assert to_bob.startswith("Your civicpoints password was reset")
