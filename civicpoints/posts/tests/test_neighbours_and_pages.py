"""Comments, likes, shares, the cursor feed, escaping, and the pages and API around them."""

import pytest
from django.urls import reverse

from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.points.models import PointTransaction
from civicpoints.posts import selectors, services
from civicpoints.posts.models import Like, Post, PostStatus
from civicpoints.posts.tests.images import jpeg_bytes, upload

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_comments_show_at_once_are_length_limited_and_hideable_by_covering_staff(town, make_post):
    # given
    post = make_post(approve_by=town.staff_a)
    # when
    c = services.comment_add(author=town.bob, post=post, body="Well done!")
    # then
    assert list(selectors.visible_comments(post)) == [c]
    with pytest.raises(InvalidInput) as exc:
        services.comment_add(author=town.bob, post=post, body="x" * 501)
    assert (exc.value.field, exc.value.code) == ("body", "too_long")
    with pytest.raises(InvalidInput):
        services.comment_add(author=town.bob, post=post, body="   ")
    with pytest.raises(OutOfScope):
        services.comment_hide(actor=town.staff_b, comment=c)
    with pytest.raises(OutOfScope):
        services.comment_hide(actor=town.alice, comment=c)
    services.comment_hide(actor=town.staff_a, comment=c)
    services.comment_hide(actor=town.staff_a, comment=c)  # repeat: no double count
    assert list(selectors.visible_comments(post)) == []
    post.refresh_from_db()
    assert post.comment_count == 0


def test_no_comments_likes_or_shares_on_unpublished_posts(town, make_post):
    post = make_post()
    for action in (
        lambda: services.comment_add(author=town.bob, post=post, body="hi"),
        lambda: services.like_toggle(user=town.bob, post=post),
        lambda: services.post_share(user=town.bob, post=post),
    ):
        with pytest.raises(NotFound):
            action()


def test_likes_toggle_once_per_person_and_give_no_points(town, make_post):
    post = make_post(approve_by=town.staff_a)
    points_before = PointTransaction.objects.count()
    assert services.like_toggle(user=town.bob, post=post) == (True, 1)
    assert services.like_toggle(user=town.alice, post=post) == (True, 2)  # own post: allowed
    assert services.like_toggle(user=town.bob, post=post) == (False, 1)
    assert Like.objects.filter(post=post).count() == 1
    assert PointTransaction.objects.count() == points_before


def test_shares_count_once_per_person(town, make_post):
    post = make_post(approve_by=town.staff_a)
    assert services.post_share(user=town.bob, post=post) == 1
    assert services.post_share(user=town.bob, post=post) == 1
    assert services.post_share(user=town.staff_a, post=post) == 2


def test_the_feed_pages_by_cursor_without_duplicates_or_gaps_as_posts_arrive(
    town, make_post, sections
):
    # given: five published posts
    made = [make_post(title=f"p{i}", approve_by=town.staff_a).pk for i in range(5)]
    # when: reading two per page while new posts are published in between
    first = selectors.feed(limit=2)
    make_post(title="new-1", approve_by=town.staff_a)
    second = selectors.feed(limit=2, cursor=first.next_cursor)
    make_post(title="new-2", approve_by=town.staff_a)
    third = selectors.feed(limit=2, cursor=second.next_cursor)
    # then
    seen = [p.pk for page in (first, second, third) for p in page.posts]
    assert seen == list(reversed(made))
    assert third.next_cursor is None


def test_feeds_per_section_and_per_community(town, make_post, sections):
    a = make_post(approve_by=town.staff_a)
    b = make_post(author=town.bob, section="neighbour_help", approve_by=town.staff_b)
    assert [p.pk for p in selectors.feed(section=sections["neighbour_help"]).posts] == [b.pk]
    assert [p.pk for p in selectors.feed(community=town.a).posts] == [a.pk]


def test_a_bad_cursor_is_a_clear_error(town):
    with pytest.raises(InvalidInput) as exc:
        selectors.feed(cursor="garbage")
    assert exc.value.code == "invalid_cursor"


