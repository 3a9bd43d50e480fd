"""Posts: pre-moderation, awards and their reversal, appeals, scope."""

import io

import pytest
from django.core.management import call_command

from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.points.errors import InsufficientPoints
from civicpoints.points.models import PointAccount, PointTransaction, TransactionKind
from civicpoints.points.selectors import reconcile
from civicpoints.points.services import points_spend
from civicpoints.posts import selectors, services
from civicpoints.posts.errors import (
    AlreadyAppealed,
    IllegalMove,
    OwnContent,
    RuleNotClaimable,
    SameDecider,
)
from civicpoints.posts.models import ModerationEvent, PostStatus


def balance(user):
    return PointAccount.objects.filter(resident=user).values_list("balance", flat=True).first() or 0


def feed_ids(**kw):
    return [p.pk for p in selectors.feed(**kw).posts]


def test_a_new_post_is_pending_and_seen_only_by_its_author_and_covering_staff(town, make_post):
    # given / when
    post = make_post(claim="helping_neighbour")
    # then
    assert post.status == PostStatus.PENDING
    assert feed_ids() == []
    assert selectors.post_for_viewer(town.alice, post.pk) == post
    assert selectors.post_for_viewer(town.staff_a, post.pk) == post
    for stranger in (town.bob, town.staff_b, town.outsider_admin, None):
        with pytest.raises(NotFound):
            selectors.post_for_viewer(stranger, post.pk)


def test_approval_publishes_and_awards_the_claimed_rule_once(town, make_post):
    # given
    post = make_post(claim="helping_neighbour")
    # when
    post = services.post_approve(actor=town.staff_a, post=post)
    # then
    assert post.status == PostStatus.APPROVED
    assert feed_ids() == [post.pk]
    assert post.award.rule.code == "helping_neighbour"
    assert balance(town.alice) == 10
    assert Notification.objects.filter(
        recipient=town.alice, kind=NotificationKind.POST_APPROVED
    ).exists()
    # a repeated approval is refused and awards nothing more
    with pytest.raises(IllegalMove):
        services.post_approve(actor=town.staff_a, post=post)
    assert balance(town.alice) == 10
    assert reconcile() == []


def test_without_a_claim_the_section_default_rule_is_awarded(town, make_post):
    post = make_post(approve_by=town.staff_a)
    assert post.award.rule.code == "good_deed_post"
    assert balance(town.alice) == 5


def test_the_reviewer_may_pick_another_rule_or_no_points(town, make_post):
    # when: the reviewer corrects the claim
    first = make_post(claim="helping_neighbour")
    first = services.post_approve(actor=town.staff_a, post=first, rule_code="voluntary_patrol")
    second = services.post_approve(actor=town.staff_a, post=make_post(), no_points=True)
    # then
    assert first.award.rule.code == "voluntary_patrol"
    assert second.award is None
    assert balance(town.alice) == 50


def test_a_rule_that_is_not_claimable_cannot_be_claimed_or_picked(town, make_post):
    with pytest.raises(RuleNotClaimable) as exc:
        make_post(claim="uncivil_report_accepted")
    assert exc.value.field == "claimed_rule"
    post = make_post()
    with pytest.raises(RuleNotClaimable):
        services.post_approve(actor=town.staff_a, post=post, rule_code="uncivil_report_accepted")
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING


def test_a_reached_cap_approves_without_points_and_says_why(town, make_post):
    # given: good_deed_post earns at most twice a local day
    make_post(approve_by=town.staff_a)
    make_post(approve_by=town.staff_a)
    # when
    third = make_post(approve_by=town.staff_a)
    # then
    assert third.status == PostStatus.APPROVED
    assert third.award is None and third.award_note
    assert balance(town.alice) == 10


def test_nobody_reviews_their_own_post(town, make_post):
    post = make_post(author=town.staff_a)
    with pytest.raises(OwnContent):
        services.post_approve(actor=town.staff_a, post=post)
    # a colleague covering them may
    assert services.post_approve(actor=town.admin, post=post).status == PostStatus.APPROVED


@pytest.mark.parametrize("who", ["staff_b", "outsider_admin", "bob", "merchant"])
def test_staff_of_another_community_or_non_staff_cannot_review(town, make_post, who):
    post = make_post()
    for action in (
        lambda: services.post_approve(actor=getattr(town, who), post=post),
        lambda: services.post_reject(actor=getattr(town, who), post=post, reason="no"),
    ):
        with pytest.raises(OutOfScope):
            action()
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING


