"""Every change in online participation; each awards through ``points.services.points_award``.

The four rules (codes in ``points/data/rule_catalog.json``) and where they are earned:

==========================  ========================  ===================================
rule                        service                   cause (idempotency: rule+cause+who)
==========================  ========================  ===================================
``daily_check_in`` (1/day)  ``check_in``              the ``CheckIn`` row of the local day
``policy_quiz`` (1/day,     ``quiz_submit``           the ``Quiz``: a pass earns once per
3/week)                                               quiz, however often it is retaken
``online_civility_pledge``  ``pledge_sign``           the ``PledgeSignature`` (one per
(1/year)                                              resident, ever)
``community_survey``        ``survey_respond``        the ``SurveyResponse`` (one per
(1/day, 2/month)                                      resident and questionnaire)
==========================  ========================  ===================================

The rule's caps are the ledger's (local days, under the account lock): when a cap
is reached the act is still recorded (``outcome == "cap_reached"``, 0 points); the
award is not retried later. A rule switched off by staff records the act and
awards nothing (``rule_off``). Automatic awards send no message (the inbox tells
of staff-confirmed awards only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role, User
from civicpoints.accounts.scope import require_staff, town_of
from civicpoints.core.timeutil import local_date
from civicpoints.engagement.errors import (
    AlreadyAnswered,
    NotEditable,
    NotOpen,
    QuizNotFound,
    ResidentsOnly,
    SurveyNotFound,
    invalid,
)
from civicpoints.engagement.models import (
    CheckIn,
    PledgeSignature,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from civicpoints.points.errors import CapReached, RuleNotInForce, UnknownRule
from civicpoints.points.models import PointTransaction
from civicpoints.points.services import points_award, rule_get

CHECK_IN_RULE = "daily_check_in"
QUIZ_RULE = "policy_quiz"
PLEDGE_RULE = "online_civility_pledge"
SURVEY_RULE = "community_survey"

AWARDED = "awarded"
ALREADY_AWARDED = "already_awarded"
CAP_REACHED = "cap_reached"
RULE_OFF = "rule_off"
NOT_PASSED = "not_passed"


@dataclass(frozen=True)
class Earned:
    """What an act earned: ``outcome`` (awarded | already_awarded | cap_reached | rule_off |
    not_passed), ``points`` written by this call (0 unless awarded), the ledger row."""

    outcome: str
    points: int = 0
    row: PointTransaction | None = None


def _require_resident(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role == Role.RESIDENT):
        raise ResidentsOnly()


def _award(resident: User, code: str, cause: models.Model, memo: str, at: dt.datetime) -> Earned:
    """Award rule ``code`` for ``cause`` inside the caller's transaction (a savepoint:
    a refused award leaves the caller's rows in place)."""
    try:
        row = points_award(
            resident=resident,
            rule=rule_get(code, town_id=town_of(resident)),
            cause=cause,
            memo=memo[:200],
            at=at,
        )
    except CapReached:
        return Earned(CAP_REACHED)
    except (UnknownRule, RuleNotInForce):
        return Earned(RULE_OFF)
    if not row.created:
        return Earned(ALREADY_AWARDED, 0, row)
    return Earned(AWARDED, row.points, row)


# --- daily check-in ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    first: bool  # False: already checked in this local day
    earned: Earned


def check_in(*, resident: User, at: dt.datetime | None = None) -> CheckInResult:
    """``resident`` checks in for the local day of ``at`` (default now): 每日签到.

    One ``CheckIn`` per resident and local day (unique constraint); the award's
    cause is that row, so a repeat, a second tab or a race earns once.

    Returns a CheckInResult (``first`` False on a repeat; ``earned.outcome``).
    Raises ResidentsOnly (403, staff and merchants do not check in).
    """
    _require_resident(resident)
    at = at or timezone.now()
    day = local_date(at, resident.town)
    with transaction.atomic():
        row, created = CheckIn.objects.get_or_create(
            resident=resident, day=day, defaults={"town_id": town_of(resident), "at": at}
        )
        earned = _award(resident, CHECK_IN_RULE, row, _("Daily check-in"), at)
    return CheckInResult(check_in=row, first=created, earned=earned)


