"""Mobile numbers, registration, login, profile, staff registration and password reset."""

import pytest
from django.urls import reverse

from civicpoints.accounts.models import User
from civicpoints.accounts.services import (
    MobileTaken,
    password_reset_by_staff,
    resident_register,
    resident_register_by_staff,
)
from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.mobile import mask_mobile, normalize_mobile

SPELLINGS = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "+86 138 0013 8000",
    "+8613800138000",
    "0086 13800138000",
    "8613800138000",
    "（138）00138000".replace("（", "(").replace("）", ")"),
]
INVALID = [
    "",
    "1380013800",
    "138001380001",
    "23800138000",
    "12800138000",
    "abc",
    "+1 415 555 0100",
    "138-0013-800x",
    "+86 1380013800",
]


@pytest.mark.parametrize("raw", SPELLINGS)
def test_every_spelling_normalizes_to_one_number(raw):
    assert normalize_mobile(raw) == "13800138000"


@pytest.mark.parametrize("raw", INVALID)
def test_invalid_numbers_are_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as exc:
        normalize_mobile(raw)
    assert (exc.value.field, exc.value.code) == ("mobile", "invalid_mobile")


def test_mask():
    assert mask_mobile("13812341234") == "138****1234"


@pytest.mark.parametrize("raw", SPELLINGS)
def test_duplicate_mobile_in_any_spelling_is_refused(town, raw):
    resident_register(
        mobile="13800138000", nickname="first", password=town.password, community=town.a
    )
    with pytest.raises(MobileTaken) as exc:
        resident_register(mobile=raw, nickname="second", password=town.password, community=town.a)
    assert exc.value.field == "mobile"
    assert User.objects.filter(mobile="13800138000").count() == 1


def test_register_page_shows_form_errors_and_writes_nothing(client, town, texted_code):
    count = User.objects.count()
    resp = client.post(
        reverse("accounts:register"),
        {
            "mobile": "12345",
            "nickname": "x",
            "password": town.password,
            "community": town.a.pk,
        },
    )
    assert resp.status_code == 200
    assert "mobile" in resp.context["form"].errors
    resp = client.post(
        reverse("accounts:register"),
        {
            "mobile": "+86 138-0013-8001",
            "code": texted_code("13800138001", "register"),
            "nickname": "dup",
            "password": town.password,
            "community": town.a.pk,
        },
    )  # alice's number in another spelling, proven by its code: only its holder learns
    assert "mobile" in resp.context["form"].errors
    assert User.objects.count() == count


def test_register_then_login_with_another_spelling(client, town, texted_code):
    resp = client.post(
        reverse("accounts:register"),
        {
            "mobile": "0086 136 0000 1111",
            "code": texted_code("13600001111", "register"),
            "nickname": "Dora",
            "password": town.password,
            "community": town.a.pk,
            "grid": town.grid_a.pk,
        },
    )
    assert resp.status_code == 302
    dora = User.objects.get(mobile="13600001111")
    assert dora.point_account.balance == 0
    client.logout()
    resp = client.post(
        reverse("accounts:login"), {"mobile": "136-0000-1111", "password": town.password}
    )
    assert resp.status_code == 302
    assert client.get(reverse("portal:home")).context["user"] == dora


def test_login_refuses_wrong_password_and_bad_number(client, town):
    resp = client.post(reverse("accounts:login"), {"mobile": "13800138001", "password": "nope"})
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    resp = client.post(reverse("accounts:login"), {"mobile": "99", "password": "nope"})
    assert "mobile" in resp.context["form"].errors


def test_weak_password_and_grid_of_other_community_are_refused(town):
    with pytest.raises(InvalidInput) as exc:
        resident_register(mobile="13600002222", nickname="E", password="12345678", community=town.a)
    assert exc.value.field == "password"
    with pytest.raises(InvalidInput) as exc:
        resident_register(
            mobile="13600002222",
            nickname="E",
            password=town.password,
            community=town.b,
            grid=town.grid_a,
        )
    assert exc.value.field == "grid"
    assert not User.objects.filter(mobile="13600002222").exists()


def test_profile_edit(client, town):
    client.force_login(town.alice)
    resp = client.post(
        reverse("accounts:profile_edit"), {"nickname": "  Alice W ", "real_name": "王爱丽"}
    )
    assert resp.status_code == 302
    town.alice.refresh_from_db()
    assert (town.alice.nickname, town.alice.real_name) == ("Alice W", "王爱丽")
    resp = client.post(reverse("accounts:profile_edit"), {"nickname": "", "real_name": ""})
    assert "nickname" in resp.context["form"].errors


