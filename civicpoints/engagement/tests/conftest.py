"""Fixtures: the rule catalog, a published quiz of community A and an open questionnaire."""

import pytest

from civicpoints.engagement import services


@pytest.fixture
def quiz(town, catalog):
    """A published quiz of staff_a's community A: 2 questions, pass mark 50 %; the right
    answers are option 1 of the first and option 0 of the second."""
    q = services.quiz_create(actor=town.staff_a, title="垃圾分类政策", pass_percent=50)
    services.quiz_question_add(
        actor=town.staff_a, quiz_id=q.pk, text="电池属于？", options=["厨余", "有害"], answer=1
    )
    services.quiz_question_add(
        actor=town.staff_a, quiz_id=q.pk, text="果皮属于？", options=["厨余", "可回收"], answer=0
    )
    return services.quiz_set_status(actor=town.staff_a, quiz_id=q.pk, status="published")


def answers(quiz, picks):
    return {q.pk: p for q, p in zip(quiz.questions.all(), picks, strict=True)}


@pytest.fixture
def survey(town, catalog):
    """An open town-wide questionnaire by the town admin: one choice, one optional text."""
    s = services.survey_create(actor=town.admin, title="2026年社区满意度")
    services.survey_question_add(
        actor=town.admin,
        survey_id=s.pk,
        text="您对社区环境满意吗？",
        kind="choice",
        options=["满意", "一般", "不满意"],
    )
    services.survey_question_add(
        actor=town.admin, survey_id=s.pk, text="还有什么建议？", kind="text", required=False
    )
    return services.survey_set_status(actor=town.admin, survey_id=s.pk, status="open")
