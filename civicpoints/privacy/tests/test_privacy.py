"""PIPL: a resident downloads their data and closes their account (issue 8)."""

import json

import pytest
from django.urls import reverse

from civicpoints.accounts.models import User
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.mobile import normalize_mobile
from civicpoints.merchants.models import Voucher
from civicpoints.merchants.services import voucher_exchange
from civicpoints.merchants.tests.conftest import fund, make_offer
from civicpoints.points.selectors import reconcile
from civicpoints.privacy.services import (
    account_close,
    closed_mobile,
    resident_data_export,
)

API = "/api/v1"


@pytest.fixture
def alice_with_history(town):
    """alice: 200 points from staff, one voucher used-to-be-redeemed-able (issued), a note."""
    fund(town, town.alice, 200)
    offer = make_offer(town.merchant, per_resident_limit=2, stock=5)
    voucher = voucher_exchange(resident=town.alice, offer_id=offer.pk, idempotency_key="p-0000001")
    town.alice.real_name = "王丽"
    town.alice.save(update_fields=["real_name"])
    town.voucher = voucher
    return town


def test_export_holds_profile_ledger_vouchers_and_only_mine(client, alice_with_history):
    town = alice_with_history
    # given
    from civicpoints.notifications.services import preferences_set

    preferences_set(user=town.alice, choices={"broadcast": {"sms": False}})
    client.force_login(town.alice)
    # when
    page = client.post(reverse("privacy:export"))
    api = client.get(f"{API}/me/export")
    # then
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    # the download reads in Chinese (issue 18); the API keeps the stable English keys
    labelled = json.loads(page.content)
    assert labelled["个人资料"]["手机号"] == "13800138001"
    assert labelled["积分"]["积分明细"][0]["时间"].endswith("+08:00")
    data = api.json()
    assert data["profile"]["mobile"] == "13800138001" and data["profile"]["real_name"] == "王丽"
    assert data["points"]["balance"] == 150
    assert [t["points"] for t in data["points"]["transactions"]] == [200, -50]
    assert [v["status"] for v in data["vouchers"]] == ["issued"]
    assert set(data) >= {"posts", "comments", "likes", "reports", "event_signups"}
    assert "notifications" in data and "articles_read" in data
    assert data["message_settings"] == [{"kind": "broadcast", "sms": False, "wechat": True}]
    assert api.status_code == 200 and data["points"]["transactions"][0]["created_at"].endswith(
        "+08:00"
    )
    # and bob's export has none of alice's rows
    assert resident_data_export(user=town.bob)["points"]["transactions"] == []


def test_export_needs_a_login_and_a_post(client, town):
    assert client.get(f"{API}/me/export").status_code == 401
    client.force_login(town.alice)
    assert client.get(reverse("privacy:export")).status_code == 405


def test_closing_anonymizes_keeps_the_ledger_and_refunds_open_vouchers(client, alice_with_history):
    town = alice_with_history
    # given
    client.force_login(town.alice)
    # when
    resp = client.post(reverse("privacy:privacy"), {"password": town.password, "confirm": "on"})
    # then: logged out, anonymized, cannot log in with the old number or the placeholder
    assert resp.status_code == 302
    closed = User.objects.get(pk=town.alice.pk)
    assert closed.nickname.startswith("已注销居民#") and len(closed.nickname) == 14
    assert closed.mobile == closed_mobile(closed.pk) and closed.real_name == ""
    assert not closed.is_active and not closed.has_usable_password()
    with pytest.raises(InvalidInput):
        normalize_mobile(closed.mobile)
    login = client.post(
        reverse("accounts:login"), {"mobile": "13800138001", "password": town.password}
    )
    assert login.status_code == 200 and "_auth_user_id" not in client.session
    # the voucher came back as points; the ledger is whole and reconciles
    assert Voucher.objects.get(pk=town.voucher.pk).status == Voucher.Status.CANCELLED
    closed.point_account.refresh_from_db()
    assert closed.point_account.balance == 200
    assert closed.point_transactions.count() == 3
    assert reconcile() == []
    # the old number is free for a new registration
    from civicpoints.accounts.services import resident_register

    newcomer = resident_register(
        mobile="13800138001", nickname="New", password=town.password, community=town.a
    )
    assert newcomer.pk != closed.pk


def test_closing_keeps_the_community_total_and_the_ledger_under_the_pseudonym(town):
    # given
    from django.db.models import Sum

    from civicpoints.points.models import PointTransaction

    fund(town, town.alice, 30)
    fund(town, town.bob, 20)

    def community_total():
        rows = PointTransaction.objects.filter(resident__community=town.a)
        return rows.aggregate(total=Sum("points"))["total"]

    before = community_total()
    # when
    closed = account_close(user=User.objects.get(pk=town.alice.pk), password=town.password)
    # then
    assert community_total() == before == 30
    assert closed.point_account.balance == 30 and reconcile() == []
    assert str(closed).startswith("已注销居民#")


def test_closing_is_refused_for_a_wrong_password_and_for_staff(client, town):
    # given
    client.force_login(town.alice)
    # when
    wrong = client.post(f"{API}/me/close", {"password": "nope"}, content_type="application/json")
    # then
    assert (wrong.status_code, wrong.json()["code"]) == (422, "wrong_password")
    assert User.objects.get(pk=town.alice.pk).is_active
    with pytest.raises(OutOfScope) as exc:
        account_close(user=town.staff_a, password=town.password)
    assert exc.value.code == "resident_only"