# --- staff-built content: scope ---------------------------------------------------------


def _audience(actor: User, community_id: int | None) -> Community | None:
    """Community staff write for their community; a town admin for the town or one of its
    communities. Raises InvalidInput (field ``community``)."""
    if actor.role != Role.TOWN_ADMIN:
        return actor.community
    if not community_id:
        return None
    community = Community.objects.filter(pk=community_id, town_id=town_of(actor)).first()
    if community is None:
        raise invalid(_("Choose a community of your town."), "community", "invalid_choice")
    return community


def _in_scope(actor: User, obj: Quiz | Survey) -> bool:
    if obj.town_id != town_of(actor):
        return False
    return actor.role == Role.TOWN_ADMIN or obj.community_id == actor.community_id


def _title(value: str, field: str = "title", limit: int = 80, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise invalid(_("This field is required."), field, "required")
    if len(text) > limit:
        raise invalid(_("Keep it to %(n)d characters or fewer.") % {"n": limit}, field, "too_long")
    return text


def _options(values, field: str, low: int, high: int) -> list[str]:
    options = [" ".join(str(v).split()) for v in (values or []) if str(v).strip()]
    if not low <= len(options) <= high:
        raise invalid(
            _("Give %(low)d to %(high)d options.") % {"low": low, "high": high}, field, "options"
        )
    if any(len(o) > 100 for o in options):
        raise invalid(_("Keep each option to 100 characters."), field, "too_long")
    if len(set(options)) != len(options):
        raise invalid(_("Options must differ."), field, "duplicate_option")
    return options


# --- policy quiz ------------------------------------------------------------------------


def quiz_for_staff(actor: User, quiz_id: int, *, lock: bool = False) -> Quiz:
    """A quiz in ``actor``'s scope. Raises OutOfScope (not staff), QuizNotFound (404)."""
    require_staff(actor)
    qs = Quiz.objects.select_for_update() if lock else Quiz.objects
    quiz = qs.filter(pk=quiz_id).first()
    if quiz is None or not _in_scope(actor, quiz):
        raise QuizNotFound(field="quiz")
    return quiz


def quiz_create(
    *,
    actor: User,
    title: str,
    intro: str = "",
    pass_percent: int = 80,
    community_id: int | None = None,
) -> Quiz:
    """Staff start a quiz (draft) for their community, or a town admin for the town.

    ``pass_percent``: the share of right answers (1–100 %) that passes.
    Raises OutOfScope (not staff), InvalidInput (title, intro, pass_percent, community).
    """
    require_staff(actor)
    if isinstance(pass_percent, bool) or not isinstance(pass_percent, int):
        raise invalid(_("Enter a whole percent from 1 to 100."), "pass_percent")
    if not 1 <= pass_percent <= 100:
        raise invalid(_("Enter a whole percent from 1 to 100."), "pass_percent")
    quiz = Quiz(
        town_id=town_of(actor),
        community=_audience(actor, community_id),
        title=_title(title),
        intro=_title(intro, "intro", 300, required=False),
        pass_percent=pass_percent,
        created_by=actor,
    )
    with transaction.atomic():
        quiz.save(force_insert=True)
    return quiz


def quiz_question_add(
    *,
    actor: User,
    quiz_id: int,
    text: str,
    options: list[str],
    answer: int,
    explanation: str = "",
) -> QuizQuestion:
    """Add a question (2–6 options, ``answer`` the 0-based index of the right one) to a
    draft quiz in scope. Raises QuizNotFound, NotEditable (published), InvalidInput."""
    with transaction.atomic():
        quiz = quiz_for_staff(actor, quiz_id, lock=True)
        if quiz.status != Quiz.Status.DRAFT:
            raise NotEditable(field="quiz")
        opts = _options(options, "options", 2, 6)
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(opts):
            raise invalid(_("Choose which option is right."), "answer", "invalid_choice")
        return QuizQuestion.objects.create(
            quiz=quiz,
            text=_title(text, "text", 200),
            options=opts,
            answer=answer,
            explanation=_title(explanation, "explanation", 300, required=False),
            position=quiz.questions.count(),
        )


def quiz_question_remove(*, actor: User, question_id: int) -> None:
    """Remove a question of a draft quiz in scope. Raises QuizNotFound, NotEditable."""
    question = QuizQuestion.objects.filter(pk=question_id).first()
    if question is None:
        raise QuizNotFound(field="question")
    with transaction.atomic():
        quiz = quiz_for_staff(actor, question.quiz_id, lock=True)
        if quiz.status != Quiz.Status.DRAFT:
            raise NotEditable(field="quiz")
        question.delete()


def quiz_set_status(*, actor: User, quiz_id: int, status: str) -> Quiz:
    """Publish a draft (it needs a question) or close a published quiz (idempotent).

    Raises QuizNotFound, InvalidInput (``status``; ``no_questions``)."""
    if status not in (Quiz.Status.PUBLISHED, Quiz.Status.CLOSED):
        raise invalid(_("Choose publish or close."), "status", "invalid_choice")
    with transaction.atomic():
        quiz = quiz_for_staff(actor, quiz_id, lock=True)
        if status == Quiz.Status.PUBLISHED and not quiz.questions.exists():
            raise invalid(_("Add a question first."), "quiz", "no_questions")
        quiz.status = status
        quiz.save(update_fields=["status"])
    return quiz


def quiz_visible_get(resident: User, quiz_id: int) -> Quiz:
    """A published or closed quiz for ``resident``'s town or community. Raises QuizNotFound."""
    quiz = (
        Quiz.objects.filter(pk=quiz_id, town_id=town_of(resident))
        .exclude(status=Quiz.Status.DRAFT)
        .filter(models.Q(community__isnull=True) | models.Q(community_id=resident.community_id))
        .first()
    )
    if quiz is None:
        raise QuizNotFound(field="quiz")
    return quiz


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    earned: Earned
    replayed: bool = False


def quiz_submit(
    *,
    resident: User,
    quiz_id: int,
    answers: dict[int, int],
    idempotency_key: str,
    at: dt.datetime | None = None,
) -> QuizResult:
    """``resident`` hands in a published quiz: every question answered (question id →
    0-based option). Scored now; ``passed`` when right answers ≥ ``pass_percent`` of all.

    A pass earns ``policy_quiz`` once per quiz (cause: the quiz), capped by the rule
    (1 a local day, 3 a week): a capped pass records the attempt with 0 points.
    ``idempotency_key`` (8–100 characters, the form's nonce): a repeat returns the
    first attempt (``replayed``).

    Raises ResidentsOnly, QuizNotFound, NotOpen (closed), InvalidInput (field
    ``idempotency_key``, or ``q<question id>`` for a missing or impossible answer).
    """
    _require_resident(resident)
    key = str(idempotency_key or "")
    if not 8 <= len(key) <= 100:
        raise invalid(_("A request key of 8 to 100 characters is required."), "idempotency_key")
    quiz = quiz_visible_get(resident, quiz_id)
    first = QuizAttempt.objects.filter(resident=resident, idempotency_key=key).first()
    if first is not None:
        return QuizResult(first, Earned(ALREADY_AWARDED if first.passed else NOT_PASSED), True)
    if quiz.status != Quiz.Status.PUBLISHED:
        raise NotOpen(field="quiz")
    questions = list(quiz.questions.all())
    given: dict[str, int] = {}
    for q in questions:
        choice = answers.get(q.pk)
        if isinstance(choice, bool) or not isinstance(choice, int):
            raise invalid(_("Answer this question."), f"q{q.pk}", "required")
        if not 0 <= choice < len(q.options):
            raise invalid(_("Choose one of the options."), f"q{q.pk}", "invalid_choice")
        given[str(q.pk)] = choice
    correct = sum(1 for q in questions if given[str(q.pk)] == q.answer)
    passed = correct * 100 >= quiz.pass_percent * len(questions)
    at = at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    town_id=town_of(resident),
                    quiz=quiz,
                    resident=resident,
                    answers=given,
                    correct=correct,
                    total=len(questions),
                    passed=passed,
                    idempotency_key=key,
                    at=at,
                )
        except IntegrityError:  # the same key raced in another request
            attempt = QuizAttempt.objects.get(resident=resident, idempotency_key=key)
            return QuizResult(
                attempt, Earned(ALREADY_AWARDED if attempt.passed else NOT_PASSED), True
            )
        earned = _award(resident, QUIZ_RULE, quiz, quiz.title, at) if passed else Earned(NOT_PASSED)
    return QuizResult(attempt, earned)


