"""Elder mode (适老化): per person (the account) and per phone (a cookie that outlives sign-out)."""

from django.urls import reverse

from civicpoints.accounts.middleware import ELDER_COOKIE


def _elder(page) -> bool:
    return 'class="elder"' in page.content.decode()


def test_the_setting_is_saved_and_survives_sign_out(client, town):
    # given: alice signed in
    client.force_login(town.alice)
    assert not _elder(client.get("/"))
    # when: she taps "large text"
    resp = client.post(reverse("accounts:elder_mode"), {"on": "1", "next": "/rules/"})
    # then: back where she was, her account and this phone both remember it
    assert resp.status_code == 302 and resp["Location"] == "/rules/"
    town.alice.refresh_from_db()
    assert town.alice.elder_mode and client.cookies[ELDER_COOKIE].value == "1"
    assert _elder(client.get("/"))
    # when: she signs out — the sign-in page on this phone is still large
    client.post(reverse("accounts:logout"))
    assert _elder(client.get(reverse("accounts:login")))


def test_the_account_brings_it_to_another_phone(client, town):
    # given: the setting on her account, a phone that never saw it
    town.alice.elder_mode = True
    town.alice.save(update_fields=["elder_mode"])
    client.force_login(town.alice)
    # when
    page = client.get("/")
    # then: large, and the phone now keeps it (cookie set on the way out)
    assert _elder(page) and page.cookies[ELDER_COOKIE].value == "1"


def test_turning_it_off_clears_account_and_phone(client, town):
    client.force_login(town.alice)
    client.post(reverse("accounts:elder_mode"), {"on": "1"})
    client.post(reverse("accounts:elder_mode"), {"on": "0"})
    town.alice.refresh_from_db()
    assert not town.alice.elder_mode
    assert not _elder(client.get("/"))


def test_a_visitor_may_switch_it_and_next_must_be_local(client, town):
    resp = client.post(reverse("accounts:elder_mode"), {"on": "1", "next": "https://evil.example/"})
    assert resp["Location"] == "/"
    assert _elder(client.get(reverse("accounts:login")))
    assert client.get(reverse("accounts:elder_mode")).status_code == 405