def test_rejection_needs_a_reason_which_the_author_sees(town, make_post):
    post = make_post()
    with pytest.raises(InvalidInput) as exc:
        services.post_reject(actor=town.staff_a, post=post, reason="  ")
    assert exc.value.field == "reason"
    post = services.post_reject(actor=town.staff_a, post=post, reason="Photo is unrelated")
    assert post.status == PostStatus.REJECTED
    assert selectors.my_posts(town.alice).get().reason == "Photo is unrelated"
    assert Notification.objects.get(
        recipient=town.alice, kind=NotificationKind.POST_REJECTED
    ).body == ("Photo is unrelated")
    assert balance(town.alice) == 0
    # refused moves from here
    with pytest.raises(IllegalMove):
        services.post_approve(actor=town.staff_a, post=post)
    with pytest.raises(IllegalMove):
        services.post_take_down(actor=town.staff_a, post=post, reason="x")


def test_editing_an_approved_post_hides_it_until_reviewed_again(town, make_post):
    # given
    post = make_post(claim="helping_neighbour", approve_by=town.staff_a)
    assert feed_ids() == [post.pk]
    # when
    post = services.post_edit(author=town.alice, post=post, title="New title", body="New text")
    # then
    assert post.status == PostStatus.PENDING
    assert feed_ids() == []
    with pytest.raises(NotFound):
        selectors.post_for_viewer(town.bob, post.pk)
    # re-approval keeps the first award: no second one
    services.post_approve(actor=town.staff_a, post=post)
    assert balance(town.alice) == 10
    assert PointTransaction.objects.filter(resident=town.alice).count() == 1


def test_only_the_author_edits(town, make_post):
    post = make_post()
    with pytest.raises(NotFound):
        services.post_edit(author=town.bob, post=post, title="x", body="y")


def test_rejecting_an_edited_post_reverses_its_earlier_award(town, make_post):
    post = make_post(claim="helping_neighbour", approve_by=town.staff_a)
    post = services.post_edit(author=town.alice, post=post, title="Spam now", body="spam")
    services.post_reject(actor=town.staff_a, post=post, reason="Advertising")
    assert balance(town.alice) == 0
    assert reconcile() == []


def test_take_down_reverses_the_award_with_a_compensating_row(town, make_post):
    # given
    post = make_post(claim="voluntary_patrol", approve_by=town.staff_a)
    award = post.award
    # when
    post = services.post_take_down(actor=town.staff_a, post=post, reason="Not a real patrol")
    # then
    assert post.status == PostStatus.TAKEN_DOWN
    assert feed_ids() == []
    reversal = PointTransaction.objects.get(reverses=award)
    assert (reversal.kind, reversal.points) == (TransactionKind.REVERSAL, -50)
    assert PointTransaction.objects.filter(pk=award.pk).exists()  # never deleted
    assert balance(town.alice) == 0
    assert reconcile() == []
    out = io.StringIO()
    call_command("reconcile_points", stdout=out)  # raises CommandError on any difference
    assert "clean" in out.getvalue()
    assert list(ModerationEvent.objects.filter(post=post).values_list("action", flat=True)) == [
        "submitted",
        "approved",
        "taken_down",
    ]


def test_take_down_of_spent_points_is_refused_and_writes_nothing(town, make_post):
    post = make_post(claim="voluntary_patrol", approve_by=town.staff_a)
    points_spend(resident=town.alice, points=45, idempotency_key="haircut-0001")
    with pytest.raises(InsufficientPoints):
        services.post_take_down(actor=town.staff_a, post=post, reason="Fake")
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert balance(town.alice) == 5
    assert reconcile() == []


def test_an_appeal_against_a_rejection_is_decided_by_someone_else_once(town, make_post):
    # given
    post = make_post(claim="helping_neighbour")
    services.post_reject(actor=town.staff_a, post=post, reason="No evidence")
    appeal = services.post_appeal(author=town.alice, post=post, text="Photo attached now")
    # then: one appeal per decision, only by the author
    with pytest.raises(AlreadyAppealed):
        services.post_appeal(author=town.alice, post=post, text="again")
    with pytest.raises(NotFound):
        services.post_appeal(author=town.bob, post=post, text="me too")
    # the staff member appealed against cannot decide
    with pytest.raises(SameDecider):
        services.appeal_decide(actor=town.staff_a, appeal=appeal, uphold=True)
    with pytest.raises(OutOfScope):
        services.appeal_decide(actor=town.staff_b, appeal=appeal, uphold=True)
    assert list(selectors.appeal_queue(town.staff_a)) == []
    assert list(selectors.appeal_queue(town.admin)) == [appeal]
    # when
    appeal = services.appeal_decide(actor=town.admin, appeal=appeal, uphold=True)
    # then
    post.refresh_from_db()
    assert (appeal.status, post.status) == ("upheld", PostStatus.APPROVED)
    assert balance(town.alice) == 10
    with pytest.raises(IllegalMove):
        services.appeal_decide(actor=town.admin, appeal=appeal, uphold=False, reason="x")