# --- civility pledge --------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeResult:
    signature: PledgeSignature
    first: bool
    earned: Earned


def pledge_sign(*, resident: User, at: dt.datetime | None = None) -> PledgeResult:
    """``resident`` signs the online civility pledge (签署网络文明公约): once, ever.

    The award's cause is the signature, so it is earned once; a repeat returns the
    first signature (``first`` False). Raises ResidentsOnly.
    """
    _require_resident(resident)
    at = at or timezone.now()
    with transaction.atomic():
        signature, created = PledgeSignature.objects.get_or_create(
            resident=resident, defaults={"town_id": town_of(resident), "signed_at": at}
        )
        earned = _award(resident, PLEDGE_RULE, signature, _("Online civility pledge"), at)
    return PledgeResult(signature=signature, first=created, earned=earned)


# --- satisfaction questionnaire ---------------------------------------------------------


def survey_for_staff(actor: User, survey_id: int, *, lock: bool = False) -> Survey:
    """A questionnaire in ``actor``'s scope. Raises OutOfScope, SurveyNotFound (404)."""
    require_staff(actor)
    qs = Survey.objects.select_for_update() if lock else Survey.objects
    survey = qs.filter(pk=survey_id).first()
    if survey is None or not _in_scope(actor, survey):
        raise SurveyNotFound(field="survey")
    return survey