def test_script_in_title_text_and_comment_is_rendered_inert(client, town, make_post):
    # given
    post = make_post(title=SCRIPT[:80], body=SCRIPT, approve_by=town.staff_a)
    services.comment_add(author=town.bob, post=post, body=SCRIPT)
    client.force_login(town.bob)
    # when
    pages = [
        client.get(reverse("posts:detail", args=[post.pk])),
        client.get(reverse("posts:feed")),
        client.get(reverse("posts:share", args=[post.pk])),
    ]
    # then
    for r in pages:
        html = r.content.decode()
        assert r.status_code == 200
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_the_share_page_is_public_with_open_graph_tags_and_a_qr_code(client, town, make_post):
    post = make_post(title="Good neighbours", photos=[upload(jpeg_bytes())])
    assert client.get(reverse("posts:share", args=[post.pk])).status_code == 404
    services.post_approve(actor=town.staff_a, post=post)
    r = client.get(reverse("posts:share", args=[post.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert '<meta property="og:title" content="Good neighbours">' in html
    assert 'property="og:image" content="http://testserver/media/posts/' in html
    assert f'content="http://testserver/posts/{post.pk}/share/"' in html
    qr = client.get(reverse("posts:share_qr", args=[post.pk]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<svg")


def test_pages_write_review_and_appeal(client, town, sections):
    # a resident writes a post with a photo through the form
    client.force_login(town.alice)
    r = client.post(
        reverse("posts:new"),
        {
            "section": sections["good_deeds"].pk,
            "title": "Fixed the stairwell light",
            "body": "With my neighbour.",
            "claimed_rule": "helping_neighbour",
            "photos": [upload(jpeg_bytes())],
        },
    )
    post = Post.objects.get()
    assert r.status_code == 302 and post.photos.count() == 1
    # a bad photo re-renders the form with the error, nothing written
    r = client.post(
        reverse("posts:new"),
        {"section": sections["good_deeds"].pk, "title": "t", "body": "b", "photos": [upload(b"x")]},
    )
    assert r.status_code == 422 and Post.objects.count() == 1
    # staff of community A review it from the queue
    client.force_login(town.staff_a)
    assert "Fixed the stairwell light" in client.get(reverse("posts:queue")).content.decode()
    r = client.post(reverse("posts:reject", args=[post.pk]), {"reason": "Blurry photo"})
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED
    # the author appeals on the post page; the admin decides
    client.force_login(town.alice)
    assert "Blurry photo" in client.get(reverse("posts:mine")).content.decode()
    client.post(reverse("posts:appeal", args=[post.pk]), {"text": "Here is a sharper one"})
    appeal = post.appeals.get()
    client.force_login(town.admin)
    r = client.post(
        reverse("posts:appeal_decide", args=[appeal.pk]), {"decision": "uphold", "reason": ""}
    )
    post.refresh_from_db()
    assert r.status_code == 302 and post.status == PostStatus.APPROVED


def test_pages_refuse_other_communities_staff(client, town, make_post):
    post = make_post()
    client.force_login(town.staff_b)
    assert client.get(reverse("posts:detail", args=[post.pk])).status_code == 404
    assert client.post(reverse("posts:approve", args=[post.pk])).status_code == 404
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING


# --- API ---------------------------------------------------------------------------


def test_api_write_review_feed_like_and_share(client, town, sections):
    client.force_login(town.alice)
    r = client.post(
        "/api/v1/posts",
        {
            "section": "good_deeds",
            "title": "Carried groceries",
            "body": "For Mr Li",
            "claimed_rule": "helping_neighbour",
            "photos": [upload(jpeg_bytes()), upload(jpeg_bytes(color="blue"))],
        },
    )
    assert r.status_code == 201, r.content
    post_id = r.json()["id"]
    assert r.json()["status"] == "pending" and len(r.json()["photos"]) == 2
    assert client.get("/api/v1/posts").json()["items"] == []
    # review
    client.force_login(town.staff_b)
    r = client.post(f"/api/v1/staff/posts/{post_id}/approve", {}, content_type="application/json")
    assert r.status_code == 404  # outside staff_b's scope: indistinguishable from missing
    client.force_login(town.staff_a)
    r = client.post(f"/api/v1/staff/posts/{post_id}/approve", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["awarded_points"] == 10
    r = client.post(f"/api/v1/staff/posts/{post_id}/approve", {}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "illegal_move")
    # neighbours
    client.force_login(town.bob)
    feed = client.get("/api/v1/posts?limit=1").json()
    assert [p["id"] for p in feed["items"]] == [post_id] and feed["next_cursor"] is None
    assert client.post(f"/api/v1/posts/{post_id}/like").json() == {"liked": True, "like_count": 1}
    assert client.get("/api/v1/posts").json()["items"][0]["liked_by_me"] is True
    share = client.post(f"/api/v1/posts/{post_id}/share").json()
    assert share["share_count"] == 1 and f"/posts/{post_id}/share/?s=" in share["share_url"]
    r = client.post(
        f"/api/v1/posts/{post_id}/comments", {"body": "x" * 501}, content_type="application/json"
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "too_long", "body")


def test_api_refuses_a_decompression_bomb_cleanly(client, town, sections):
    from civicpoints.posts.tests.images import png_bomb

    client.force_login(town.alice)
    r = client.post(
        "/api/v1/posts",
        {
            "section": "good_deeds",
            "title": "t",
            "body": "b",
            "photos": [upload(png_bomb(), "bomb.png", "image/png")],
        },
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "photo_refused", "photos")
    assert Post.objects.count() == 0
