"""The four automatic rules earned through real features, with their caps (local days)."""

import datetime as dt

import pytest

from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.timeutil import local_midnight
from civicpoints.engagement import selectors, services
from civicpoints.engagement.errors import (
    AlreadyAnswered,
    NotEditable,
    NotOpen,
    QuizNotFound,
    ResidentsOnly,
    SurveyNotFound,
)
from civicpoints.engagement.models import CheckIn, SurveyAnswer
from civicpoints.engagement.tests.conftest import answers
from civicpoints.points.models import PointAccount, PointTransaction


def _balance(user) -> int:
    return PointAccount.objects.get(resident=user).balance


def _rows(user, code) -> int:
    return PointTransaction.objects.filter(resident=user, rule__code=code).count()


# --- daily check-in ---------------------------------------------------------------------


def test_check_in_awards_once_a_local_day(town, catalog):
    # given: 23:30 and then 00:10 local time — two local days, 40 minutes apart
    late = local_midnight(dt.date(2026, 11, 30)) + dt.timedelta(hours=23, minutes=30)
    early = late + dt.timedelta(minutes=40)
    # when
    first = services.check_in(resident=town.alice, at=late)
    again = services.check_in(resident=town.alice, at=late + dt.timedelta(minutes=5))
    next_day = services.check_in(resident=town.alice, at=early)
    # then
    assert (first.first, first.earned.outcome, first.earned.points) == (True, "awarded", 1)
    assert (again.first, again.earned.points) == (False, 0)
    assert next_day.earned.outcome == "awarded"
    assert _rows(town.alice, "daily_check_in") == 2 and _balance(town.alice) == 2
    assert CheckIn.objects.filter(resident=town.alice).count() == 2


def test_streak_counts_consecutive_local_days(town, catalog):
    day = dt.date(2026, 11, 30)
    for back in (0, 1, 2, 4):
        at = local_midnight(day - dt.timedelta(days=back)) + dt.timedelta(hours=9)
        services.check_in(resident=town.alice, at=at)
    assert selectors.check_in_streak(town.alice, day) == 3
    # the day after, before checking in, the streak still shows (ends yesterday)
    assert selectors.check_in_streak(town.alice, day + dt.timedelta(days=1)) == 3
    assert selectors.check_in_streak(town.alice, day + dt.timedelta(days=2)) == 0


def test_staff_and_merchants_do_not_check_in(town, catalog):
    for who in (town.staff_a, town.merchant, town.admin):
        with pytest.raises(ResidentsOnly) as exc:
            services.check_in(resident=who)
        assert exc.value.code == "residents_only"
    assert CheckIn.objects.count() == 0


def test_a_switched_off_rule_records_the_check_in_without_points(town, catalog):
    from civicpoints.points.governance import rule_change
    from civicpoints.points.models import PointRule

    check = PointRule.objects.get(code="daily_check_in", town=town.town)
    rule_change(actor=town.admin, rule_id=check.pk, changes={"is_active": False}, reason="停用")
    result = services.check_in(resident=town.alice)
    assert (result.first, result.earned.outcome) == (True, "rule_off")
    assert _rows(town.alice, "daily_check_in") == 0


# --- policy quiz ------------------------------------------------------------------------


def test_a_pass_earns_once_per_quiz_and_a_fail_nothing(town, quiz):
    # when: alice fails, then passes, then passes again
    failed = services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [0, 1]),
        idempotency_key="t-1xxxxx",
    )
    passed = services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [1, 1]),
        idempotency_key="t-2xxxxx",
    )
    again = services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [1, 0]),
        idempotency_key="t-3xxxxx",
    )
    # then: 0/2 fails, 1/2 passes at 50 %, the third pass earns nothing more
    assert (failed.attempt.correct, failed.attempt.passed, failed.earned.outcome) == (
        0,
        False,
        "not_passed",
    )
    assert (passed.attempt.passed, passed.earned.outcome, passed.earned.points) == (
        True,
        "awarded",
        3,
    )
    assert (again.attempt.correct, again.earned.outcome) == (2, "already_awarded")
    assert _rows(town.alice, "policy_quiz") == 1 and _balance(town.alice) == 3


def test_a_repeated_submit_returns_the_first_attempt(town, quiz):
    first = services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [1, 0]),
        idempotency_key="same-key",
    )
    repeat = services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [0, 1]),
        idempotency_key="same-key",
    )
    assert repeat.replayed and repeat.attempt.pk == first.attempt.pk
    assert _rows(town.alice, "policy_quiz") == 1


def test_the_quiz_daily_cap_holds_across_quizzes(town, quiz):
    # given: a second quiz the same day (the rule allows 1 a local day)
    other = services.quiz_create(actor=town.admin, title="消防知识", pass_percent=100)
    services.quiz_question_add(
        actor=town.admin, quiz_id=other.pk, text="火警电话？", options=["110", "119"], answer=1
    )
    services.quiz_set_status(actor=town.admin, quiz_id=other.pk, status="published")
    services.quiz_submit(
        resident=town.alice,
        quiz_id=quiz.pk,
        answers=answers(quiz, [1, 0]),
        idempotency_key="cap-1xxx",
    )
    # when
    second = services.quiz_submit(
        resident=town.alice,
        quiz_id=other.pk,
        answers=answers(other, [1]),
        idempotency_key="cap-2xxx",
    )
    # then: recorded as passed, no points
    assert (second.attempt.passed, second.earned.outcome) == (True, "cap_reached")
    assert _rows(town.alice, "policy_quiz") == 1