def survey_create(
    *, actor: User, title: str, intro: str = "", community_id: int | None = None
) -> Survey:
    """Staff start a questionnaire (draft). Raises OutOfScope, InvalidInput."""
    require_staff(actor)
    survey = Survey(
        town_id=town_of(actor),
        community=_audience(actor, community_id),
        title=_title(title),
        intro=_title(intro, "intro", 300, required=False),
        created_by=actor,
    )
    with transaction.atomic():
        survey.save(force_insert=True)
    return survey


def survey_question_add(
    *,
    actor: User,
    survey_id: int,
    text: str,
    kind: str = SurveyQuestion.Kind.CHOICE,
    options: list[str] | None = None,
    required: bool = True,
) -> SurveyQuestion:
    """Add a question to a draft questionnaire: ``choice`` (2–8 options) or ``text``.

    Raises SurveyNotFound, NotEditable (opened already), InvalidInput (text, kind, options).
    """
    if kind not in SurveyQuestion.Kind.values:
        raise invalid(_("Choose a kind of question."), "kind", "invalid_choice")
    with transaction.atomic():
        survey = survey_for_staff(actor, survey_id, lock=True)
        if survey.status != Survey.Status.DRAFT:
            raise NotEditable(field="survey")
        opts = _options(options, "options", 2, 8) if kind == SurveyQuestion.Kind.CHOICE else []
        return SurveyQuestion.objects.create(
            survey=survey,
            text=_title(text, "text", 200),
            kind=kind,
            options=opts,
            required=bool(required),
            position=survey.questions.count(),
        )


