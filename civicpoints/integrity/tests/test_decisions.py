"""Held awards and the staff decision: clear a false flag in one step, or uphold it."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.integrity import services
from civicpoints.integrity.errors import AlreadyDecided
from civicpoints.integrity.models import Flag, FlagStatus, HeldAward, HeldStatus
from civicpoints.integrity.tests.photos import demo_photo, recycled
from civicpoints.points.models import PointAccount, PointTransaction
from civicpoints.points.selectors import reconcile
from civicpoints.posts import services as post_services
from civicpoints.posts.models import Post
from civicpoints.posts.tests.images import upload

WAITS = gettext("The points wait for a staff decision on an integrity flag.")


def balance(user) -> int:
    return PointAccount.objects.get(resident=user).balance


@pytest.fixture
def flagged_post(town, make_post):
    """Alice's second post repeats the photo of her first one (resized)."""
    data = demo_photo("helped at the crossing")
    make_post(town.alice, photos=[upload(data)], approve_by=town.staff_a)
    repeat = make_post(town.alice, photos=[upload(recycled(data)["resize to 50%"])])
    return repeat


def test_approving_a_flagged_post_publishes_it_and_holds_the_award(town, flagged_post):
    # given
    before = balance(town.alice)
    # when
    post = post_services.post_approve(actor=town.staff_a, post=flagged_post)
    # then: published, no ledger row, one held award, and the note says why
    assert post.status == "approved" and post.award is None
    assert post.award_note == WAITS
    assert balance(town.alice) == before
    held = HeldAward.objects.get()
    assert held.status == HeldStatus.HELD and held.resident == town.alice
    assert not PointTransaction.objects.filter(idempotency_key=held.idempotency_key).exists()


def test_clearing_a_false_flag_gives_the_held_award_once(town, flagged_post):
    # given
    post = post_services.post_approve(actor=town.staff_a, post=flagged_post)
    flag = Flag.objects.about(post).get()
    before = balance(town.alice)
    # when
    services.flag_clear(actor=town.staff_a, flag=flag, why="Same corridor, a new week's work.")
    # then
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED and flag.decided_by == town.staff_a
    assert flag.decision_note == "Same corridor, a new week's work." and flag.decided_at
    held = HeldAward.objects.get()
    assert held.status == HeldStatus.ISSUED and held.transaction is not None
    post.refresh_from_db()
    assert post.award == held.transaction  # a later take-down reverses it
    assert balance(town.alice) == before + held.transaction.points
    with pytest.raises(AlreadyDecided):
        services.flag_clear(actor=town.staff_a, flag=flag, why="again")
    assert reconcile() == []
    # and the take-down reverses it like any award
    post_services.post_take_down(actor=town.staff_a, post=post, reason="Duplicate after all")
    assert balance(town.alice) == before


def test_upholding_a_flag_withholds_the_award_and_deletes_nothing(town, flagged_post):
    # given
    post = post_services.post_approve(actor=town.staff_a, post=flagged_post)
    flag = Flag.objects.about(post).get()
    before, rows = balance(town.alice), PointTransaction.objects.count()
    # when
    services.flag_uphold(actor=town.staff_a, flag=flag, why="The photo of last week again.")
    # then
    assert HeldAward.objects.get().status == HeldStatus.WITHHELD
    assert balance(town.alice) == before and PointTransaction.objects.count() == rows
    assert Flag.objects.count() == 1 and Post.objects.filter(pk=post.pk).exists()


def test_a_decision_needs_a_reason_and_staff_of_the_community(town, flagged_post):
    # given
    flag = Flag.objects.about(flagged_post).get()
    # when / then
    with pytest.raises(InvalidInput) as exc:
        services.flag_clear(actor=town.staff_a, flag=flag, why="  ")
    assert exc.value.field == "why"
    with pytest.raises(NotFound):
        services.flag_clear(actor=town.staff_b, flag=flag, why="not mine")
    with pytest.raises(NotFound):
        services.flag_clear(actor=town.outsider_admin, flag=flag, why="other town")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    services.flag_clear(actor=town.admin, flag=flag, why="town admin decides")


def test_a_rejected_post_releases_nothing_later(town, flagged_post):
    # given: approved (award held), then taken down
    post = post_services.post_approve(actor=town.staff_a, post=flagged_post)
    post_services.post_take_down(actor=town.staff_a, post=post, reason="copy")
    before = balance(town.alice)
    # when
    services.flag_clear(actor=town.staff_a, flag=Flag.objects.about(post).get(), why="fine")
    # then
    assert HeldAward.objects.get().status == HeldStatus.WITHHELD
    assert balance(town.alice) == before


def test_the_queue_is_per_community_and_clears_in_one_step(client, town, flagged_post):
    # given
    flag = Flag.objects.about(flagged_post).get()
    # when / then: staff of B do not see A's flag
    client.force_login(town.staff_b)
    assert flag.reason not in client.get(reverse("integrity:queue")).content.decode()
    assert client.get(reverse("integrity:flag", args=[flag.pk])).status_code == 404
    # staff of A see it with its evidence and clear it in one POST
    client.force_login(town.staff_a)
    html = client.get(reverse("integrity:queue")).content.decode()
    assert flag.reason in html
    page = client.get(reverse("integrity:flag", args=[flag.pk])).content.decode()
    assert flag.evidence["matches"][0]["earlier"]["thumbnail_url"] in page
    r = client.post(reverse("integrity:decide", args=[flag.pk, "clear"]), {"why": ""})
    assert r.status_code == 422
    r = client.post(reverse("integrity:decide", args=[flag.pk, "clear"]), {"why": "Not a copy"})
    assert r.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED
    assert (
        "Not a copy" in client.get(reverse("integrity:queue") + "?status=cleared").content.decode()
    )


def test_the_api_lists_and_decides_flags(client, town, flagged_post):
    # given
    flag = Flag.objects.about(flagged_post).get()
    url = f"/api/v1/staff/integrity/flags/{flag.pk}/uphold"
    # when / then
    client.force_login(town.alice)
    assert client.get("/api/v1/staff/integrity/flags").status_code == 403
    client.force_login(town.staff_a)
    items = client.get("/api/v1/staff/integrity/flags").json()["items"]
    assert [f["id"] for f in items] == [flag.pk] and items[0]["kind"] == "photo_repeat"
    r = client.post(url, {"why": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "why"
    r = client.post(url, {"why": "copied"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    r = client.post(url, {"why": "copied"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "flag_decided"
