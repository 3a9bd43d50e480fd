"""The durable task queue (issue 15, item 5): deliveries enqueued after commit in the
database backend, run by ``db_worker``, retried with backoff, failures recorded for
town admins. SMS goes through the Tencent SDK to the fake provider on 127.0.0.1."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicpoints.accounts.tests.fake_sms import FakeGateway
from civicpoints.notifications.models import DeliveryFailure, NotificationKind
from civicpoints.notifications.services import notify

SMS = "civicpoints.notifications.channels.SMSChannel"


@pytest.fixture
def queue(settings, monkeypatch):
    """The database backend, as in production; ``run()`` is one ``db_worker --batch``.

    The worker closes "old" connections between tasks, which would close the test's
    own connection (held in its transaction): only that call is stubbed out."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_RETRY_DELAYS = [0, 0]

    class Queue:
        @staticmethod
        def run():
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

        @staticmethod
        def statuses():
            return sorted(DBTaskResult.objects.values_list("status", flat=True))

    return Queue


@pytest.fixture
def tencent(settings):
    """SMS through the Tencent SDK to a fake provider; the SMS channel only."""
    settings.NOTIFICATION_CHANNELS = [SMS]
    settings.SMS_BACKEND = "civicpoints.accounts.sms.TencentSMSBackend"
    settings.SMS_GATEWAY_SCHEME = "http"
    settings.SMS_SIGN_NAME = "公益积分"
    settings.SMS_TEMPLATE_IDS = ["code=1100001", "password_reset=1100002", "notice=1100003"]
    settings.SMS_TIMEOUT = 1
    settings.SMS_RETRIES = 0  # the queue retries, not the backend
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "tencent-test-key"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    with FakeGateway("tencent") as fake:
        settings.TENCENT_SMS_ENDPOINT = fake.endpoint
        yield fake


def _tell_alice(town, django_capture_on_commit_callbacks, title="活动改期"):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return notify(recipient=town.alice, kind=NotificationKind.GENERAL, title=title)


def test_a_send_is_a_queued_row_until_the_worker_runs(
    town, queue, tencent, django_capture_on_commit_callbacks
):
    # when
    _tell_alice(town, django_capture_on_commit_callbacks)
    # then: the request wrote a row and called nobody
    assert queue.statuses() == ["READY"]
    assert tencent.requests == []
    (row,) = DBTaskResult.objects.all()
    assert town.alice.mobile not in str(row.args_kwargs)
    # when
    queue.run()
    # then
    assert queue.statuses() == ["SUCCESSFUL"]
    (request,) = tencent.requests
    assert request["body"]["PhoneNumberSet"] == ["+8613800138001"]
    assert request["body"]["TemplateId"] == "1100003"
    assert request["body"]["TemplateParamSet"] == ["活动改期"]


def test_a_rolled_back_change_enqueues_nothing(
    town, queue, tencent, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="x")
        raise Boom
    assert DBTaskResult.objects.count() == 0


def test_a_busy_gateway_is_retried_until_it_answers(
    town, queue, tencent, django_capture_on_commit_callbacks
):
    # given: the provider fails twice
    tencent.script = ["busy", "busy", "ok"]
    _tell_alice(town, django_capture_on_commit_callbacks)
    # when
    queue.run()
    # then: three attempts, three task rows (each retry is a new one), no failure
    assert [r["scenario"] for r in tencent.requests] == ["busy", "busy", "ok"]
    assert queue.statuses() == ["SUCCESSFUL"] * 3
    assert not DeliveryFailure.objects.exists()


def test_a_retry_waits_its_backoff(
    town, queue, tencent, settings, django_capture_on_commit_callbacks
):
    # given
    settings.TASK_RETRY_DELAYS = [30, 120]
    tencent.script = ["busy"]
    _tell_alice(town, django_capture_on_commit_callbacks)
    # when
    before = timezone.now()
    queue.run()
    # then: the second attempt waits 30 s, untouched by this run
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.args_kwargs["kwargs"] == {"attempt": 2}
    assert before + dt.timedelta(seconds=29) < waiting.run_after < before + dt.timedelta(seconds=40)
    assert len(tencent.requests) == 1


def test_given_up_deliveries_are_recorded_for_town_admins(
    client, town, queue, tencent, django_capture_on_commit_callbacks
):
    # given: a template the provider refuses (permanent) and a gateway that stays busy
    tencent.script = ["template"]
    _tell_alice(town, django_capture_on_commit_callbacks, title="一")
    queue.run()
    tencent.script = ["busy"]
    _tell_alice(town, django_capture_on_commit_callbacks, title="二")
    queue.run()
    # then: one attempt for the permanent error, every attempt for the transient one
    failures = {f.notification.title: f for f in DeliveryFailure.objects.all()}
    assert failures["一"].error == "SMSRejected:FailedOperation.TemplateIncorrectOrUnapproved"
    assert failures["一"].attempts == 1
    assert (failures["二"].error, failures["二"].attempts) == (
        "SMSUnavailable:InternalError.Timeout",
        3,
    )
    assert "FAILED" in queue.statuses()
    # when: the town admin opens the page
    client.force_login(town.admin)
    page = client.get(reverse("notifications:failures")).content.decode()
    # then: the number masked, the provider's code shown
    assert "138****8001" in page and town.alice.mobile not in page
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in page
    # and nobody else sees it
    client.force_login(town.outsider_admin)
    page = client.get(reverse("notifications:failures")).content.decode()
    assert "138****8001" not in page
    client.force_login(town.staff_a)
    assert client.get(reverse("notifications:failures")).status_code == 403
