"""Notification preferences per person and staff broadcasts (issue 18, item 7)."""

import pytest
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from civicpoints.accounts.services import resident_register
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.notifications import services
from civicpoints.notifications.channels import Channel, SMSChannel, WeChatTemplateChannel
from civicpoints.notifications.models import (
    Broadcast,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from civicpoints.notifications.preferences import allows, choices_for
from civicpoints.notifications.services import notify

HERE = "civicpoints.notifications.tests.test_preferences_broadcasts"


class FakeSMS(Channel):
    medium = "sms"
    sent: list = []

    def send(self, notification) -> None:
        type(self).sent.append(notification.recipient_id)


class FakeWeChat(Channel):
    medium = "wechat"
    sent: list = []

    def send(self, notification) -> None:
        type(self).sent.append(notification.recipient_id)


@pytest.fixture
def fakes(settings):
    settings.NOTIFICATION_CHANNELS = [f"{HERE}.FakeSMS", f"{HERE}.FakeWeChat"]
    FakeSMS.sent, FakeWeChat.sent = [], []
    return FakeSMS, FakeWeChat


def _notify(person, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return notify(recipient=person, kind=kind, title="标题")


def test_the_real_channels_name_their_medium():
    assert SMSChannel.medium == "sms"
    assert WeChatTemplateChannel.medium == "wechat"
    assert Channel.medium is None


def test_defaults_send_every_channel(town, fakes, django_capture_on_commit_callbacks):
    # when
    _notify(town.alice, NotificationKind.EVENT_REMINDER, django_capture_on_commit_callbacks)
    # then
    assert FakeSMS.sent == [town.alice.pk] and FakeWeChat.sent == [town.alice.pk]
    assert all(c.sms and c.wechat for c in choices_for(town.alice.pk, town.alice.town_id))


def test_preferences_filter_channels_per_kind_inbox_always(
    town, fakes, django_capture_on_commit_callbacks
):
    # given: alice wants event reminders by WeChat only, broadcasts by neither
    services.preferences_set(
        user=town.alice,
        choices={
            NotificationKind.EVENT_REMINDER: {"sms": False, "wechat": True},
            NotificationKind.BROADCAST: {"sms": False, "wechat": False},
        },
    )
    # when
    _notify(town.alice, NotificationKind.EVENT_REMINDER, django_capture_on_commit_callbacks)
    _notify(town.alice, NotificationKind.BROADCAST, django_capture_on_commit_callbacks)
    _notify(town.alice, NotificationKind.POST_APPROVED, django_capture_on_commit_callbacks)
    # then: the inbox has all three; SMS only the untouched kind; WeChat two
    assert Notification.objects.filter(recipient=town.alice).count() == 3
    assert FakeSMS.sent == [town.alice.pk]
    assert FakeWeChat.sent == [town.alice.pk, town.alice.pk]
    assert not allows(town.alice.pk, NotificationKind.BROADCAST, "wechat")
    assert allows(town.bob.pk, NotificationKind.BROADCAST, "wechat")


def test_sms_switched_off_reaches_no_gateway(
    town, queue, tencent, django_capture_on_commit_callbacks
):
    # given: the real SMS channel through the provider's SDK to the fake gateway
    services.preferences_set(user=town.alice, choices={"general": {"sms": False}})
    # when
    _notify(town.alice, NotificationKind.GENERAL, django_capture_on_commit_callbacks)
    _notify(town.bob, NotificationKind.GENERAL, django_capture_on_commit_callbacks)
    queue.run()
    # then: only bob's text left
    numbers = [r["body"]["PhoneNumberSet"] for r in tencent.requests]
    assert numbers == [["+8613900139002"]]


def test_sms_stays_off_where_the_town_texts_nothing(town, settings):
    # given: the town texts only event reminders
    settings.NOTIFICATION_SMS_KINDS = ["event_reminder"]
    # when
    choices = services.preferences_set(user=town.alice, choices={"general": {"sms": True}})
    # then
    general = next(c for c in choices if c.kind == "general")
    assert not general.sms and not general.sms_offered


def test_preferences_reject_unknown_kinds_and_bad_values(town):
    with pytest.raises(InvalidInput) as err:
        services.preferences_set(user=town.alice, choices={"nope": {"sms": False}})
    assert err.value.field == "kind"
    with pytest.raises(InvalidInput) as err:
        services.preferences_set(user=town.alice, choices={"general": {"sms": "no"}})
    assert err.value.field == "general"
    assert not NotificationPreference.objects.exists()


def test_preferences_page_and_api(client, town):
    # given
    client.force_login(town.alice)
    url = reverse("notifications:preferences")
    assert "短信" in client.get(url).content.decode()
    # when: the page leaves every box unticked but WeChat for broadcasts
    page = client.post(url, {"wechat:broadcast": "on"})
    # then
    assert page.status_code == 302
    got = {c["kind"]: c for c in client.get("/api/v1/notifications/preferences").json()}
    assert got["broadcast"]["wechat"] and not got["broadcast"]["sms"]
    assert not got["general"]["wechat"]
    # when: the API switches SMS of broadcasts back on
    put = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": {"broadcast": {"sms": True}}},
        content_type="application/json",
    )
    bad = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": {"nope": {"sms": True}}},
        content_type="application/json",
    )
    # then
    assert put.status_code == 200
    assert next(c for c in put.json() if c["kind"] == "broadcast")["sms"] is True
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


