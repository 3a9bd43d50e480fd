"""First run: create_town (command and service), the one-time setup page, the operator."""

import logging
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from civicpoints.accounts.models import Community, Grid, Role, Town, User
from civicpoints.accounts.services import (
    MobileTaken,
    TownDiffers,
    setup_token,
    town_create,
)
from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def _password_in(text: str) -> str:
    found = re.search(r"(?<![\w-])[\w-]{12}(?![\w-])", text, re.ASCII)
    assert found is not None
    return found.group(0)


ARGS = [
    "--name=巴桥镇",
    "--code=baqiao",
    "--time-zone=Asia/Shanghai",
    "--community=融城社区",
    "--community=巴桥社区",
    "--grid=融城社区/第1网格",
    "--admin-mobile=138 0000 0003",
]


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("create_town", *args, stdout=out)
    return out.getvalue()


def _password_from(output: str) -> str:
    return output.split("one-time password ")[1].split()[0]


def test_create_town_builds_town_communities_grids_and_an_admin_who_can_log_in(client, caplog):
    # when
    with caplog.at_level(logging.DEBUG):
        out = _run(*ARGS)
    # then
    town = Town.objects.get(code="baqiao")
    assert (town.name, town.time_zone) == ("巴桥镇", "Asia/Shanghai")
    assert sorted(town.communities.values_list("name", flat=True)) == ["巴桥社区", "融城社区"]
    assert Grid.objects.get(community__name="融城社区").name == "第1网格"
    admin = User.objects.get(mobile="13800000003")
    assert (admin.role, admin.town, admin.is_superuser, admin.is_staff) == (
        Role.TOWN_ADMIN,
        town,
        False,
        False,
    )
    password = _password_from(out)
    assert "13800000003" not in out  # masked in the output
    assert password not in caplog.text  # printed once, never logged
    resp = client.post(reverse("accounts:login"), {"mobile": "13800000003", "password": password})
    assert resp.status_code == 302


def test_create_town_twice_changes_nothing_and_issues_no_new_password():
    # given
    first = _run(*ARGS)
    password = _password_from(first)
    # when
    again = _run(*ARGS)
    # then
    assert "one-time password" not in again and "already there" in again
    assert (Town.objects.count(), Community.objects.count(), Grid.objects.count()) == (1, 2, 1)
    assert User.objects.get(mobile="13800000003").check_password(password)


def test_create_town_again_with_a_new_community_adds_only_that():
    # given
    _run(*ARGS)
    # when
    out = _run(*ARGS, "--community=新社区", "--grid=新社区/一网格")
    # then
    assert "1 communities and 1 grids added" in out
    assert Community.objects.filter(town__code="baqiao").count() == 3


@pytest.mark.parametrize(
    ("replace", "flag"),
    [
        ("--code=Ba Qiao", "--code"),
        ("--time-zone=Mars/Olympus", "--time-zone"),
        ("--admin-mobile=12345", "--admin-mobile"),
        ("--grid=无此社区/第1网格", "--grid"),
        ("--grid=融城社区", "--grid"),
        ("--name=   ", "--name"),
    ],
)
def test_create_town_refuses_malformed_input_naming_the_flag_and_writes_nothing(replace, flag):
    # given
    key = replace.split("=")[0]
    args = [a for a in ARGS if not a.startswith(key + "=")] + [replace]
    # when
    with pytest.raises(CommandError) as exc:
        _run(*args)
    # then
    assert str(exc.value).startswith(flag)
    assert not Town.objects.exists() and not User.objects.exists()


def test_a_community_named_twice_is_refused():
    with pytest.raises(InvalidInput) as exc:
        town_create(
            name="巴桥镇",
            code="baqiao",
            time_zone="Asia/Shanghai",
            communities=["融城社区", "融城社区"],
            admin_mobile="13800000003",
        )
    assert (exc.value.code, exc.value.field) == ("duplicate", "communities")


def test_the_same_code_with_another_name_is_a_conflict():
    # given
    _run(*ARGS)
    # when
    with pytest.raises(TownDiffers) as exc:
        town_create(
            name="别的镇",
            code="baqiao",
            time_zone="Asia/Shanghai",
            communities=["融城社区"],
            admin_mobile="13800000003",
        )
    # then
    assert exc.value.field == "code"
    assert Town.objects.get().name == "巴桥镇"


def test_an_admin_mobile_that_belongs_to_a_resident_is_refused_and_nothing_is_written(town):
    # when
    with pytest.raises(MobileTaken) as exc:
        town_create(
            name="新镇",
            code="xinzhen",
            time_zone="Asia/Shanghai",
            communities=["一社区"],
            admin_mobile=town.alice.mobile,
        )
    # then
    assert exc.value.field == "admin_mobile"
    assert not Town.objects.filter(code="xinzhen").exists()


