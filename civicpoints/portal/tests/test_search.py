"""Search over posts, articles and events in Chinese (issue 18, item 6).

Runs on SQLite (LIKE on the bigram column) and on PostgreSQL (full-text
``simple`` + the GIN index): ``DATABASE_URL=postgres://… pytest
civicpoints/portal/tests/test_search.py``.
"""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from civicpoints.core import search as cjk

# --- the bigram machinery ------------------------------------------------------------


def test_terms_cut_chinese_into_bigrams_and_keep_latin_words():
    assert cjk.terms("垃圾分类，Wi-Fi 免费 119") == [
        "垃圾",
        "圾分",
        "分类",
        "wi",
        "fi",
        "免费",
        "119",
    ]
    assert cjk.terms("猫") == ["猫"]
    assert cjk.terms("！？…") == []


def test_document_holds_whole_terms_and_single_characters():
    doc = cjk.document("义诊进社区", "量血压")
    assert doc.startswith(" ") and doc.endswith(" ")
    for term in ("义诊", "诊进", "进社", "社区", "量血", "血压", "诊", "压"):
        assert f" {term} " in doc
    assert " 义社 " not in doc  # never a pair that is not side by side


def test_snippet_marks_the_phrase_and_escapes_the_text():
    text = "前面很长的一段话" * 5 + "<b>楼道</b>里堆满杂物，请大家清理楼道杂物。"
    snip = cjk.snippet(text, "楼道杂物", cjk.query_terms("楼道杂物"))
    assert snip.text.startswith("…")
    marked = [snip.text[s:e] for s, e in snip.marks]
    assert "楼道杂物" in marked
    html = str(snip.html())
    assert "<mark>楼道杂物</mark>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_rank_puts_the_phrase_in_the_title_first():
    wanted = cjk.query_terms("垃圾分类")
    in_title = cjk.rank("垃圾分类", wanted, "垃圾分类小课堂", "厨余垃圾这样投")
    in_body = cjk.rank("垃圾分类", wanted, "小课堂", "今天讲垃圾分类")
    scattered = cjk.rank("垃圾分类", wanted, "分类", "垃圾 圾分")
    assert in_title > in_body > scattered > 0


# --- what is found, for whom -------------------------------------------------------------


def _post(author, title, body, *, approve_by=None):
    from civicpoints.posts import services as posts

    section = posts.sections_ensure_defaults(author.town_id)[0]
    post = posts.post_create(author=author, section=section, title=title, body=body)
    if approve_by is not None:
        post = posts.post_approve(actor=approve_by, post=post)
    return post


def _event(actor, title, *, description="", community=None, publish=True):
    from civicpoints.events.services import event_create, event_publish
    from civicpoints.points.services import rule_get

    now = timezone.now()
    event = event_create(
        actor=actor,
        title=title,
        place="融城社区服务站",
        description=description,
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=2),
        signup_deadline=now + dt.timedelta(days=1),
        capacity=10,
        rule=rule_get("sanitation_drive", town_id=actor.town_id),
        community=community,
    )
    if publish:
        event_publish(actor=actor, event=event)
    return event


def _article(actor, title, body, *, community=None, published=True):
    from civicpoints.articles.services import article_create

    return article_create(
        actor=actor,
        title=title,
        body_markdown=body,
        community=community,
        published_at=timezone.now() - dt.timedelta(hours=1) if published else None,
    )


def _found(client, q, **params):
    r = client.get("/api/v1/search", {"q": q, **params})
    assert r.status_code == 200, r.content
    return r.json()


@pytest.fixture
def content(town, catalog):
    """Approved, pending and other-town posts; published, draft and other-community
    articles; published and draft events — all about 垃圾分类 or 义诊."""
    from civicpoints.accounts.services import resident_register

    outsider = resident_register(
        mobile="13700137099", nickname="外镇人", password=town.password, community=town.c
    )
    outsider_staff = town.outsider_admin
    ns = type("Content", (), {})()
    ns.title_post = _post(
        town.alice, "垃圾分类小课堂", "厨余垃圾要沥干水分。", approve_by=town.staff_a
    )
    ns.body_post = _post(
        town.bob, "今天的好人好事", "王阿姨每天教邻居做垃圾分类，很耐心。", approve_by=town.staff_b
    )
    ns.pending = _post(town.alice, "垃圾分类还没审核", "待审核的帖子")
    ns.other_town = _post(outsider, "外镇的垃圾分类", "别的镇", approve_by=outsider_staff)
    ns.article = _article(town.admin, "垃圾分类：厨余垃圾这样投", "厨余垃圾投放前请**沥干水分**。")
    ns.draft = _article(town.admin, "垃圾分类草稿", "还没发布", published=False)
    ns.b_only = _article(town.staff_b, "巴桥社区垃圾分类通知", "只给巴桥社区", community=town.b)
    ns.event = _event(town.admin, "义诊进社区志愿服务", description="协助医生为老人量血压")
    ns.draft_event = _event(town.admin, "义诊草稿活动", publish=False)
    return ns


def test_finds_posts_articles_and_events_by_a_chinese_phrase(client, town, content):
    # given alice of community A
    client.force_login(town.alice)
    # when she searches 垃圾分类
    found = _found(client, "垃圾分类")
    # then she gets the published posts of her town and the town-wide article, nothing else
    got = {(h["kind"], h["id"]) for h in found["items"]}
    assert got == {
        ("post", content.title_post.pk),
        ("post", content.body_post.pk),
        ("article", content.article.pk),
    }
    assert found["count"] == 3
    # and an event by a word of its description
    events = _found(client, "量血压")["items"]
    assert [(h["kind"], h["id"]) for h in events] == [("event", content.event.pk)]