# --- broadcasts ---------------------------------------------------------------


@pytest.fixture
def crowd(town):
    """Besides alice (A, grid 1) and bob (B): dan in A's grid 1, eve in A without a
    grid, fay in A's grid 1 but closed; carol lives in the other town."""
    town.dan = resident_register(
        mobile="13600000001",
        nickname="Dan",
        password=town.password,
        community=town.a,
        grid=town.grid_a,
    )
    town.eve = resident_register(
        mobile="13600000002", nickname="Eve", password=town.password, community=town.a
    )
    town.fay = resident_register(
        mobile="13600000003",
        nickname="Fay",
        password=town.password,
        community=town.a,
        grid=town.grid_a,
    )
    town.fay.is_active = False
    town.fay.save(update_fields=["is_active"])
    return town


def _send(actor, django_capture_on_commit_callbacks, key="key-00000001", **target):
    with django_capture_on_commit_callbacks(execute=True):
        return services.broadcast_send(
            actor=actor,
            community_id=target.get("community_id"),
            grid_id=target.get("grid_id"),
            title="停水通知",
            body="明天上午停水。",
            idempotency_key=key,
        )


def _reached(sent):
    return set(
        Notification.objects.filter(kind=NotificationKind.BROADCAST, title=sent.title).values_list(
            "recipient_id", flat=True
        )
    )


def test_a_grid_broadcast_reaches_exactly_the_grid(
    crowd, fakes, django_capture_on_commit_callbacks
):
    # when
    sent = _send(crowd.grid_worker_a, django_capture_on_commit_callbacks, grid_id=crowd.grid_a.pk)
    # then: alice and dan (grid 1), not eve (community A, no grid), fay (closed), bob, carol
    assert _reached(sent) == {crowd.alice.pk, crowd.dan.pk}
    assert sent.recipients == 2 and sent.sender == crowd.grid_worker_a
    assert sorted(FakeSMS.sent) == sorted([crowd.alice.pk, crowd.dan.pk])


def test_a_community_broadcast_reaches_exactly_the_community(
    crowd, fakes, django_capture_on_commit_callbacks
):
    # given: dan wants broadcasts by no outside channel
    services.preferences_set(user=crowd.dan, choices={"broadcast": {"sms": False}})
    # when
    sent = _send(crowd.staff_a, django_capture_on_commit_callbacks, community_id=crowd.a.pk)
    # then
    assert _reached(sent) == {crowd.alice.pk, crowd.dan.pk, crowd.eve.pk}
    assert sorted(FakeSMS.sent) == sorted([crowd.alice.pk, crowd.eve.pk])
    assert len(FakeWeChat.sent) == 3


def test_town_admin_may_broadcast_anywhere_in_the_town(
    crowd, fakes, django_capture_on_commit_callbacks
):
    sent = _send(crowd.admin, django_capture_on_commit_callbacks, community_id=crowd.b.pk)
    assert _reached(sent) == {crowd.bob.pk}