def test_a_dismissed_appeal_needs_a_reason_and_leaves_the_decision(town, make_post):
    post = make_post()
    services.post_reject(actor=town.staff_a, post=post, reason="Off topic")
    appeal = services.post_appeal(author=town.alice, post=post, text="It is on topic")
    with pytest.raises(InvalidInput):
        services.appeal_decide(actor=town.admin, appeal=appeal, uphold=False, reason="")
    services.appeal_decide(actor=town.admin, appeal=appeal, uphold=False, reason="Agreed: off")
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED


def test_an_upheld_take_down_appeal_restores_the_reversed_points(town, make_post):
    post = make_post(claim="voluntary_patrol", approve_by=town.staff_a)
    services.post_take_down(actor=town.staff_a, post=post, reason="Looks fake")
    appeal = services.post_appeal(author=town.alice, post=post, text="Here is the roster")
    services.appeal_decide(actor=town.admin, appeal=appeal, uphold=True)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert balance(town.alice) == 50
    assert PointTransaction.objects.filter(resident=town.alice).count() == 3
    assert reconcile() == []


def test_appeal_only_from_a_rejected_or_taken_down_post(town, make_post):
    post = make_post()
    with pytest.raises(IllegalMove):
        services.post_appeal(author=town.alice, post=post, text="why")


def test_merchant_accounts_cannot_post_and_closed_sections_refuse_residents(
    town, sections, make_post
):
    with pytest.raises(OutOfScope):
        make_post(author=town.merchant)
    with pytest.raises(InvalidInput) as exc:
        make_post(section="uncivil_reports")
    assert exc.value.field == "section"


@pytest.mark.parametrize(
    ("field", "kw"),
    [("title", {"title": ""}), ("title", {"title": "x" * 81}), ("body", {"body": "y" * 5001})],
)
def test_bad_input_is_refused_with_the_field(town, make_post, field, kw):
    with pytest.raises(InvalidInput) as exc:
        make_post(**kw)
    assert exc.value.field == field


def test_a_post_reinstated_on_appeal_and_taken_down_again_loses_the_points_again(town, make_post):
    post = make_post(claim="voluntary_patrol", approve_by=town.staff_a)
    services.post_take_down(actor=town.staff_a, post=post, reason="Looks fake")
    appeal = services.post_appeal(author=town.alice, post=post, text="Here is the roster")
    services.appeal_decide(actor=town.admin, appeal=appeal, uphold=True)
    # when: taken down again (by the admin this time), the restored points go too
    services.post_take_down(actor=town.admin, post=post, reason="Roster was forged")
    # then
    assert balance(town.alice) == 0
    assert PointTransaction.objects.filter(resident=town.alice).count() == 4
    assert reconcile() == []
    with pytest.raises(AlreadyAppealed):
        services.post_appeal(author=town.alice, post=post, text="again")


def test_the_appeal_page_and_decision_are_out_of_reach_of_staff_outside_the_scope(
    client, town, make_post
):
    # given: alice's rejected post appealed, then upheld, so the post is public again
    post = make_post(claim="helping_neighbour")
    services.post_reject(actor=town.staff_a, post=post, reason="No evidence")
    appeal = services.post_appeal(author=town.alice, post=post, text="Photo attached now")
    services.appeal_decide(actor=town.admin, appeal=appeal, uphold=True)
    # when: staff of the other community and another town's admin guess the id
    seen = {}
    for who in (town.staff_b, town.outsider_admin):
        client.force_login(who)
        seen[who.pk] = (
            client.get(f"/posts/staff/appeals/{appeal.pk}/").status_code,
            client.post(
                f"/api/v1/staff/appeals/{appeal.pk}/decide",
                {"uphold": False, "reason": "x"},
                content_type="application/json",
            ).status_code,
        )
    # then: the appeal does not exist for them; in scope it does
    assert seen == {town.staff_b.pk: (404, 404), town.outsider_admin.pk: (404, 404)}
    client.force_login(town.admin)
    assert client.get(f"/posts/staff/appeals/{appeal.pk}/").status_code == 200
