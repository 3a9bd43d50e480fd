"""Online-participation API: check in, sign the pledge, answer quizzes and questionnaires;
staff build them and read the results. Points are whole points; days are local dates."""

import datetime as dt
import uuid

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicpoints.core.bounds import Count, ObjectId, Percent
from civicpoints.core.pagination import BoundedLimitOffsetPagination
from civicpoints.core.schemas import ErrorOut
from civicpoints.engagement import selectors, services
from civicpoints.engagement.models import Quiz, Survey

router = Router(tags=["engagement"])
staff_router = Router(tags=["engagement staff"])

OUTCOME = "awarded | already_awarded | cap_reached | rule_off | not_passed"


class EarnedOut(Schema):
    outcome: str = Field(..., description=OUTCOME)
    points: int = Field(..., description="Points written by this request (0 unless awarded).")


class CheckInOut(EarnedOut):
    day: dt.date = Field(..., description="The local day checked in.")
    first: bool = Field(..., description="False: already checked in that day.")
    streak: int = Field(..., description="Consecutive local days with a check-in.")


class PledgeOut(EarnedOut):
    signed_at: dt.datetime
    first: bool


class QuizListOut(Schema):
    id: int
    title: str
    intro: str
    pass_percent: int
    question_count: int
    passed: bool

    @staticmethod
    def resolve_passed(obj) -> bool:
        return bool(obj.passes)


class QuizQuestionOut(Schema):
    id: int
    text: str
    options: list[str] = Field(..., description="Answer with the 0-based index.")


class QuizOut(Schema):
    id: int
    title: str
    intro: str
    status: str
    pass_percent: int
    questions: list[QuizQuestionOut]

    @staticmethod
    def resolve_questions(obj: Quiz) -> list:
        return list(obj.questions.all())


class QuizAttemptIn(Schema):
    answers: dict[ObjectId, Count] = Field(..., description="Question id → 0-based option.")
    idempotency_key: str = Field(
        default_factory=lambda: uuid.uuid4().hex,
        min_length=8,
        max_length=100,
        description="Repeat to retry safely: the first attempt is returned.",
    )


class QuizAttemptOut(EarnedOut):
    correct: int
    total: int
    passed: bool
    replayed: bool


class SurveyQuestionOut(Schema):
    id: int
    text: str
    kind: str = Field(..., description="choice | text")
    options: list[str]
    required: bool


class SurveyListOut(Schema):
    id: int
    title: str
    intro: str
    answered: bool

    @staticmethod
    def resolve_answered(obj) -> bool:
        return bool(obj.answered)


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    status: str
    questions: list[SurveyQuestionOut]

    @staticmethod
    def resolve_questions(obj: Survey) -> list:
        return list(obj.questions.all())


class SurveyResponseIn(Schema):
    answers: dict[ObjectId, Count | str] = Field(
        ..., description="Question id → 0-based option (choice) or text up to 500 (text)."
    )


def _earned(e: services.Earned) -> dict:
    return {"outcome": e.outcome, "points": e.points}


@router.post("/engage/check-in", response={200: CheckInOut, 403: ErrorOut})
def check_in(request):
    """Check in for today (每日签到, rule ``daily_check_in``: 1 point, once a local day).
    Repeat-safe: a second call that day returns ``first`` false and 0 points.
    403 ``residents_only``."""
    r = services.check_in(resident=request.user)
    return {
        **_earned(r.earned),
        "day": r.check_in.day,
        "first": r.first,
        "streak": selectors.check_in_streak(request.user),
    }


@router.post("/engage/pledge", response={200: PledgeOut, 403: ErrorOut})
def pledge(request):
    """Sign the online civility pledge (rule ``online_civility_pledge``), once ever."""
    r = services.pledge_sign(resident=request.user)
    return {**_earned(r.earned), "signed_at": r.signature.signed_at, "first": r.first}


@router.get("/engage/quizzes", response=list[QuizListOut])
@paginate(BoundedLimitOffsetPagination)
def quizzes(request):
    """Published quizzes for my town and community, with whether I passed each."""
    return selectors.quizzes_for_resident(request.user)


@router.get("/engage/quizzes/{int:quiz_id}", response={200: QuizOut, 404: ErrorOut})
def quiz(request, quiz_id: ObjectId):
    """A quiz's questions (the right answers are not sent). 404 ``quiz_not_found``."""
    return services.quiz_visible_get(request.user, quiz_id)


