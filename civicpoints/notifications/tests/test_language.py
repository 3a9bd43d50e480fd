"""Notifications reach each person in their own language, not the sender's."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from civicpoints.notifications.models import Notification, NotificationKind
from civicpoints.notifications.services import message, notify


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])


def test_a_message_is_rendered_in_the_recipients_language(town):
    # given: alice reads English, bob Chinese; the sender's page is in English
    _speaks(town.alice, "en")
    text = message(gettext_lazy("Your post is published: %(title)s"), title="修车")
    # when
    with translation.override("en"):
        to_alice = notify(recipient=town.alice, kind=NotificationKind.GENERAL, title=text)
        to_bob = notify(recipient=town.bob, kind=NotificationKind.GENERAL, title=text, body=text)
    # then
    assert to_alice.title == "Your post is published: 修车"
    assert to_bob.title == to_bob.body == "您的帖子已发布：修车"


def test_a_plain_string_is_stored_as_given(town):
    note = notify(recipient=town.alice, kind=NotificationKind.GENERAL, title="Hello", body="x")
    assert (note.title, note.body) == ("Hello", "x")


def test_a_staff_award_tells_the_resident_in_their_language_with_the_rules_name(town, catalog):
    from civicpoints.points.services import points_award_by_staff

    # given: an English-speaking staff member awards a Chinese-speaking resident, and back
    _speaks(town.staff_a, "en")
    _speaks(town.grid_worker_a, "en")
    # when
    with translation.override("en"):
        points_award_by_staff(
            actor=town.staff_a,
            resident=town.alice,
            rule_code="helping_neighbour",
            note="搬米",
            idempotency_key="lang-1",
        )
    _speaks(town.alice, "en")
    with translation.override("zh-hans"):
        points_award_by_staff(
            actor=town.staff_a,
            resident=town.alice,
            rule_code="helping_neighbour",
            note="again",
            idempotency_key="lang-2",
        )
    # then
    titles = list(
        Notification.objects.filter(recipient=town.alice)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        "您获得了 10 积分：帮助邻里解决困难",
        "You earned 10 points: Helping a neighbour",
    ]


def test_post_approval_by_an_english_reviewer_reaches_a_chinese_author_in_chinese(town, catalog):
    from civicpoints.posts.services import post_approve, post_create, sections_ensure_defaults

    # given
    section = next(s for s in sections_ensure_defaults(town.town.pk) if not s.for_reports)
    post = post_create(author=town.alice, section=section, title="扫雪", body="门口的雪。")
    _speaks(town.staff_a, "en")
    # when
    with translation.override("en"):
        post_approve(actor=town.staff_a, post=post, no_points=True)
    # then
    note = Notification.objects.get(recipient=town.alice, kind=NotificationKind.POST_APPROVED)
    assert note.title == "您的帖子已发布：扫雪"