def test_staff_register_resident_without_phone_in_own_community_only(town):
    r = resident_register_by_staff(
        actor=town.staff_a, mobile="135 0000 3333", nickname="Grandpa", community=town.a
    )
    assert (r.registered_by, r.community, r.has_usable_password()) == (town.staff_a, town.a, False)
    with pytest.raises(OutOfScope):
        resident_register_by_staff(
            actor=town.staff_a, mobile="13500004444", nickname="x", community=town.b
        )
    with pytest.raises(OutOfScope):
        resident_register_by_staff(
            actor=town.alice, mobile="13500004444", nickname="x", community=town.a
        )
    assert not User.objects.filter(mobile="13500004444").exists()


def test_staff_password_reset_texts_it_after_commit(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        temporary, texted = password_reset_by_staff(actor=town.staff_a, person=town.alice)
    assert texted is False  # the console backend sends nothing, and says so
    town.alice.refresh_from_db()
    assert town.alice.check_password(temporary)
    assert ConsoleSMSBackend.outbox == [("13800138001", ConsoleSMSBackend.outbox[0][1])]
    assert temporary in ConsoleSMSBackend.outbox[0][1]
    with pytest.raises(OutOfScope):
        password_reset_by_staff(actor=town.staff_b, person=town.alice)


def test_card_token_round_trip_and_forgery(town):
    from civicpoints.accounts.card import resident_card_token, resident_from_card

    token = resident_card_token(town.alice)
    assert resident_from_card(token) == town.alice
    assert "13800138001" not in token
    with pytest.raises(InvalidInput):
        resident_from_card(token[:-2] + "xx")
    with pytest.raises(InvalidInput):
        resident_from_card(str(town.alice.pk))


def test_household_points_are_the_sum_of_its_members(client, town, rule):
    from civicpoints.accounts.models import Household
    from civicpoints.points.selectors import household_points
    from civicpoints.points.services import points_adjust, points_award

    home = Household.objects.create(community=town.a, name="融城 3-2-101")
    dora = resident_register(
        mobile="13600000007",
        nickname="Dora",
        password=town.password,
        community=town.a,
        household=home,
    )
    User.objects.filter(pk=town.alice.pk).update(household=home)
    points_award(actor=town.admin, resident=town.alice, rule=rule)
    points_adjust(
        actor=town.staff_a,
        resident=dora,
        points=7,
        reason="paper records",
        idempotency_key="adj-dora-7",
    )
    assert household_points(home) == {"balance": 57, "lifetime_earned": 57, "members": 2}
    client.force_login(dora)
    assert "57" in client.get(reverse("portal:profile")).content.decode()


@pytest.mark.parametrize("nickname", ["13912345678", "+86 139 1234 5678", "abc\u202edef", "a\x07"])
def test_nicknames_that_impersonate_numbers_or_hide_characters_are_refused(town, nickname):
    with pytest.raises(InvalidInput) as exc:
        resident_register(
            mobile="13600009999", nickname=nickname, password=town.password, community=town.a
        )
    assert exc.value.field == "nickname"


def test_password_change_page_and_api(client, town):
    client.force_login(town.alice)
    resp = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "password": "another-passw0rd"},
    )
    assert "old_password" in resp.context["form"].errors
    resp = client.post(
        reverse("accounts:password_change"),
        {"old_password": town.password, "password": "another-passw0rd"},
    )
    assert resp.status_code == 302
    town.alice.refresh_from_db()
    assert town.alice.check_password("another-passw0rd")
    assert client.get(reverse("portal:profile")).status_code == 200  # still logged in
    resp = client.post(
        "/api/v1/me/password",
        {"old_password": "another-passw0rd", "new_password": "123"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["field"] == "password"


def test_login_never_redirects_to_another_site(client, town):
    for target in ("https://evil.example/phish", "//evil.example/", "/points/history/"):
        resp = client.post(
            reverse("accounts:login") + f"?next={target}",
            {"mobile": "13800138001", "password": town.password},
        )
        assert resp.status_code == 302
        assert resp["Location"] == (target if target.startswith("/p") else "/")
        client.logout()


def test_password_reset_asks_first_and_get_on_post_only_urls_is_not_blank(client, town):
    client.force_login(town.staff_a)
    url = reverse("accounts:staff_password_reset", args=[town.alice.pk])
    resp = client.get(url)
    assert resp.status_code == 200 and town.alice.mobile in resp.content.decode()
    town.alice.refresh_from_db()
    assert town.alice.check_password(town.password)  # nothing changed yet
    resp = client.get(reverse("portal:staff_adjust", args=[town.alice.pk]))
    assert resp.status_code == 405
    assert "error.html" in [t.name for t in resp.templates]
    assert "<h1>" in resp.content.decode()