def test_closing_twice_changes_nothing_more(town):
    # given
    first = account_close(user=User.objects.get(pk=town.alice.pk), password=town.password)
    # when
    again = account_close(user=User.objects.get(pk=town.alice.pk), password=town.password)
    # then
    assert (again.nickname, again.mobile) == (first.nickname, first.mobile)


def test_api_close_ends_the_session(client, town):
    # given
    client.force_login(town.alice)
    # when
    resp = client.post(
        f"{API}/me/close", {"password": town.password}, content_type="application/json"
    )
    # then
    assert resp.status_code == 204
    assert client.get(f"{API}/me").status_code == 401


def test_closing_cancels_upcoming_sign_ups_and_moves_the_waitlist_up(town, catalog):
    # given: a one-place event a week ahead; alice holds the place, bob waits
    import datetime as dt

    from django.utils import timezone

    from civicpoints.events import services as events
    from civicpoints.events.models import SignUp, SignUpStatus
    from civicpoints.points.services import rule_get

    start = timezone.now() + dt.timedelta(days=7)
    event = events.event_create(
        actor=town.admin,
        title="River clean-up",
        place="Riverside",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        signup_deadline=start - dt.timedelta(days=1),
        capacity=1,
        rule=rule_get("volunteer_service", town_id=town.town.pk),
    )
    events.event_publish(actor=town.admin, event=event)
    events.event_sign_up(resident=town.alice, event=event)
    events.event_sign_up(resident=town.bob, event=event)
    # when
    account_close(user=User.objects.get(pk=town.alice.pk), password=town.password)
    # then
    statuses = dict(SignUp.objects.filter(event=event).values_list("resident_id", "status"))
    assert statuses == {town.alice.pk: SignUpStatus.CANCELLED, town.bob.pk: SignUpStatus.CONFIRMED}


def test_closing_frees_the_wechat_and_the_export_shows_it(town, texted_code):
    # given: alice bound her WeChat and signed in to the mini-program
    from civicpoints.accounts.models import ApiToken, WeChatIdentity
    from civicpoints.accounts.services import api_token_issue, wechat_identity_bind

    code = texted_code(town.alice.mobile, "bind")
    wechat_identity_bind(mobile=town.alice.mobile, code=code, openid="oALICE")
    api_token_issue(user=town.alice)
    assert resident_data_export(user=town.alice)["wechat"][0]["openid"] == "oALICE"
    # when
    account_close(user=town.alice, password=town.password)
    # then
    assert not WeChatIdentity.objects.filter(openid="oALICE").exists()
    assert not ApiToken.objects.filter(user=town.alice, revoked_at__isnull=True).exists()


def _code_only_alice(town):
    """alice as a resident who signs in by SMS code or WeChat only: no password."""
    alice = User.objects.get(pk=town.alice.pk)
    alice.set_unusable_password()
    alice.save(update_fields=["password"])
    return alice


def test_a_resident_without_a_password_closes_with_a_code_on_the_page(client, town, texted_code):
    # given
    alice = _code_only_alice(town)
    client.force_login(alice)
    # when: the "Text me a code" button, then the code
    sent = client.post(reverse("privacy:privacy"), {"send_code": "1"})
    code = texted_code(alice.mobile)
    wrong = client.post(reverse("privacy:privacy"), {"code": "000000", "confirm": "on"})
    closed = client.post(reverse("privacy:privacy"), {"code": code, "confirm": "on"})
    # then
    assert sent.status_code == 200 and alice.masked_mobile in sent.content.decode()
    assert wrong.status_code == 422 or code == "000000"
    assert closed.status_code == 302
    assert not User.objects.get(pk=alice.pk).is_active


def test_closing_by_code_refuses_a_wrong_code_a_missing_proof_and_a_spent_code(town, texted_code):
    # given
    from civicpoints.accounts.services import CodeWrong
    from civicpoints.privacy.services import ProofMissing, account_close_code_send

    alice = _code_only_alice(town)
    account_close_code_send(user=alice)
    code = texted_code(alice.mobile)
    wrong = "000000" if code != "000000" else "111111"
    # when / then
    with pytest.raises(ProofMissing):
        account_close(user=alice)
    with pytest.raises(CodeWrong):
        account_close(user=alice, code=wrong)
    assert User.objects.get(pk=alice.pk).is_active
    closed = account_close(user=alice, code=code)
    assert not closed.is_active


def test_closing_by_code_through_the_api(client, town, texted_code):
    # given
    alice = _code_only_alice(town)
    client.force_login(alice)
    # when
    sent = client.post(f"{API}/me/close/code")
    code = texted_code(alice.mobile)
    closed = client.post(f"{API}/me/close", {"code": code}, content_type="application/json")
    # then
    assert sent.status_code == 202 and closed.status_code == 204
    assert not User.objects.get(pk=alice.pk).is_active


def test_a_close_code_is_not_a_sign_in_code(town, texted_code):
    # given: a code texted for closing
    from civicpoints.accounts.services import CodeInvalid, user_sign_in_with_code
    from civicpoints.privacy.services import account_close_code_send

    alice = _code_only_alice(town)
    account_close_code_send(user=alice)
    code = texted_code(alice.mobile)
    # when / then: it does not sign anyone in
    with pytest.raises(CodeInvalid):
        user_sign_in_with_code(mobile=alice.mobile, code=code)