def test_broadcast_scope_is_enforced(crowd, django_capture_on_commit_callbacks):
    cases = [
        (crowd.staff_b, {"community_id": crowd.a.pk}, OutOfScope),  # another community
        (crowd.grid_worker_a, {"community_id": crowd.a.pk}, OutOfScope),  # more than the grid
        (crowd.outsider_admin, {"community_id": crowd.a.pk}, NotFound),  # another town
        (crowd.alice, {"community_id": crowd.a.pk}, OutOfScope),  # a resident
        (crowd.admin, {"community_id": crowd.c.pk}, NotFound),  # other town's community
        (crowd.admin, {}, InvalidInput),
    ]
    for actor, target, error in cases:
        with pytest.raises(error):
            _send(actor, django_capture_on_commit_callbacks, **target)
    assert not Broadcast.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.BROADCAST).exists()


def test_broadcast_length_limit_and_replay(crowd, fakes, django_capture_on_commit_callbacks):
    with pytest.raises(InvalidInput) as err:
        services.broadcast_send(
            actor=crowd.staff_a,
            community_id=crowd.a.pk,
            grid_id=None,
            title="通知",
            body="长" * 501,
            idempotency_key="key-00000002",
        )
    assert err.value.field == "body"
    first = _send(crowd.staff_a, django_capture_on_commit_callbacks, community_id=crowd.a.pk)
    again = _send(crowd.staff_a, django_capture_on_commit_callbacks, community_id=crowd.a.pk)
    assert first.pk == again.pk and not again.created
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 3


def test_broadcast_is_one_task_per_channel_per_batch(
    crowd, queue, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # given: batches of two, two channels
    settings.NOTIFICATION_CHANNELS = [f"{HERE}.FakeSMS", f"{HERE}.FakeWeChat"]
    monkeypatch.setattr("civicpoints.notifications.tasks.BATCH", 2)
    # when: three residents of community A
    _send(crowd.staff_a, django_capture_on_commit_callbacks, community_id=crowd.a.pk)
    # then: two batches × two channels, nothing sent before the worker runs
    assert DBTaskResult.objects.count() == 4
    FakeSMS.sent = []
    queue.run()
    assert queue.statuses() == ["SUCCESSFUL"] * 4
    assert len(FakeSMS.sent) == 3


def test_broadcast_page_previews_sends_and_is_audited(client, crowd, fakes):
    from civicpoints.audit.models import AuditEntry

    client.force_login(crowd.grid_worker_a)
    url = reverse("notifications:broadcast")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert [v for v, _label in form.fields["target"].choices] == [f"g:{crowd.grid_a.pk}"]
    data = {
        "target": f"g:{crowd.grid_a.pk}",
        "title": "停水通知",
        "body": "明天上午停水。",
        "nonce": form["nonce"].value(),
    }
    # when: preview
    preview = client.post(url, {**data, "preview": "1"})
    # then
    assert "这条通知将发给 2 位居民" in preview.content.decode()
    assert not Broadcast.objects.exists()
    # when: send (a grid outside the scope is not a choice)
    wrong = client.post(url, {**data, "target": f"c:{crowd.a.pk}", "send": "1"})
    sent = client.post(url, {**data, "send": "1"})
    # then
    assert wrong.status_code == 422
    assert sent.status_code == 302
    assert Broadcast.objects.get().recipients == 2
    assert AuditEntry.objects.filter(actor=crowd.grid_worker_a, path=url).exists()
    client.force_login(crowd.alice)
    assert client.get(url).status_code == 403


def test_broadcast_api_preview_and_send(client, crowd, fakes):
    client.force_login(crowd.staff_a)
    reach = client.get(f"/api/v1/notifications/broadcasts/preview?community_id={crowd.a.pk}")
    assert reach.json() == {"recipients": 3}
    other = client.get(f"/api/v1/notifications/broadcasts/preview?community_id={crowd.b.pk}")
    assert other.status_code == 403
    body = {
        "grid_id": crowd.grid_a.pk,
        "title": "通知",
        "body": "内容",
        "idempotency_key": "api-key-0001",
    }
    first = client.post("/api/v1/notifications/broadcasts", body, content_type="application/json")
    again = client.post("/api/v1/notifications/broadcasts", body, content_type="application/json")
    too_long = client.post(
        "/api/v1/notifications/broadcasts",
        {**body, "title": "长" * 61, "idempotency_key": "api-key-0002"},
        content_type="application/json",
    )
    assert first.status_code == 201 and first.json()["recipients"] == 2
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert too_long.status_code == 422
