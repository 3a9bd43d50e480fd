"""Reads of online participation: what a resident may do today, staff lists, results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from civicpoints.accounts.models import Role, User
from civicpoints.accounts.scope import town_of
from civicpoints.core.timeutil import town_today
from civicpoints.engagement.models import (
    CheckIn,
    PledgeSignature,
    Quiz,
    QuizAttempt,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

STREAK_LOOKBACK_DAYS = 366


def _for_resident(qs: QuerySet, resident: User) -> QuerySet:
    return qs.filter(town_id=town_of(resident)).filter(
        Q(community__isnull=True) | Q(community_id=resident.community_id)
    )


def check_in_streak(resident: User, day: dt.date | None = None) -> int:
    """Consecutive local days with a check-in ending at ``day`` (default today), or at the
    day before when ``day`` has none yet; at most 366."""
    day = day or town_today(resident.town)
    days = set(
        CheckIn.objects.for_town(resident.town_id)
        .filter(
            resident=resident, day__gt=day - dt.timedelta(days=STREAK_LOOKBACK_DAYS), day__lte=day
        )
        .values_list("day", flat=True)
    )
    cursor = day if day in days else day - dt.timedelta(days=1)
    streak = 0
    while cursor in days:
        streak += 1
        cursor -= dt.timedelta(days=1)
    return streak


def quizzes_for_resident(resident: User) -> QuerySet[Quiz]:
    """Published quizzes for the resident's town or community, newest first, each with
    ``passed`` (the resident has a passing attempt) and ``question_count``."""
    return (
        _for_resident(Quiz.objects.filter(status=Quiz.Status.PUBLISHED), resident)
        .annotate(
            question_count=Count("questions", distinct=True),
            passes=Count("attempts", filter=Q(attempts__resident=resident, attempts__passed=True)),
        )
        .order_by("-created_at", "-pk")
    )


def surveys_for_resident(resident: User) -> QuerySet[Survey]:
    """Open questionnaires for the resident's town or community, with ``answered``."""
    return (
        _for_resident(Survey.objects.filter(status=Survey.Status.OPEN), resident)
        .annotate(answered=Count("responses", filter=Q(responses__resident=resident)))
        .order_by("-created_at", "-pk")
    )


@dataclass
class Today:
    """The resident's participation at a glance (the hub and the home page)."""

    checked_in: bool
    streak: int
    pledge_signed: bool
    quizzes: list = field(default_factory=list)
    surveys: list = field(default_factory=list)


def pledge_signed(resident: User) -> bool:
    """Whether ``resident`` has signed the civility pledge."""
    return PledgeSignature.objects.for_town(resident.town_id).filter(resident=resident).exists()


def today_for(resident: User) -> Today:
    day = town_today(resident.town)
    return Today(
        checked_in=CheckIn.objects.for_town(resident.town_id)
        .filter(resident=resident, day=day)
        .exists(),
        streak=check_in_streak(resident, day),
        pledge_signed=pledge_signed(resident),
        quizzes=list(quizzes_for_resident(resident)[:20]),
        surveys=list(surveys_for_resident(resident)[:20]),
    )


def last_attempt(resident: User, quiz: Quiz) -> QuizAttempt | None:
    return QuizAttempt.objects.filter(resident=resident, quiz=quiz).order_by("-at", "-pk").first()


def _staff_scope(qs: QuerySet, actor: User) -> QuerySet:
    qs = qs.filter(town_id=town_of(actor))
    if actor.role != Role.TOWN_ADMIN:
        qs = qs.filter(community_id=actor.community_id)
    return qs


def quizzes_for_staff(actor: User) -> QuerySet[Quiz]:
    """Quizzes in the staff member's scope with question, attempt and pass counts."""
    return (
        _staff_scope(Quiz.objects.all(), actor)
        .select_related("community")
        .annotate(
            question_count=Count("questions", distinct=True),
            attempt_count=Count("attempts", distinct=True),
            pass_count=Count("attempts", filter=Q(attempts__passed=True), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def surveys_for_staff(actor: User) -> QuerySet[Survey]:
    """Questionnaires in the staff member's scope with question and response counts."""
    return (
        _staff_scope(Survey.objects.all(), actor)
        .select_related("community")
        .annotate(
            question_count=Count("questions", distinct=True),
            response_count=Count("responses", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int
    counts: list[tuple[str, int, int]] = field(default_factory=list)  # option, count, percent
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]


TEXT_ANSWERS_SHOWN = 200


def survey_results(survey: Survey) -> SurveyResults:
    """Counts per option (with whole percents of those who answered the question) and the
    newest free-text answers (at most 200 a question), without who gave them."""
    responses = SurveyResponse.objects.filter(survey=survey).count()
    out: list[QuestionResult] = []
    for q in survey.questions.all():
        answers = SurveyAnswer.objects.filter(question=q)
        if q.kind == SurveyQuestion.Kind.CHOICE:
            tally = dict(
                answers.values("choice").annotate(n=Count("pk")).values_list("choice", "n")
            )
            answered = sum(tally.values())
            counts = [
                (opt, tally.get(i, 0), round(100 * tally.get(i, 0) / answered) if answered else 0)
                for i, opt in enumerate(q.options)
            ]
            out.append(QuestionResult(q, answered, counts=counts))
        else:
            texts = list(
                answers.order_by("-response__submitted_at", "-pk").values_list("text", flat=True)[
                    :TEXT_ANSWERS_SHOWN
                ]
            )
            out.append(QuestionResult(q, answers.count(), texts=texts))
    return SurveyResults(survey=survey, responses=responses, questions=out)
