"""The inbox: sent after commit only, read marks, scope, pages and API."""

import pytest
from django.db import transaction
from django.urls import reverse

from civicpoints.core.errors import NotFound
from civicpoints.notifications.channels import ConsoleChannel
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from civicpoints.points import services as points


@pytest.fixture(autouse=True)
def _clear_sent():
    ConsoleChannel.sent.clear()


class Boom(Exception):
    pass


def test_sent_after_commit_and_never_for_a_rolled_back_change(
    town, rule, django_capture_on_commit_callbacks
):
    # a rolled-back award: no inbox row, nothing sent
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        points.points_award(resident=town.alice, rule=rule, actor=town.staff_a)
        raise Boom
    assert ConsoleChannel.sent == []
    assert not Notification.objects.exists()
    # a committed one: one row, sent once
    with django_capture_on_commit_callbacks(execute=True):
        row = points.points_award(resident=town.alice, rule=rule, actor=town.staff_a)
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (town.alice, NotificationKind.POINTS_AWARDED)
    assert ConsoleChannel.sent == [note]
    # reversal tells the resident too; a replayed award tells nobody
    with django_capture_on_commit_callbacks(execute=True):
        points.points_award(resident=town.alice, rule=rule, actor=town.staff_a)
        points.points_reverse(original=row, actor=town.staff_a, memo="duplicate")
    kinds = list(Notification.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [NotificationKind.POINTS_AWARDED, NotificationKind.POINTS_REVERSED]


def test_a_failing_channel_does_not_break_the_others(
    town, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = [
        "civicpoints.notifications.tests.test_notifications.BrokenChannel",
        "civicpoints.notifications.channels.ConsoleChannel",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="hello")
    assert [n.title for n in ConsoleChannel.sent] == ["hello"]


class BrokenChannel:
    def send(self, notification):
        raise ConnectionError("gateway down")


def test_mark_read_and_all_read_only_my_own(town):
    mine = notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="1")
    notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="2")
    theirs = notify(recipient=town.bob, kind=NotificationKind.GENERAL, title="3")
    with pytest.raises(NotFound):
        notification_mark_read(user=town.alice, notification_id=theirs.pk)
    assert notification_mark_read(user=town.alice, notification_id=mine.pk).read_at
    assert notifications_mark_all_read(user=town.alice) == 1
    assert notifications_mark_all_read(user=town.alice) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_inbox_page_badge_and_api(client, town):
    notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="<b>hi</b>")
    client.force_login(town.alice)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt;" in html and '<span class="badge"' in html
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    items = client.get("/api/v1/notifications").json()["items"]
    assert [i["read"] for i in items] == [False]
    resp = client.post(f"/api/v1/notifications/{items[0]['id']}/read")
    assert resp.status_code == 200 and resp.json()["read"] is True
    client.force_login(town.bob)
    assert client.post(f"/api/v1/notifications/{items[0]['id']}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 0}
