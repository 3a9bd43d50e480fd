"""Issue 18's smaller findings, each pinned by a test that failed before the fix."""

import datetime as dt
import json

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from civicpoints.merchants.models import Voucher
from civicpoints.merchants.tests.conftest import fund, make_offer


def test_photo_limit_reads_in_english_on_the_english_forms(client, town, catalog):
    # given: alice reads the site in English
    town.alice.language = "en"
    town.alice.save(update_fields=["language"])
    client.force_login(town.alice)
    # then: the hint is English on both forms, Chinese for a Chinese reader
    for name in ("posts:new", "reports:new"):
        html = client.get(reverse(name)).content.decode()
        assert "Up to 9 photos." in html and "最多 9 张照片" not in html
    client.force_login(town.bob)
    assert "最多 9 张照片" in client.get(reverse("posts:new")).content.decode()


def _event(town, capacity, **kw):
    from civicpoints.events.services import event_create, event_publish
    from civicpoints.points.services import rule_get

    now = timezone.now()
    event = event_create(
        actor=town.staff_a,
        title="河道清洁",
        place="广场",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=3),
        signup_deadline=now + dt.timedelta(hours=20),
        capacity=capacity,
        rule=rule_get("sanitation_drive", town_id=town.town.pk),
        community=town.a,
        **kw,
    )
    event_publish(actor=town.staff_a, event=event)
    return event


def test_a_full_event_offers_the_waitlist_not_sign_up(client, town, catalog):
    from civicpoints.accounts.services import resident_register
    from civicpoints.events.services import event_sign_up

    event = _event(town, capacity=1)
    other = resident_register(
        mobile="13800138009", nickname="Dan", password=town.password, community=town.a
    )
    event_sign_up(resident=other, event=event)
    client.force_login(town.alice)
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "已满 · 报名候补" in html and ">报名</button>" not in html
    assert "已满（可候补）" in client.get(reverse("events:list")).content.decode()


def test_my_reports_is_in_the_services_menu(client, town, catalog):
    client.force_login(town.alice)
    assert f'href="{reverse("reports:mine")}"' in client.get("/").content.decode()


def test_messages_open_their_object_and_mark_read_says_so(client, town):
    from civicpoints.notifications.models import NotificationKind
    from civicpoints.notifications.services import notify

    notify(
        recipient=town.alice,
        kind=NotificationKind.VOUCHER_REDEEMED,
        title="用了",
        url="/merchants/vouchers/",
    )
    notify(recipient=town.alice, kind=NotificationKind.VOUCHER_REDEEMED, title="没链接")
    client.force_login(town.alice)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "查看" in html and "标为已读" in html and ">已读<" not in html


def test_exchange_asks_for_confirmation_first(client, town):
    offer = make_offer(town.merchant, points_cost=50)
    fund(town, town.alice, 120)
    client.force_login(town.alice)
    url = reverse("merchants:exchange", args=[town.shop.pk, offer.pk])
    # when: the merchant page's button is followed
    detail = client.get(reverse("merchants:detail", args=[town.shop.pk])).content.decode()
    assert f'href="{url}"' in detail
    page = client.get(url)
    # then: nothing spent, the balance after is shown
    assert page.status_code == 200 and page.context["after"] == 70
    assert Voucher.objects.count() == 0
    # when: confirmed
    nonce = page.context["form"]["nonce"].value()
    assert client.post(url, {"nonce": nonce}).status_code == 302
    assert Voucher.objects.count() == 1


def test_chinese_pages_group_thousands(client, town):
    # a five-figure balance needs no second staff member in this town
    town.town.manual_points_confirm_above = 20000
    town.town.save(update_fields=["manual_points_confirm_above"])
    fund(town, town.alice, 12345)
    client.force_login(town.alice)
    assert "12,345" in client.get("/").content.decode()


def test_the_two_ranks_say_which_is_which(client, town):
    fund(town, town.alice, 10)
    client.force_login(town.alice)
    html = client.get(reverse("portal:leaderboard"), {"period": "all"}).content.decode()
    assert "实时名次" in html


