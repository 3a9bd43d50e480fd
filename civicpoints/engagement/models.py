"""Online participation (线上参与): the four automatic rules of the catalog made real.

- ``CheckIn``: 每日签到 (``daily_check_in``), one row per resident and local day.
- ``Quiz`` / ``QuizQuestion`` / ``QuizAttempt``: 政策知识线上答题 (``policy_quiz``),
  a staff-managed question bank; a pass earns the rule once per quiz.
- ``PledgeSignature``: 签署网络文明公约 (``online_civility_pledge``), once per resident.
- ``Survey`` / ``SurveyQuestion`` / ``SurveyResponse`` / ``SurveyAnswer``: 社区满意度问卷
  (``community_survey``), staff-built questions, one response per resident, results
  for staff.

Quizzes and surveys belong to a town and, when written by community staff, to one
community (``community`` null = the whole town). Dates named ``day`` are local dates.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownChild, TownRow, TownScopedQuerySet


class CheckIn(TownRow):
    """A resident's daily check-in (每日签到) on local ``day``."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins"
    )
    day = models.DateField(_("day"))
    at = models.DateTimeField(_("checked in at"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily check-in")
        verbose_name_plural = _("daily check-ins")
        constraints = [
            models.UniqueConstraint(fields=["town", "resident", "day"], name="checkin_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day}"


class Audience(TownRow):
    """Common fields of staff-built content for a town or one community."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "accounts.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty: the whole town."),
    )
    title = models.CharField(_("title"), max_length=80)
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Quiz(Audience):
    """A policy quiz (政策知识线上答题): residents pass with ``pass_percent`` correct."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Ended")

    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (percent correct)"), default=80)

    class Meta:
        verbose_name = _("policy quiz")
        verbose_name_plural = _("policy quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_percent__gte=1) & Q(pass_percent__lte=100),
                name="quiz_pass_percent_1_100",
            ),
        ]


class QuizQuestion(TownChild):
    """One question of the bank: 2–6 options, one of them right (``answer``, 0-based)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "quiz"
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=200)
    options = models.JSONField(_("options"))
    answer = models.PositiveSmallIntegerField(_("right option"))
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(answer__lte=5), name="quizquestion_answer_lte_5"),
        ]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(TownRow):
    """A resident's submitted answers and score; ``passed`` attempts earn once per quiz."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    answers = models.JSONField(_("answers"))
    correct = models.PositiveSmallIntegerField(_("right answers"))
    total = models.PositiveSmallIntegerField(_("questions"))
    passed = models.BooleanField(_("passed"))
    idempotency_key = models.CharField(max_length=100)
    at = models.DateTimeField(_("submitted at"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "resident", "idempotency_key"],
                name="quizattempt_resident_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(correct__lte=models.F("total")), name="quizattempt_correct_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id}/{self.resident_id}: {self.correct}/{self.total}"


class PledgeSignature(TownRow):
    """A resident signed the online civility pledge (签署网络文明公约) — once."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledge_signature"
    )
    signed_at = models.DateTimeField(_("signed at"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge signature")
        verbose_name_plural = _("pledge signatures")

    def __str__(self) -> str:
        return f"{self.resident_id} {self.signed_at:%Y-%m-%d}"


class Survey(Audience):
    """A satisfaction questionnaire (社区满意度问卷) built by staff; one response each."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Ended")

    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")


class SurveyQuestion(TownChild):
    """A question: one choice of 2–8 options, or free text."""

    class Kind(models.TextChoices):
        CHOICE = "choice", _("One choice")
        TEXT = "text", _("Free text")

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "survey"
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.CHOICE)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire question")
        verbose_name_plural = _("questionnaire questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(TownRow):
    """A resident's submitted questionnaire (one per resident and survey)."""

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_responses"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        constraints = [
            models.UniqueConstraint(
                fields=["town", "survey", "resident"], name="surveyresponse_once_per_resident"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.resident_id}"


class SurveyAnswer(TownChild):
    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="+")
    town_parent = "response"
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["town", "response", "question"], name="surveyanswer_one_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