def test_quiz_answers_are_validated_per_question(town, quiz):
    first, second = quiz.questions.all()
    with pytest.raises(InvalidInput) as exc:
        services.quiz_submit(
            resident=town.alice, quiz_id=quiz.pk, answers={first.pk: 1}, idempotency_key="v-1xxxxx"
        )
    assert (exc.value.field, exc.value.code) == (f"q{second.pk}", "required")
    with pytest.raises(InvalidInput) as exc:
        services.quiz_submit(
            resident=town.alice,
            quiz_id=quiz.pk,
            answers={first.pk: 7, second.pk: 0},
            idempotency_key="v-2xxxxx",
        )
    assert (exc.value.field, exc.value.code) == (f"q{first.pk}", "invalid_choice")
    assert not quiz.attempts.exists()


def test_quizzes_stay_in_their_community_and_town(town, quiz):
    # bob lives in community B; carol in another town
    for who in (town.bob, town.carol):
        with pytest.raises(QuizNotFound):
            services.quiz_submit(
                resident=who,
                quiz_id=quiz.pk,
                answers=answers(quiz, [1, 0]),
                idempotency_key="s-1xxxxx",
            )
    # staff of community B may not edit it; the town admin may
    with pytest.raises(QuizNotFound):
        services.quiz_set_status(actor=town.staff_b, quiz_id=quiz.pk, status="closed")
    with pytest.raises(OutOfScope):
        services.quiz_create(actor=town.alice, title="x")
    services.quiz_set_status(actor=town.admin, quiz_id=quiz.pk, status="closed")
    with pytest.raises(NotOpen):
        services.quiz_submit(
            resident=town.alice,
            quiz_id=quiz.pk,
            answers=answers(quiz, [1, 0]),
            idempotency_key="s-2xxxxx",
        )


def test_the_question_bank_is_frozen_once_published(town, quiz):
    with pytest.raises(NotEditable):
        services.quiz_question_add(
            actor=town.staff_a, quiz_id=quiz.pk, text="x", options=["a", "b"], answer=0
        )
    draft = services.quiz_create(actor=town.staff_a, title="草稿")
    with pytest.raises(InvalidInput) as exc:
        services.quiz_set_status(actor=town.staff_a, quiz_id=draft.pk, status="published")
    assert exc.value.code == "no_questions"
    with pytest.raises(InvalidInput) as exc:
        services.quiz_question_add(
            actor=town.staff_a, quiz_id=draft.pk, text="x", options=["a", "a"], answer=0
        )
    assert exc.value.field == "options"
    with pytest.raises(InvalidInput) as exc:
        services.quiz_question_add(
            actor=town.staff_a, quiz_id=draft.pk, text="x", options=["a", "b"], answer=2
        )
    assert exc.value.field == "answer"
    # a draft is not visible to residents
    with pytest.raises(QuizNotFound):
        services.quiz_visible_get(town.alice, draft.pk)


# --- civility pledge --------------------------------------------------------------------


def test_the_pledge_is_signed_and_earned_once(town, catalog):
    first = services.pledge_sign(resident=town.alice)
    again = services.pledge_sign(resident=town.alice)
    assert (first.first, first.earned.outcome, first.earned.points) == (True, "awarded", 5)
    assert (again.first, again.signature.pk) == (False, first.signature.pk)
    assert _rows(town.alice, "online_civility_pledge") == 1 and _balance(town.alice) == 5


# --- questionnaire ----------------------------------------------------------------------


def test_a_questionnaire_is_answered_once_and_tallied(town, survey):
    choice, text = survey.questions.all()
    # when: alice and bob answer (town-wide), bob leaves the optional text empty
    r = services.survey_respond(
        resident=town.alice, survey_id=survey.pk, answers={choice.pk: 0, text.pk: "多装路灯"}
    )
    services.survey_respond(resident=town.bob, survey_id=survey.pk, answers={choice.pk: 2})
    # then: each earns 3 points once; a second answer is refused
    assert (r.earned.outcome, r.earned.points) == ("awarded", 3)
    with pytest.raises(AlreadyAnswered):
        services.survey_respond(resident=town.alice, survey_id=survey.pk, answers={choice.pk: 1})
    assert _rows(town.alice, "community_survey") == 1
    results = selectors.survey_results(survey)
    assert results.responses == 2
    assert results.questions[0].counts == [("满意", 1, 50), ("一般", 0, 0), ("不满意", 1, 50)]
    assert results.questions[1].texts == ["多装路灯"]


def test_questionnaire_answers_are_validated(town, survey):
    choice, text = survey.questions.all()
    with pytest.raises(InvalidInput) as exc:
        services.survey_respond(resident=town.alice, survey_id=survey.pk, answers={text.pk: "x"})
    assert exc.value.field == f"q{choice.pk}"
    with pytest.raises(InvalidInput) as exc:
        services.survey_respond(resident=town.alice, survey_id=survey.pk, answers={choice.pk: 3})
    assert exc.value.code == "invalid_choice"
    with pytest.raises(InvalidInput):
        services.survey_respond(
            resident=town.alice, survey_id=survey.pk, answers={choice.pk: 0, text.pk: "x" * 501}
        )
    assert not SurveyAnswer.objects.exists() and not survey.responses.exists()


def test_questionnaires_stay_in_their_town(town, survey):
    with pytest.raises(SurveyNotFound):
        services.survey_respond(resident=town.carol, survey_id=survey.pk, answers={})
    with pytest.raises(SurveyNotFound):
        services.survey_for_staff(town.outsider_admin, survey.pk)
    # community staff may not manage the town admin's town-wide questionnaire
    with pytest.raises(SurveyNotFound):
        services.survey_set_status(actor=town.staff_a, survey_id=survey.pk, status="closed")