def survey_question_remove(*, actor: User, question_id: int) -> None:
    """Remove a question of a draft questionnaire. Raises SurveyNotFound, NotEditable."""
    question = SurveyQuestion.objects.filter(pk=question_id).first()
    if question is None:
        raise SurveyNotFound(field="question")
    with transaction.atomic():
        survey = survey_for_staff(actor, question.survey_id, lock=True)
        if survey.status != Survey.Status.DRAFT:
            raise NotEditable(field="survey")
        question.delete()


def survey_set_status(*, actor: User, survey_id: int, status: str) -> Survey:
    """Open a draft (it needs a question) or close an open questionnaire.

    Raises SurveyNotFound, InvalidInput (``status``; ``no_questions``)."""
    if status not in (Survey.Status.OPEN, Survey.Status.CLOSED):
        raise invalid(_("Choose open or close."), "status", "invalid_choice")
    with transaction.atomic():
        survey = survey_for_staff(actor, survey_id, lock=True)
        if status == Survey.Status.OPEN and not survey.questions.exists():
            raise invalid(_("Add a question first."), "survey", "no_questions")
        survey.status = status
        survey.save(update_fields=["status"])
    return survey


def survey_visible_get(resident: User, survey_id: int) -> Survey:
    """An open or closed questionnaire for the resident's town or community.
    Raises SurveyNotFound."""
    survey = (
        Survey.objects.filter(pk=survey_id, town_id=town_of(resident))
        .exclude(status=Survey.Status.DRAFT)
        .filter(models.Q(community__isnull=True) | models.Q(community_id=resident.community_id))
        .first()
    )
    if survey is None:
        raise SurveyNotFound(field="survey")
    return survey


@dataclass(frozen=True)
class SurveyResult:
    response: SurveyResponse
    earned: Earned


def survey_respond(
    *,
    resident: User,
    survey_id: int,
    answers: dict[int, int | str],
    at: dt.datetime | None = None,
) -> SurveyResult:
    """``resident`` answers an open questionnaire, once (question id → 0-based option for
    ``choice`` questions, text up to 500 characters for ``text`` ones; required ones must
    be answered). Earns ``community_survey`` for the response (1 a local day, 2 a month).

    Raises ResidentsOnly, SurveyNotFound, NotOpen, AlreadyAnswered (409, also for a
    concurrent second submit), InvalidInput (field ``q<question id>``).
    """
    _require_resident(resident)
    survey = survey_visible_get(resident, survey_id)
    if survey.status != Survey.Status.OPEN:
        raise NotOpen(field="survey")
    if SurveyResponse.objects.filter(survey=survey, resident=resident).exists():
        raise AlreadyAnswered(field="survey")
    rows: list[SurveyAnswer] = []
    for q in survey.questions.all():
        value = answers.get(q.pk)
        if q.kind == SurveyQuestion.Kind.CHOICE:
            if value is None or value == "":
                if q.required:
                    raise invalid(_("Answer this question."), f"q{q.pk}", "required")
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(_("Choose one of the options."), f"q{q.pk}", "invalid_choice")
            if not 0 <= value < len(q.options):
                raise invalid(_("Choose one of the options."), f"q{q.pk}", "invalid_choice")
            rows.append(SurveyAnswer(question=q, choice=value))
        else:
            text = str(value or "").strip()
            if not text:
                if q.required:
                    raise invalid(_("Answer this question."), f"q{q.pk}", "required")
                continue
            if len(text) > 500:
                raise invalid(_("Keep it to %(n)d characters or fewer.") % {"n": 500}, f"q{q.pk}")
            rows.append(SurveyAnswer(question=q, text=text))
    at = at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                response = SurveyResponse.objects.create(
                    town_id=town_of(resident), survey=survey, resident=resident, submitted_at=at
                )
        except IntegrityError:
            raise AlreadyAnswered(field="survey") from None
        for row in rows:
            row.response = response
        SurveyAnswer.objects.bulk_create(rows)
        earned = _award(resident, SURVEY_RULE, response, survey.title, at)
    return SurveyResult(response=response, earned=earned)
