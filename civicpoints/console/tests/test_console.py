"""The town console: communities and grids, staff accounts, households — town admins only,
inside their own town."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from civicpoints.accounts.models import Community, Grid, Household, Role, User
from civicpoints.accounts.services import (
    NameTaken,
    community_create,
    grid_rename,
    household_create,
    household_member_move,
    household_set_head,
    staff_invite,
    staff_move,
    staff_set_active,
)
from civicpoints.accounts.sms import ConsoleSMSBackend
from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope

pytestmark = pytest.mark.django_db


def _password_in(text: str) -> str:
    found = re.search(r"(?<![\w-])[\w-]{12}(?![\w-])", text, re.ASCII)
    assert found is not None
    return found.group(0)


def _api(client, method, path, body=None):
    return getattr(client, method)(f"/api/v1/console{path}", body, content_type="application/json")


# --- services -----------------------------------------------------------------------


def test_a_town_admin_adds_a_community_and_a_duplicate_name_is_a_conflict(town):
    # when
    c = community_create(actor=town.admin, name="新社区")
    # then
    assert c.town == town.town
    with pytest.raises(NameTaken) as exc:
        community_create(actor=town.admin, name="新社区")
    assert exc.value.field == "name"


def test_only_town_admins_use_the_console_services(town):
    for persona in (town.staff_a, town.alice, town.merchant, town.operator):
        with pytest.raises(OutOfScope):
            community_create(actor=persona, name="x")


def test_another_towns_grid_is_not_found(town):
    # given
    outside = Grid.objects.create(community=town.c, name="外网格")
    # when / then
    with pytest.raises(NotFound):
        grid_rename(actor=town.admin, grid_id=outside.pk, name="改名")
    assert Grid.objects.get(pk=outside.pk).name == "外网格"


def test_inviting_a_grid_worker_creates_the_account_in_scope_and_texts_a_password(
    town, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        person = staff_invite(
            actor=town.admin,
            mobile="186 0000 0001",
            nickname="网格员小李",
            role=Role.GRID_WORKER,
            community_id=town.a.pk,
            grid_id=town.grid_a.pk,
        )
    # then
    assert (person.role, person.town, person.community, person.grid) == (
        Role.GRID_WORKER,
        town.town,
        town.a,
        town.grid_a,
    )
    [(mobile, text)] = ConsoleSMSBackend.outbox
    assert mobile == "18600000001"
    assert User.objects.get(pk=person.pk).check_password(_password_in(text))
    # the one-time password must be changed at the first sign-in
    assert User.objects.get(pk=person.pk).must_change_password is True
    client = Client()
    client.post("/accounts/login/", {"mobile": "18600000001", "password": _password_in(text)})
    assert client.get("/accounts/staff/residents/").headers["Location"] == "/accounts/password/"
    refused = client.get("/api/v1/me/points")
    assert (refused.status_code, refused.json()["code"]) == (403, "password_change_required")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "resident"}, "role"),
        ({"role": "community_staff"}, "community_id"),
        ({"role": "grid_worker", "community_id": "B"}, "grid_id"),
        ({"role": "community_staff", "community_id": "C"}, "community_id"),
        ({"role": "community_staff", "community_id": "A", "mobile": "123"}, "mobile"),
    ],
)
def test_bad_invitations_name_the_field_and_write_nothing(town, kwargs, field):
    # given
    ids = {"A": town.a.pk, "B": town.b.pk, "C": town.c.pk}
    args = {"mobile": "18600000002", "nickname": "小王", **kwargs}
    if "community_id" in args:
        args["community_id"] = ids[args["community_id"]]
    if args["role"] == "grid_worker":
        args["grid_id"] = town.grid_a.pk  # a grid of A, not of B
    before = User.objects.count()
    # when
    with pytest.raises(InvalidInput) as exc:
        staff_invite(actor=town.admin, **args)
    # then
    assert exc.value.field == field
    assert User.objects.count() == before


def test_moving_and_deactivating_staff(town):
    # when
    staff_move(
        actor=town.admin,
        user_id=town.staff_a.pk,
        role=Role.COMMUNITY_STAFF,
        community_id=town.b.pk,
    )
    staff_set_active(actor=town.admin, user_id=town.staff_b.pk, active=False)
    # then
    assert User.objects.get(pk=town.staff_a.pk).community == town.b
    assert User.objects.get(pk=town.staff_b.pk).is_active is False
    with pytest.raises(Conflict):
        staff_set_active(actor=town.admin, user_id=town.admin.pk, active=False)
    with pytest.raises(NotFound):  # a resident is not a staff account
        staff_set_active(actor=town.admin, user_id=town.alice.pk, active=False)
    with pytest.raises(NotFound):  # another town's admin
        staff_set_active(actor=town.admin, user_id=town.outsider_admin.pk, active=False)


def test_household_head_members_and_moving_a_member(town):
    # given
    home = household_create(actor=town.admin, community_id=town.a.pk, name="1栋101")
    other = household_create(actor=town.admin, community_id=town.b.pk, name="2栋202")
    household_member_move(actor=town.admin, resident_id=town.alice.pk, household_id=home.pk)
    household_set_head(actor=town.admin, household_id=home.pk, resident_id=town.alice.pk)
    # when: Alice moves to a household of community B
    household_member_move(actor=town.admin, resident_id=town.alice.pk, household_id=other.pk)
    # then
    alice = User.objects.get(pk=town.alice.pk)
    assert (alice.household, alice.community, alice.grid) == (other, town.b, None)
    assert Household.objects.get(pk=home.pk).head is None
    with pytest.raises(InvalidInput) as exc:
        household_set_head(actor=town.admin, household_id=home.pk, resident_id=town.bob.pk)
    assert exc.value.code == "not_a_member"
    with pytest.raises(InvalidInput):  # a resident of another town
        household_member_move(actor=town.admin, resident_id=town.carol.pk, household_id=home.pk)


# --- pages --------------------------------------------------------------------------


def test_console_pages_open_for_a_town_admin_only(client, town):
    client.force_login(town.staff_a)
    assert client.get(reverse("console:index")).status_code == 403
    client.force_login(town.admin)
    for name in ("index", "communities", "staff", "households"):
        assert client.get(reverse(f"console:{name}")).status_code == 200, name


def test_pages_add_a_community_and_show_a_duplicate_on_the_field(client, town):
    # given
    client.force_login(town.admin)
    url = reverse("console:communities")
    # when
    ok = client.post(url, {"action": "community_create", "community-name": "新社区"})
    dup = client.post(url, {"action": "community_create", "community-name": "新社区"})
    # then
    assert ok.status_code == 302
    assert "name" in dup.context["community_form"].errors
    assert Community.objects.filter(town=town.town, name="新社区").count() == 1


def test_pages_invite_staff_and_show_the_masked_mobile(client, town):
    # given
    client.force_login(town.admin)
    # when
    resp = client.post(
        reverse("console:staff"),
        {
            "mobile": "18600000003",
            "nickname": "社工小赵",
            "role": "community_staff",
            "community": town.b.pk,
        },
        follow=True,
    )
    # then
    assert User.objects.get(mobile="18600000003").community == town.b
    assert "186****0003" in resp.content.decode()


def test_page_of_another_towns_household_is_404(client, town):
    # given
    outside = Household.objects.create(community=town.c, name="外户")
    client.force_login(town.admin)
    # when / then
    assert client.get(reverse("console:household", args=[outside.pk])).status_code == 404


def test_household_page_adds_a_member_by_mobile(client, town):
    # given
    home = household_create(actor=town.admin, community_id=town.a.pk, name="3栋303")
    client.force_login(town.admin)
    url = reverse("console:household", args=[home.pk])
    # when
    client.post(url, {"action": "add", "mobile": town.alice.mobile})
    unknown = client.post(url, {"action": "add", "mobile": town.carol.mobile})
    # then
    assert User.objects.get(pk=town.alice.pk).household == home
    assert "mobile" in unknown.context["form"].errors


# --- API ----------------------------------------------------------------------------


def test_api_round_trip_and_errors_name_the_field(client, town):
    client.force_login(town.admin)
    # communities and grids
    created = _api(client, "post", "/communities", {"name": "东社区"})
    assert created.status_code == 201
    cid = created.json()["id"]
    assert _api(client, "post", "/communities", {"name": "东社区"}).json()["code"] == "name_taken"
    grid = _api(client, "post", f"/communities/{cid}/grids", {"name": "一网格"})
    assert grid.status_code == 201
    assert (
        _api(client, "patch", f"/grids/{grid.json()['id']}", {"name": "二网格"}).json()["name"]
        == "二网格"
    )
    assert _api(client, "patch", f"/communities/{town.c.pk}", {"name": "x"}).status_code == 404
    # staff
    bad = _api(
        client,
        "post",
        "/staff",
        {"mobile": "18600000004", "nickname": "n", "role": "grid_worker", "community_id": cid},
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "grid_id")
    ok = _api(
        client,
        "post",
        "/staff",
        {"mobile": "18600000004", "nickname": "n", "role": "community_staff", "community_id": cid},
    )
    assert ok.status_code == 201 and "password" not in ok.text
    # households
    h = _api(client, "post", "/households", {"community_id": town.a.pk, "name": "9栋"})
    hid = h.json()["id"]
    moved = _api(client, "post", f"/residents/{town.alice.pk}/household", {"household_id": hid})
    assert moved.status_code == 200
    head = _api(client, "post", f"/households/{hid}/head", {"resident_id": town.alice.pk})
    assert head.json()["head_id"] == town.alice.pk
    assert [m["id"] for m in head.json()["members"]] == [town.alice.pk]


def test_api_refuses_non_admins(client, town):
    client.force_login(town.staff_a)
    resp = _api(client, "get", "/communities")
    assert (resp.status_code, resp.json()["code"]) == (403, "town_admin_only")


# --- import pages and cards -----------------------------------------------------------


def test_import_pages_template_dry_run_and_progress(client, town):
    # given
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(town.admin)
    template = client.get(reverse("console:import_template", args=["xlsx"]))
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert client.get(reverse("console:import_template", args=["csv"])).status_code == 200
    data = "手机号,姓名,社区\n13600000001,王五,巴桥社区\n12345,坏,巴桥社区\n".encode()
    # when: upload, see the dry run, run one step through the script's endpoint
    upload = client.post(reverse("console:import"), {"file": SimpleUploadedFile("list.csv", data)})
    job_url = upload["Location"]
    dry = client.get(job_url)
    step = client.post(job_url + "step/")
    done = client.get(job_url)
    # then
    assert "bad_mobile" not in dry.content.decode() and "12345" in dry.content.decode()
    assert [p.action for p in dry.context["page"]] == ["refuse"]
    assert step.json()["status"] == "done" and step.json()["done"] == 2
    assert User.objects.get(mobile="13600000001").community == town.b
    assert done.status_code == 200


def test_import_page_shows_a_bad_file_on_the_field(client, town):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(town.admin)
    resp = client.post(reverse("console:import"), {"file": SimpleUploadedFile("x.txt", b"x")})
    assert "file" in resp.context["form"].errors


def test_another_towns_import_job_is_404(client, town):
    from civicpoints.accounts.services import import_job_create

    job = import_job_create(
        actor=town.admin, data="手机号,社区\n13600000001,融城社区\n".encode(), filename="a.csv"
    )
    client.force_login(town.outsider_admin)
    assert client.get(reverse("console:import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("console:import_step", args=[job.pk])).status_code == 404


def test_cards_print_page_shows_a_communitys_residents_with_qr_codes(client, town):
    client.force_login(town.admin)
    resp = client.get(reverse("console:cards"), {"community": town.a.pk})
    body = resp.content.decode()
    assert resp.status_code == 200
    assert [p for p, _ in resp.context["cards"]] == [town.alice]
    assert "<svg" in body and town.alice.mobile not in body  # masked on the card
    other = client.get(reverse("console:cards"), {"community": town.c.pk})
    assert other.context["page"] is None and "community" in other.context["form"].errors