def test_sms_option_texts_the_password_and_does_not_print_it(django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        out = _run(*ARGS, "--sms")
    # then
    assert "sent by SMS" in out
    [(mobile, text)] = ConsoleSMSBackend.outbox
    assert mobile == "13800000003"
    password = _password_in(text)
    assert User.objects.get(mobile=mobile).check_password(password)


# --- createsuperuser: the platform operator ------------------------------------


def test_createsuperuser_on_an_empty_database_makes_a_townless_operator(monkeypatch):
    # given
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-good-passw0rd")
    # when
    call_command(
        "createsuperuser", "--no-input", "--mobile=13900000009", "--nickname=运维", verbosity=0
    )
    # then
    op = User.objects.get(mobile="13900000009")
    assert (op.is_superuser, op.is_staff, op.town, op.role) == (True, True, None, Role.OPERATOR)


def test_the_database_refuses_a_townless_non_superuser_and_a_superuser_of_a_town(town):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("13600000001", "x", nickname="n", role=Role.TOWN_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            "13600000002",
            "x",
            nickname="n",
            role=Role.TOWN_ADMIN,
            town=town.town,
            is_superuser=True,
        )


# --- the one-time setup page -----------------------------------------------------


def _form(**over):
    data = {
        "token": setup_token(),
        "name": "巴桥镇",
        "code": "baqiao",
        "time_zone": "Asia/Shanghai",
        "communities": "融城社区\n巴桥社区\n",
        "grids": "融城社区/第1网格",
        "admin_mobile": "13800000003",
        "admin_nickname": "冉主任",
    }
    data.update(over)
    return data


def test_an_empty_installation_sends_the_login_page_to_setup(client):
    # when
    resp = client.get(reverse("accounts:login"))
    # then
    assert resp.status_code == 302 and resp["Location"] == reverse("setup")
    assert client.get(reverse("setup")).status_code == 200


def test_setup_page_creates_the_first_town_and_shows_the_password_once(client):
    # when
    resp = client.post(reverse("setup"), _form())
    # then
    assert resp.status_code == 200
    password = resp.context["result"].temporary_password
    assert password and password in resp.content.decode()
    assert "no-store" in resp["Cache-Control"] or "max-age=0" in resp["Cache-Control"]
    login = client.post(reverse("accounts:login"), {"mobile": "13800000003", "password": password})
    assert login.status_code == 302


def test_setup_page_refuses_a_wrong_token_with_a_field_error(client):
    # when
    resp = client.post(reverse("setup"), _form(token="guess"))
    # then
    assert resp.status_code == 200 and "token" in resp.context["form"].errors
    assert not Town.objects.exists()


def test_setup_page_shows_bad_input_on_the_field(client):
    # when
    resp = client.post(reverse("setup"), _form(time_zone="Nowhere", grids="外社区/一网格"))
    # then
    assert "time_zone" in resp.context["form"].errors
    assert not Town.objects.exists()


def test_setup_page_is_gone_once_a_town_exists(client, town):
    # when
    get = client.get(reverse("setup"))
    post = client.post(reverse("setup"), _form(code="second"))
    # then
    assert get.status_code == 404 and post.status_code == 404
    assert not Town.objects.filter(code="second").exists()


@override_settings(SETUP_TOKEN="from-the-environment-0123456789")
def test_the_setup_token_may_come_from_the_environment(client):
    # when
    resp = client.post(reverse("setup"), _form(token="from-the-environment-0123456789"))
    # then
    assert resp.status_code == 200 and Town.objects.filter(code="baqiao").exists()


def test_setup_token_command_prints_the_token_only_while_setup_is_open(town):
    from io import StringIO

    out = StringIO()
    call_command("setup_token", stdout=out)
    assert setup_token() not in out.getvalue()


def test_the_operator_lands_in_the_admin_and_town_pages_refuse_them(client, town):
    # given
    client.force_login(town.operator)
    # when
    home = client.get("/")
    desk = client.get(reverse("console:index"))
    # then
    assert home.status_code == 302 and home["Location"] == reverse("admin:index")
    assert desk.status_code == 403


def test_the_first_admins_one_time_password_must_be_changed_at_first_sign_in(client):
    # given the admin signed in with the password create_town printed
    password = _password_from(_run(*ARGS))
    assert User.objects.get(mobile="13800000003").must_change_password is True
    client.post(reverse("accounts:login"), {"mobile": "13800000003", "password": password})
    # when / then: pages send them to the password page, the API names the reason
    assert client.get("/").headers["Location"] == reverse("accounts:password_change")
    refused = client.get("/api/v1/console/communities")
    assert (refused.status_code, refused.json()["code"]) == (403, "password_change_required")
    # when they choose a new password
    changed = client.post(
        "/api/v1/me/password",
        {"old_password": password, "new_password": "a-new-admin-passw0rd"},
        content_type="application/json",
    )
    # then the flag is cleared and the console opens
    assert changed.status_code == 204
    assert User.objects.get(mobile="13800000003").must_change_password is False
    assert client.get("/api/v1/console/communities").status_code == 200


def test_the_setup_pages_admin_must_change_the_password_too(client):
    # when
    client.post(reverse("setup"), _form())
    # then
    assert User.objects.get(mobile="13800000003").must_change_password is True
