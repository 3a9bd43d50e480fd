"""A person of one town finds nothing of another town's posts: feed page, feed API,
detail page and API, comments; grid workers act only in their grid."""

import pytest
from django.urls import reverse

from civicpoints.accounts.models import Community, Grid, Role, Town, User
from civicpoints.accounts.scope import covers, residents_in_scope
from civicpoints.accounts.services import resident_register
from civicpoints.posts.models import Post, PostStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_towns(town, make_post, sections):
    """Town 1 (the fixture's town) with a published post; Carol lives in town 2."""
    post = make_post(town.alice, approve_by=town.staff_a)
    assert post.status == PostStatus.APPROVED
    return town, post, sections["good_deeds"]


def test_a_resident_of_town_2_finds_nothing_of_town_1(client, two_towns):
    town, post, section = two_towns
    # given: Carol lives in the other town
    client.force_login(town.carol)
    # when / then: every list, detail and API operation over posts
    feed = client.get(reverse("posts:feed"))
    assert post not in feed.context["page"].posts
    by_section = client.get(reverse("posts:feed"), {"section": section.code})
    assert post not in by_section.context["page"].posts
    by_community = client.get(reverse("posts:feed"), {"community": town.a.pk})
    assert post not in by_community.context["page"].posts
    api_feed = client.get("/api/v1/posts")
    assert post.pk not in [p["id"] for p in api_feed.json()["items"]]
    assert client.get(reverse("posts:detail", args=[post.pk])).status_code == 404
    assert client.get(f"/api/v1/posts/{post.pk}").status_code == 404
    assert client.post(f"/api/v1/posts/{post.pk}/like").status_code == 404


def test_a_resident_of_town_1_still_sees_it(client, two_towns):
    town, post, _ = two_towns
    client.force_login(town.bob)
    assert post in client.get(reverse("posts:feed")).context["page"].posts
    assert client.get(f"/api/v1/posts/{post.pk}").status_code == 200


def test_a_grid_worker_covers_only_their_grid(town):
    # given: a resident of community A outside grid 1
    other_grid = Grid.objects.create(community=town.a, name="第2网格")
    dora = resident_register(
        mobile="13500135004", nickname="Dora", password=None, community=town.a, grid=other_grid
    )
    # then
    assert covers(town.grid_worker_a, town.alice)
    assert not covers(town.grid_worker_a, dora)
    assert list(residents_in_scope(town.grid_worker_a)) == [town.alice]
    assert covers(town.staff_a, dora)  # community staff keep the whole community


def test_a_grid_worker_without_a_grid_covers_nobody(town):
    worker = User.objects.create_user(
        "15000000077", "x", nickname="w", role=Role.GRID_WORKER, town=town.town, community=town.a
    )
    assert not residents_in_scope(worker).exists()
    assert not covers(worker, town.alice)


def test_for_viewer_leaves_visitors_and_the_operator_unfiltered(town):
    from django.contrib.auth.models import AnonymousUser

    qs = Community.objects.all()
    assert Town.objects.count() == 2 and qs.count() == 3
    assert Post.objects.for_viewer(AnonymousUser()).query is not None
    assert str(Post.objects.for_viewer(town.operator).query) == str(Post.objects.all().query)
    assert "town_id" in str(Post.objects.for_viewer(town.carol).query)
