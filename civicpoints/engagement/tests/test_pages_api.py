"""The participation pages and API: thin over the services, errors named by field."""

from django.urls import reverse

from civicpoints.engagement.models import CheckIn, PledgeSignature, Quiz, Survey
from civicpoints.engagement.tests.conftest import answers
from civicpoints.points.models import PointTransaction

API = "/api/v1"


def test_hub_check_in_and_pledge_pages(client, town, catalog):
    client.force_login(town.alice)
    hub = client.get(reverse("engagement:hub"))
    assert hub.status_code == 200 and 'action="/engage/check-in/"' in hub.content.decode()
    # when: she taps check-in twice
    client.post(reverse("engagement:check_in"))
    page = client.post(reverse("engagement:check_in"), follow=True)
    # then: one check-in, the hub says so with the streak
    assert CheckIn.objects.filter(resident=town.alice).count() == 1
    assert page.context["today"].checked_in and page.context["today"].streak == 1
    assert 'action="/engage/check-in/"' not in page.content.decode()
    # when: she signs the pledge
    client.post(reverse("engagement:pledge"))
    assert PledgeSignature.objects.filter(resident=town.alice).exists()
    assert client.get(reverse("engagement:pledge")).context["signed"]
    # staff get a 403 page, not a 500
    client.force_login(town.staff_a)
    assert client.post(reverse("engagement:check_in")).status_code == 403


def test_quiz_page_scores_and_earns(client, town, quiz):
    client.force_login(town.alice)
    page = client.get(reverse("engagement:quiz", args=[quiz.pk]))
    nonce = page.context["form"]["nonce"].value()
    data = {f"q{pk}": str(v) for pk, v in answers(quiz, [1, 0]).items()} | {"nonce": nonce}
    # when
    result = client.post(reverse("engagement:quiz", args=[quiz.pk]), data)
    # then
    assert result.status_code == 200 and result.context["result"].attempt.correct == 2
    assert (
        PointTransaction.objects.filter(resident=town.alice, rule__code="policy_quiz").count() == 1
    )
    # a missing answer is a form error on that question
    first = quiz.questions.first()
    bad = client.post(
        reverse("engagement:quiz", args=[quiz.pk]), {f"q{first.pk}": "1", "nonce": "n" * 10}
    )
    assert bad.status_code == 422 and bad.context["form"].errors
    # another community's resident gets a 404
    client.force_login(town.bob)
    assert client.get(reverse("engagement:quiz", args=[quiz.pk])).status_code == 404


def test_staff_build_a_quiz_and_a_questionnaire_on_pages(client, town, catalog):
    client.force_login(town.staff_a)
    # when: a quiz is created, given a question and published
    resp = client.post(
        reverse("engagement:staff"),
        {"kind": "quiz", "quiz-title": "防诈骗", "quiz-intro": "", "quiz-pass_percent": "100"},
    )
    quiz = Quiz.objects.get(title="防诈骗")
    assert resp.status_code == 302 and quiz.community == town.a
    url = reverse("engagement:staff_quiz", args=[quiz.pk])
    bad = client.post(url, {"action": "add", "text": "x", "options": "只有一个", "answer": "1"})
    assert bad.status_code == 422 and "options" in bad.context["form"].errors
    client.post(
        url,
        {"action": "add", "text": "陌生来电要转账？", "options": "转\n挂断并报警", "answer": "2"},
    )
    client.post(url, {"action": "published"})
    quiz.refresh_from_db()
    assert quiz.status == "published" and quiz.questions.get().answer == 1
    # when: a questionnaire is created and opened
    client.post(reverse("engagement:staff"), {"kind": "survey", "survey-title": "满意度"})
    survey = Survey.objects.get(title="满意度")
    url = reverse("engagement:staff_survey", args=[survey.pk])
    client.post(
        url,
        {
            "action": "add",
            "text": "满意吗？",
            "kind": "choice",
            "options": "是\n否",
            "required": "on",
        },
    )
    client.post(url, {"action": "open"})
    # and a resident answers it
    client.force_login(town.alice)
    q = survey.questions.get()
    client.post(reverse("engagement:survey", args=[survey.pk]), {f"q{q.pk}": "0"})
    # then: staff see the tally
    client.force_login(town.staff_a)
    page = client.get(url)
    assert page.context["results"].questions[0].counts == [("是", 1, 100), ("否", 0, 0)]
    # and staff of another community cannot open it
    client.force_login(town.staff_b)
    assert client.get(url).status_code == 404


def test_engagement_api(client, town, quiz, survey):
    client.force_login(town.alice)
    first = client.post(f"{API}/engage/check-in").json()
    again = client.post(f"{API}/engage/check-in").json()
    assert (first["outcome"], first["points"], first["streak"]) == ("awarded", 1, 1)
    assert (again["first"], again["points"]) == (False, 0)
    listed = client.get(f"{API}/engage/quizzes").json()
    assert listed["count"] == 1 and listed["items"][0]["passed"] is False
    body = client.get(f"{API}/engage/quizzes/{quiz.pk}").json()
    assert "answer" not in body["questions"][0]
    picks = {str(pk): v for pk, v in answers(quiz, [1, 0]).items()}
    done = client.post(
        f"{API}/engage/quizzes/{quiz.pk}/attempts",
        {"answers": picks, "idempotency_key": "api-quiz-1"},
        content_type="application/json",
    ).json()
    assert (done["passed"], done["points"]) == (True, 3)
    missing = client.post(
        f"{API}/engage/quizzes/{quiz.pk}/attempts",
        {"answers": {}},
        content_type="application/json",
    )
    assert missing.status_code == 422 and missing.json()["field"].startswith("q")
    choice = survey.questions.first()
    sent = client.post(
        f"{API}/engage/surveys/{survey.pk}/responses",
        {"answers": {str(choice.pk): 1}},
        content_type="application/json",
    )
    assert sent.status_code == 201 and sent.json()["points"] == 3
    twice = client.post(
        f"{API}/engage/surveys/{survey.pk}/responses",
        {"answers": {str(choice.pk): 1}},
        content_type="application/json",
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"
    assert client.post(f"{API}/engage/pledge").json()["points"] == 5
    # staff read the results; a resident may not
    assert client.get(f"{API}/staff/engage/surveys/{survey.pk}/results").status_code == 403
    client.force_login(town.admin)
    results = client.get(f"{API}/staff/engage/surveys/{survey.pk}/results").json()
    assert results["responses"] == 1 and results["questions"][0]["counts"][1]["count"] == 1


def test_staff_api_builds_a_quiz(client, town, catalog):
    client.force_login(town.admin)
    made = client.post(
        f"{API}/staff/engage/quizzes",
        {"title": "全镇答题", "community_id": town.b.pk},
        content_type="application/json",
    ).json()
    assert made["community_id"] == town.b.pk
    bad = client.post(
        f"{API}/staff/engage/quizzes",
        {"title": "x", "community_id": town.c.pk},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "community"
    early = client.put(
        f"{API}/staff/engage/quizzes/{made['id']}/status",
        {"status": "published"},
        content_type="application/json",
    )
    assert early.status_code == 422 and early.json()["code"] == "no_questions"
    client.post(
        f"{API}/staff/engage/quizzes/{made['id']}/questions",
        {"text": "q", "options": ["a", "b"], "answer": 0},
        content_type="application/json",
    )
    ok = client.put(
        f"{API}/staff/engage/quizzes/{made['id']}/status",
        {"status": "published"},
        content_type="application/json",
    )
    assert ok.json()["status"] == "published"