@router.post(
    "/engage/quizzes/{int:quiz_id}/attempts",
    response={200: QuizAttemptOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def quiz_attempt(request, quiz_id: ObjectId, payload: QuizAttemptIn):
    """Hand in answers to every question. A pass (right answers ≥ the pass mark) earns
    ``policy_quiz`` once per quiz, within the rule's caps (1 a local day, 3 a week).
    422 field ``q<id>`` for a missing or impossible answer; 409 ``not_open``."""
    r = services.quiz_submit(
        resident=request.user,
        quiz_id=quiz_id,
        answers=payload.answers,
        idempotency_key=payload.idempotency_key,
    )
    a = r.attempt
    return {
        **_earned(r.earned),
        "correct": a.correct,
        "total": a.total,
        "passed": a.passed,
        "replayed": r.replayed,
    }


@router.get("/engage/surveys", response=list[SurveyListOut])
@paginate(BoundedLimitOffsetPagination)
def surveys(request):
    """Open questionnaires for my town and community, with whether I answered each."""
    return selectors.surveys_for_resident(request.user)


@router.get("/engage/surveys/{int:survey_id}", response={200: SurveyOut, 404: ErrorOut})
def survey(request, survey_id: ObjectId):
    """A questionnaire's questions. 404 ``survey_not_found``."""
    return services.survey_visible_get(request.user, survey_id)


@router.post(
    "/engage/surveys/{int:survey_id}/responses",
    response={201: EarnedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def survey_respond(request, survey_id: ObjectId, payload: SurveyResponseIn):
    """Answer once (409 ``already_answered``, ``not_open``); earns ``community_survey``
    within its caps (1 a local day, 2 a month). 422 field ``q<id>``."""
    r = services.survey_respond(resident=request.user, survey_id=survey_id, answers=payload.answers)
    return Status(201, _earned(r.earned))


# --- staff ------------------------------------------------------------------------------


class AudienceIn(Schema):
    title: str = Field(..., max_length=80)
    intro: str = Field("", max_length=300)
    community_id: ObjectId | None = Field(None, description="Town admins: one community, or null.")


class QuizIn(AudienceIn):
    pass_percent: Percent = Field(80, description="Share of right answers that passes, 1–100 %.")


class QuizQuestionIn(Schema):
    text: str = Field(..., max_length=200)
    options: list[str] = Field(..., description="2–6 options.")
    answer: Count = Field(..., description="0-based index of the right option.")
    explanation: str = Field("", max_length=300)


class SurveyQuestionIn(Schema):
    text: str = Field(..., max_length=200)
    kind: str = Field("choice", description="choice | text")
    options: list[str] = Field(default_factory=list, description="choice: 2–8 options.")
    required: bool = True


class StatusIn(Schema):
    status: str = Field(..., description="Quizzes: published | closed; surveys: open | closed.")


class StaffItemOut(Schema):
    id: int
    title: str
    status: str
    community_id: int | None


class TallyOut(Schema):
    option: str
    count: int
    percent: int


class QuestionResultOut(Schema):
    question_id: int
    text: str
    kind: str
    answered: int
    counts: list[TallyOut]
    texts: list[str]


class SurveyResultsOut(Schema):
    survey_id: ObjectId
    responses: int
    questions: list[QuestionResultOut]


STAFF_ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@staff_router.post("/engage/quizzes", response={201: StaffItemOut, **STAFF_ERRORS})
def staff_quiz_create(request, payload: QuizIn):
    """Start a draft quiz (community staff: their community; town admins: town or one)."""
    return Status(201, services.quiz_create(actor=request.user, **payload.dict()))


@staff_router.post("/engage/quizzes/{int:quiz_id}/questions", response={201: dict, **STAFF_ERRORS})
def staff_quiz_question(request, quiz_id: ObjectId, payload: QuizQuestionIn):
    """Add a question to a draft quiz (409 ``not_editable`` once published)."""
    q = services.quiz_question_add(actor=request.user, quiz_id=quiz_id, **payload.dict())
    return Status(201, {"id": q.pk})


@staff_router.put(
    "/engage/quizzes/{int:quiz_id}/status", response={200: StaffItemOut, **STAFF_ERRORS}
)
def staff_quiz_status(request, quiz_id: ObjectId, payload: StatusIn):
    """Publish (needs a question: 422 ``no_questions``) or close a quiz."""
    return services.quiz_set_status(actor=request.user, quiz_id=quiz_id, status=payload.status)


@staff_router.post("/engage/surveys", response={201: StaffItemOut, **STAFF_ERRORS})
def staff_survey_create(request, payload: AudienceIn):
    """Start a draft questionnaire."""
    return Status(201, services.survey_create(actor=request.user, **payload.dict()))


@staff_router.post(
    "/engage/surveys/{int:survey_id}/questions", response={201: dict, **STAFF_ERRORS}
)
def staff_survey_question(request, survey_id: ObjectId, payload: SurveyQuestionIn):
    """Add a question to a draft questionnaire (409 ``not_editable`` once opened)."""
    q = services.survey_question_add(actor=request.user, survey_id=survey_id, **payload.dict())
    return Status(201, {"id": q.pk})


@staff_router.put(
    "/engage/surveys/{int:survey_id}/status", response={200: StaffItemOut, **STAFF_ERRORS}
)
def staff_survey_status(request, survey_id: ObjectId, payload: StatusIn):
    """Open (needs a question) or close a questionnaire."""
    return services.survey_set_status(
        actor=request.user, survey_id=survey_id, status=payload.status
    )


@staff_router.get(
    "/engage/surveys/{int:survey_id}/results", response={200: SurveyResultsOut, **STAFF_ERRORS}
)
def staff_survey_results(request, survey_id: ObjectId):
    """Counts and percents per option, and free-text answers (newest 200), without names."""
    results = selectors.survey_results(services.survey_for_staff(request.user, survey_id))
    return {
        "survey_id": results.survey.pk,
        "responses": results.responses,
        "questions": [
            {
                "question_id": r.question.pk,
                "text": r.question.text,
                "kind": r.question.kind,
                "answered": r.answered,
                "counts": [{"option": o, "count": c, "percent": p} for o, c, p in r.counts],
                "texts": r.texts,
            }
            for r in results.questions
        ],
    }