def test_data_export_reads_in_chinese_with_local_times(client, town):
    fund(town, town.alice, 10)
    client.force_login(town.alice)
    data = json.loads(client.post(reverse("privacy:export")).content)
    assert "个人资料" in data and "积分" in data
    assert data["积分"]["积分明细"][0]["时间"].endswith("+08:00")

    def keys(d):
        if isinstance(d, dict):
            for k, v in d.items():
                yield k
                yield from keys(v)
        elif isinstance(d, list):
            for v in d:
                yield from keys(v)

    assert [k for k in keys(data) if k.isascii()] == []


def test_ledger_memos_carry_no_internal_ids_and_hours_are_grouped(client, town, catalog):
    from civicpoints.points.selectors import group_rows, history
    from civicpoints.points.services import points_award, rule_get

    # given: three per-hour awards for one cause (as an event's per-hour attendance)
    rule = rule_get("sanitation_drive", town_id=town.town.pk)
    from civicpoints.points.governance import rule_change

    rule_change(
        actor=town.admin,
        rule_id=rule.pk,
        changes={"daily_limit": None, "period": None, "period_limit": None},
        reason="uncapped for the test",
    )
    rule.refresh_from_db()
    for hour in (1, 2, 3):
        points_award(
            actor=town.admin,
            resident=town.alice,
            rule=rule,
            cause=town.shop,
            idempotency_key=f"hour-{hour}",
        )
    client.force_login(town.alice)
    html = client.get(reverse("points:history")).content.decode()
    # then: one line "+75 (3 × 25)", no "#<id>"
    lines = group_rows(history(town.alice))
    assert len(lines) == 1 and lines[0].count == 3
    assert f"(3 × {rule.points})" in html and f"#{town.shop.pk}<" not in html
    assert "商家 #" not in html


def test_the_award_form_groups_rules_and_leaves_out_automatic_ones(catalog, town):
    from civicpoints.points.forms import award_rule_choices

    groups = award_rule_choices(town.town.pk)
    codes = [code for _label, items in groups for code, _ in items]
    assert len(groups) == 3
    for auto in ("daily_check_in", "policy_quiz", "online_civility_pledge", "community_survey"):
        assert auto not in codes
    assert "voluntary_patrol" in codes


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_audit_log_reads_in_words_and_filters(client, town):
    client.force_login(town.staff_a)
    client.post(reverse("accounts:elder_mode"), {"on": "1"})
    client.force_login(town.merchant)
    client.post(reverse("merchants:desk_percent"), {"percent": "10"})
    client.force_login(town.admin)
    html = client.get(reverse("audit:log")).content.decode()
    assert "切换字号" in html and "社区工作者" in html and "POST /" not in html
    page = client.get(reverse("audit:log"), {"action": "merchants:desk_percent"})
    assert [r["action"] for r in page.context["rows"]] == ["设置优惠卡折扣"]
    page = client.get(reverse("audit:log"), {"who": town.staff_a.nickname})
    assert {r["entry"].actor_id for r in page.context["rows"]} == {town.staff_a.pk}


def test_staff_cannot_award_an_automatic_rule_through_the_api(client, town, catalog):
    # given staff of alice's community, and the automatic rules (earned by doing the thing)
    from civicpoints.points.automatic import automatic_codes
    from civicpoints.points.models import PointTransaction

    automatic = sorted(automatic_codes())
    assert "daily_check_in" in automatic and "article_reading" in automatic
    client.force_login(town.staff_a)
    url = f"/api/v1/staff/residents/{town.alice.pk}/awards"
    for code in automatic:
        # when they post an award of one
        r = client.post(
            url,
            json.dumps({"rule": code, "idempotency_key": f"auto-{code}"[:60]}),
            content_type="application/json",
        )
        # then it is refused naming the rule, and nothing is written
        assert r.status_code == 422, (code, r.content)
        assert r.json()["code"] == "automatic_rule" and r.json()["field"] == "rule"
    assert not PointTransaction.objects.filter(resident=town.alice).exists()
    # a rule that needs staff confirmation is still awarded by hand
    r = client.post(
        url,
        json.dumps({"rule": "voluntary_patrol", "idempotency_key": "patrol-by-hand"}),
        content_type="application/json",
    )
    assert r.status_code == 201
