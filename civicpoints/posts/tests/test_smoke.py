"""Every page renders for the people who use it; the OpenAPI schema builds."""

import pytest
from django.urls import reverse

from civicpoints.posts import services as post_services
from civicpoints.posts.tests.images import jpeg_bytes, upload
from civicpoints.reports import services as report_services
from civicpoints.reports.services import categories_ensure_defaults


@pytest.fixture
def world(town, make_post):
    cat = categories_ensure_defaults(town.town.pk)[0]
    post = make_post(photos=[upload(jpeg_bytes())])
    report = report_services.report_file(
        reporter=town.alice, category=cat, place="Gate", body="Litter", photos=[]
    )
    post_services.post_reject(actor=town.staff_a, post=post, reason="Blurry")
    appeal = post_services.post_appeal(author=town.alice, post=post, text="Please look again")
    return post, report, appeal


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("alice", ["posts:feed", "posts:new", "posts:mine", "reports:new", "reports:mine"]),
        ("staff_a", ["posts:feed", "posts:queue", "reports:queue"]),
        ("admin", ["posts:queue", "reports:queue"]),
    ],
)
def test_pages_render(client, town, world, who, names):
    client.force_login(getattr(town, who))
    for name in names:
        r = client.get(reverse(name))
        assert r.status_code == 200, name


def test_object_pages_render_for_author_staff_and_appeal_decider(client, town, world):
    post, report, appeal = world
    client.force_login(town.alice)
    for url in (
        reverse("posts:detail", args=[post.pk]),
        reverse("posts:edit", args=[post.pk]),
        reverse("reports:detail", args=[report.pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(town.staff_a)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert town.alice.mobile in page  # staff covering the reporter see who reported
    client.force_login(town.admin)
    assert client.get(reverse("posts:appeal_decide", args=[appeal.pk])).status_code == 200
    assert client.get(reverse("posts:feed") + "?cursor=bad").status_code == 422


def test_openapi_schema_lists_the_new_endpoints(client, town):
    client.force_login(town.alice)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/posts", "/api/v1/reports", "/api/v1/staff/reports/{report_id}/rectify"):
        assert p in paths