def test_never_finds_pending_drafts_other_towns_or_other_communities(client, town, content):
    client.force_login(town.alice)
    ids = {(h["kind"], h["id"]) for h in _found(client, "垃圾分类")["items"]}
    assert ("post", content.pending.pk) not in ids  # not even its author
    assert ("post", content.other_town.pk) not in ids
    assert ("article", content.draft.pk) not in ids
    assert ("article", content.b_only.pk) not in ids
    assert _found(client, "草稿")["count"] == 0
    # staff who may see the draft event on its page do not find it either
    client.force_login(town.admin)
    assert _found(client, "义诊草稿")["count"] == 0
    # bob of community B finds his community's article
    client.force_login(town.bob)
    assert ("article", content.b_only.pk) in {
        (h["kind"], h["id"]) for h in _found(client, "垃圾分类")["items"]
    }


def test_ranks_the_phrase_in_a_title_first_and_marks_the_snippet(client, town, content):
    client.force_login(town.alice)
    items = _found(client, "垃圾分类", kind="post")["items"]
    # the post with the phrase in its title outranks the one that mentions it in the text
    assert [h["id"] for h in items] == [content.title_post.pk, content.body_post.pk]
    body_hit = items[1]
    marked = [body_hit["snippet"][s:e] for s, e in body_hit["marks"]]
    assert "垃圾分类" in marked
    title_hit = items[0]
    assert [title_hit["title"][s:e] for s, e in title_hit["title_marks"]] == ["垃圾分类"]


def test_a_single_character_and_a_two_word_query(client, town, content):
    client.force_login(town.alice)
    assert {h["id"] for h in _found(client, "诊")["items"]} == {content.event.pk}
    # two words anywhere (not side by side): both must be there
    both = _found(client, "厨余 沥干")["items"]
    assert {(h["kind"], h["id"]) for h in both} == {
        ("post", content.title_post.pk),
        ("article", content.article.pk),
    }
    # a phrase whose characters exist but not side by side is not a match
    assert _found(client, "垃分")["count"] == 0


def test_paging_counts_every_match(client, town, catalog):
    for i in range(7):
        _post(town.alice, f"河道清洁第{i}次", "清理河道垃圾", approve_by=town.staff_a)
    client.force_login(town.alice)
    first = _found(client, "河道", limit=5)
    second = _found(client, "河道", limit=5, offset=5)
    assert first["count"] == second["count"] == 7
    assert len(first["items"]) == 5 and len(second["items"]) == 2
    assert not {h["id"] for h in first["items"]} & {h["id"] for h in second["items"]}


@pytest.mark.parametrize(
    ("q", "code"),
    [("垃" * 51, None), ("！？。", "no_terms"), ("   ", "empty")],
)
def test_bad_queries_are_422_naming_q(client, town, catalog, q, code):
    client.force_login(town.alice)
    r = client.get("/api/v1/search", {"q": q})
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "q" or "q" in str(body)
    if code:
        assert body["code"] == code


def test_the_index_follows_edits(client, town, catalog):
    from civicpoints.events.services import event_update

    event = _event(town.admin, "重阳节敬老文艺汇演")
    client.force_login(town.alice)
    assert _found(client, "敬老")["count"] == 1
    # when the title changes
    event_update(
        actor=town.admin,
        event=event,
        title="中秋游园会",
        place=event.place,
        description="",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        signup_deadline=event.signup_deadline,
        capacity=event.capacity,
        rule=event.rule,
    )
    # then the old words find nothing and the new ones find it
    assert _found(client, "敬老")["count"] == 0
    assert [h["id"] for h in _found(client, "游园")["items"]] == [event.pk]


def test_the_search_page_marks_matches_and_escapes_text(client, town, catalog):
    _post(
        town.alice, "楼道杂物", "<script>alert(1)</script>请清理楼道杂物", approve_by=town.staff_a
    )
    client.force_login(town.alice)
    html = client.get(reverse("portal:search"), {"q": "楼道杂物"}).content.decode()
    assert "<mark>楼道杂物</mark>" in html
    assert "<script>alert(1)</script>" not in html
    assert "1 个结果" in html or "1 result" in html
    # a bad query: the reason under the box, not a 500
    r = client.get(reverse("portal:search"), {"q": "！！"})
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()


def test_the_operator_has_no_town_to_search(client, town, catalog):
    client.force_login(town.operator)
    r = client.get("/api/v1/search", {"q": "垃圾"})
    assert r.status_code == 403 and r.json()["code"] == "no_town"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_has_the_gin_indexes_and_uses_them(town, catalog):
    from civicpoints.posts.models import Post

    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('post_search_doc_gin', 'article_search_doc_gin', 'event_search_doc_gin')"
        )
        assert {r[0] for r in cur.fetchall()} == {
            "post_search_doc_gin",
            "article_search_doc_gin",
            "event_search_doc_gin",
        }
        cur.execute("SET enable_seqscan = off")
        plan = cjk.matching(Post.objects.all(), "search_doc", ["垃圾", "分类"]).explain()
        cur.execute("SET enable_seqscan = on")
    assert "post_search_doc_gin" in plan
