"""Pages and API: the feed, opening awards once, staff writing with read counts, scope errors."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from civicpoints.articles.models import Article
from civicpoints.articles.tests.conftest import png_upload
from civicpoints.points.models import PointAccount, PointTransaction


def test_feed_and_detail_pages_award_on_first_open_only(client, town, reading_rule, publish):
    # given
    article = publish("Clean-up day", body="Join us <script>alert(1)</script>")
    client.force_login(town.alice)
    # when: the feed, then the article opened twice
    feed = client.get(reverse("articles:list")).content.decode()
    first = client.get(reverse("articles:detail", args=[article.pk]), follow=True)
    again = client.get(reverse("articles:detail", args=[article.pk])).content.decode()
    feed_after = client.get(reverse("articles:list")).content.decode()
    # then
    assert "Clean-up day" in feed and 'class="read-mark"' not in feed
    html = first.content.decode()
    assert first.status_code == 200 and "Join us" in html and "alert(1)" not in html
    [message] = list(first.context["messages"])
    assert message.level_tag == "success" and "2" in str(message)
    assert "alert(1)" not in again
    assert 'class="read-mark"' in feed_after
    assert PointAccount.objects.get(resident=town.alice).balance == 2
    assert PointTransaction.objects.count() == 1


def test_pages_hide_articles_of_other_audiences_and_need_login(client, town, publish):
    for_b = publish("For B", by=town.staff_b, community=town.b)
    assert client.get(reverse("articles:list")).status_code == 302
    client.force_login(town.alice)
    assert "For B" not in client.get(reverse("articles:list")).content.decode()
    assert client.get(reverse("articles:detail", args=[for_b.pk])).status_code == 404


def test_staff_write_publish_and_see_read_counts(client, town, reading_rule, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path
    client.force_login(town.staff_a)
    # when: a draft with a cover, written on the staff page
    resp = client.post(
        reverse("articles:staff_new"),
        {
            "title": "Patrol results",
            "body_markdown": "# Thanks\n\n![x](https://evil.example/x.png)",
            "community": town.a.pk,
            "published_at": "",
            "cover": png_upload(),
        },
    )
    article = Article.objects.get()
    assert resp.status_code == 302 and article.published_at is None and article.cover
    assert "evil.example" not in article.body_html
    # a draft is not readable; publishing makes it so
    client.force_login(town.alice)
    assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 404
    client.force_login(town.staff_a)
    client.post(reverse("articles:staff_publish", args=[article.pk]))
    client.force_login(town.alice)
    assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 200
    # then: staff see one reader, on the list and on the edit page
    client.force_login(town.staff_a)
    listing = client.get(reverse("articles:staff_list")).content.decode()
    assert '<td class="read-count">1</td>' in listing
    edit = client.get(reverse("articles:staff_edit", args=[article.pk])).content.decode()
    assert '<dd class="read-count">1</dd>' in edit and "<h2>Thanks</h2>" in edit


def test_staff_form_refuses_another_community_and_residents_get_403(client, town):
    client.force_login(town.staff_a)
    resp = client.post(
        reverse("articles:staff_new"),
        {"title": "x", "body_markdown": "y", "community": town.b.pk},
    )
    assert resp.status_code == 200 and resp.context["form"].errors["community"]
    assert not Article.objects.exists()
    client.force_login(town.alice)
    assert client.get(reverse("articles:staff_new")).status_code == 403
    assert client.get(reverse("articles:staff_list")).status_code == 403


def test_api_feed_read_and_replay(client, town, reading_rule, publish):
    # given
    article = publish("API news")
    client.force_login(town.alice)
    # when
    items = client.get("/api/v1/articles").json()["items"]
    detail = client.get(f"/api/v1/articles/{article.pk}").json()
    first = client.post(f"/api/v1/articles/{article.pk}/read").json()
    replay = client.post(f"/api/v1/articles/{article.pk}/read").json()
    # then
    assert [(i["title"], i["read"], i["community"]) for i in items] == [("API news", False, None)]
    assert detail["body_html"] == "<p>Some <strong>news</strong>.</p>" and detail["read"] is False
    assert first == {
        "article_id": article.pk,
        "first_read": True,
        "outcome": "awarded",
        "points_earned": 2,
    }
    assert (replay["outcome"], replay["points_earned"]) == ("already_awarded", 0)
    assert client.get("/api/v1/articles").json()["items"][0]["read"] is True
    assert client.post("/api/v1/articles/999999/read").json()["code"] == "article_not_found"


def test_api_staff_create_update_publish_and_scope(client, town, reading_rule):
    client.force_login(town.staff_a)
    # out of scope: community B
    resp = client.post(
        "/api/v1/staff/articles",
        {"title": "x", "body_markdown": "y", "community_id": town.b.pk},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "audience_out_of_scope"
    # a scheduled article for A
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    resp = client.post(
        "/api/v1/staff/articles",
        {
            "title": "Soon",
            "body_markdown": "[x](javascript:alert(1))",
            "community_id": town.a.pk,
            "published_at": when,
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert "javascript" not in body["body_html"] and body["read_count"] == 0
    pk = body["id"]
    # bad input names the field
    resp = client.put(
        f"/api/v1/staff/articles/{pk}",
        {"title": " ", "body_markdown": "y", "community_id": town.a.pk},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["field"] == "title"
    # publish now; a cover upload; other staff get 404
    assert client.post(f"/api/v1/staff/articles/{pk}/publish").json()["published_at"]
    client.force_login(town.staff_b)
    assert client.get(f"/api/v1/staff/articles/{pk}").status_code == 404
    assert client.post(f"/api/v1/staff/articles/{pk}/publish").status_code == 404
    client.force_login(town.alice)
    assert client.post(f"/api/v1/articles/{pk}/read").json()["outcome"] == "awarded"
    client.force_login(town.admin)
    assert [a["read_count"] for a in client.get("/api/v1/staff/articles").json()["items"]] == [1]


def test_api_cover_upload(client, town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(town.admin)
    pk = client.post(
        "/api/v1/staff/articles",
        {"title": "c", "body_markdown": "c"},
        content_type="application/json",
    ).json()["id"]
    resp = client.post(f"/api/v1/staff/articles/{pk}/cover", {"cover": png_upload()})
    assert resp.status_code == 200 and resp.json()["cover_url"].startswith("/media/articles/")
    fake = SimpleUploadedFile("x.gif", b"GIF89a but not really", "image/gif")
    bad = client.post(f"/api/v1/staff/articles/{pk}/cover", {"cover": fake})
    assert bad.status_code == 422 and bad.json()["code"] == "cover_not_an_image"
    settings.ARTICLE_COVER_MAX_BYTES = 10
    big = client.post(f"/api/v1/staff/articles/{pk}/cover", {"cover": png_upload()})
    assert big.status_code == 422 and big.json()["code"] == "cover_too_large"


def test_staff_form_schedules_in_local_time(client, town):
    # given: a publish time typed in the browser's datetime-local field
    client.force_login(town.admin)
    # when
    resp = client.post(
        reverse("articles:staff_new"),
        {"title": "New year", "body_markdown": "x", "published_at": "2099-01-01T08:00"},
    )
    # then: 08:00 in the town's zone, not yet visible; the edit form shows it back
    article = Article.objects.get()
    assert resp.status_code == 302
    assert article.published_at == dt.datetime(2099, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    client.force_login(town.alice)
    assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 404
    town.admin.language = "en"  # a signed-in person reads pages in their saved language
    town.admin.save(update_fields=["language"])
    client.force_login(town.admin)
    edit = client.get(reverse("articles:staff_edit", args=[article.pk])).content.decode()
    assert 'value="2099-01-01T08:00"' in edit and "Scheduled for" in edit
