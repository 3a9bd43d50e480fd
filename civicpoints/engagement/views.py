"""Participation pages: the hub (check in, pledge, quizzes, questionnaires) and the staff
editors with results. Thin: each view parses a form and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.engagement import selectors, services
from civicpoints.engagement.forms import (
    QuizAnswerForm,
    QuizCreateForm,
    QuizQuestionForm,
    SurveyAnswerForm,
    SurveyCreateForm,
    SurveyQuestionForm,
)


def _say(request, earned, what: str) -> None:
    """One message for an award outcome (``what`` names the act)."""
    if earned.outcome == services.AWARDED:
        messages.success(
            request,
            _("%(what)s: you earned %(points)d points.") % {"what": what, "points": earned.points},
        )
    elif earned.outcome == services.CAP_REACHED:
        messages.info(
            request, _("%(what)s: recorded; this rule's limit is reached for now.") % {"what": what}
        )
    elif earned.outcome == services.ALREADY_AWARDED:
        messages.info(request, _("%(what)s: already done; no more points.") % {"what": what})
    elif earned.outcome == services.RULE_OFF:
        messages.info(request, _("%(what)s: recorded; this rule is not in force.") % {"what": what})


@login_required
def hub_view(request):
    """Residents: today's check-in, the pledge, open quizzes and questionnaires."""
    user = request.user
    today = selectors.today_for(user) if user.is_resident else None
    return render(request, "engagement/hub.html", {"today": today})


@login_required
@require_POST
def check_in_view(request):
    result = services.check_in(resident=request.user)
    if result.first:
        _say(request, result.earned, _("Checked in"))
    else:
        messages.info(request, _("You have already checked in today."))
    return redirect("portal:home" if request.POST.get("next") == "home" else "engagement:hub")


@login_required
def pledge_view(request):
    user = request.user
    signed = user.is_resident and selectors.pledge_signed(user)
    if request.method == "POST":
        result = services.pledge_sign(resident=user)
        if result.first:
            _say(request, result.earned, _("Pledge signed"))
        return redirect("engagement:pledge")
    return render(request, "engagement/pledge.html", {"signed": signed})


@login_required
def quiz_view(request, quiz_id):
    quiz = services.quiz_visible_get(request.user, quiz_id)
    form = QuizAnswerForm(request.POST or None, quiz=quiz)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.quiz_submit(
                    resident=request.user,
                    quiz_id=quiz.pk,
                    answers=form.answers(),
                    idempotency_key=form.cleaned_data["nonce"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                if result.attempt.passed and not result.replayed:
                    _say(request, result.earned, _("Quiz passed"))
        else:
            status = 422
    return render(
        request,
        "engagement/quiz.html",
        {
            "quiz": quiz,
            "form": form,
            "result": result,
            "last": selectors.last_attempt(request.user, quiz) if result is None else None,
        },
        status=status,
    )


@login_required
def survey_view(request, survey_id):
    survey = services.survey_visible_get(request.user, survey_id)
    answered = survey.responses.filter(resident=request.user).exists()
    form = SurveyAnswerForm(request.POST or None, survey=survey)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.survey_respond(
                    resident=request.user, survey_id=survey.pk, answers=form.answers()
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                _say(request, result.earned, _("Questionnaire sent"))
                return redirect("engagement:hub")
        else:
            status = 422
    return render(
        request,
        "engagement/survey.html",
        {"survey": survey, "form": form, "answered": answered},
        status=status,
    )


# --- staff ------------------------------------------------------------------------------


@login_required
def staff_view(request):
    """Staff: quizzes and questionnaires in scope, and forms to start new ones."""
    actor = request.user
    require_staff(actor)
    quiz_form: QuizCreateForm | SurveyCreateForm = QuizCreateForm(actor=actor, prefix="quiz")
    survey_form: QuizCreateForm | SurveyCreateForm = SurveyCreateForm(actor=actor, prefix="survey")
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = (QuizCreateForm if kind == "quiz" else SurveyCreateForm)(
            request.POST, actor=actor, prefix="quiz" if kind == "quiz" else "survey"
        )
        if form.is_valid():
            d = form.cleaned_data
            community = d.get("community")
            try:
                if kind == "quiz":
                    quiz = services.quiz_create(
                        actor=actor,
                        title=d["title"],
                        intro=d["intro"],
                        pass_percent=d["pass_percent"],
                        community_id=community.pk if community else None,
                    )
                    return redirect("engagement:staff_quiz", quiz_id=quiz.pk)
                survey = services.survey_create(
                    actor=actor,
                    title=d["title"],
                    intro=d["intro"],
                    community_id=community.pk if community else None,
                )
                return redirect("engagement:staff_survey", survey_id=survey.pk)
            except DomainError as exc:
                add_domain_error(form, exc)
        status = 422
        if kind == "quiz":
            quiz_form = form
        else:
            survey_form = form
    return render(
        request,
        "engagement/staff.html",
        {
            "quizzes": selectors.quizzes_for_staff(actor),
            "surveys": selectors.surveys_for_staff(actor),
            "quiz_form": quiz_form,
            "survey_form": survey_form,
        },
        status=status,
    )


@login_required
def staff_quiz_view(request, quiz_id):
    """Staff: a quiz's question bank (add, remove while a draft), publish, close."""
    actor = request.user
    quiz = services.quiz_for_staff(actor, quiz_id)
    form = QuizQuestionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form = QuizQuestionForm(request.POST)
                if not form.is_valid():
                    status = 422
                else:
                    d = form.cleaned_data
                    services.quiz_question_add(
                        actor=actor,
                        quiz_id=quiz.pk,
                        text=d["text"],
                        options=d["options"],
                        answer=d["answer"] - 1,
                        explanation=d["explanation"],
                    )
                    messages.success(request, _("Question added."))
                    return redirect("engagement:staff_quiz", quiz_id=quiz.pk)
            elif action == "remove":
                services.quiz_question_remove(
                    actor=actor, question_id=_int(request.POST.get("question"))
                )
                return redirect("engagement:staff_quiz", quiz_id=quiz.pk)
            elif action in ("published", "closed"):
                services.quiz_set_status(actor=actor, quiz_id=quiz.pk, status=action)
                return redirect("engagement:staff_quiz", quiz_id=quiz.pk)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
    stats = selectors.quizzes_for_staff(actor).get(pk=quiz.pk)
    return render(
        request,
        "engagement/staff_quiz.html",
        {"quiz": quiz, "stats": stats, "questions": quiz.questions.all(), "form": form},
        status=status,
    )


@login_required
def staff_survey_view(request, survey_id):
    """Staff: a questionnaire's questions (while a draft), open, close, and its results."""
    actor = request.user
    survey = services.survey_for_staff(actor, survey_id)
    form = SurveyQuestionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form = SurveyQuestionForm(request.POST)
                if not form.is_valid():
                    status = 422
                else:
                    d = form.cleaned_data
                    services.survey_question_add(
                        actor=actor,
                        survey_id=survey.pk,
                        text=d["text"],
                        kind=d["kind"],
                        options=d["options"],
                        required=d["required"],
                    )
                    messages.success(request, _("Question added."))
                    return redirect("engagement:staff_survey", survey_id=survey.pk)
            elif action == "remove":
                services.survey_question_remove(
                    actor=actor, question_id=_int(request.POST.get("question"))
                )
                return redirect("engagement:staff_survey", survey_id=survey.pk)
            elif action in ("open", "closed"):
                services.survey_set_status(actor=actor, survey_id=survey.pk, status=action)
                return redirect("engagement:staff_survey", survey_id=survey.pk)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
    return render(
        request,
        "engagement/staff_survey.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "form": form,
            "results": selectors.survey_results(survey),
        },
        status=status,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
