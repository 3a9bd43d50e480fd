"""Post photos in public have faces blurred; the moderator sees the original."""

from django.urls import reverse

from civicpoints.posts.models import PostPhoto
from civicpoints.posts.tests.images import upload
from civicpoints.reports.tests.test_public_photos import _astronaut_jpeg


def test_a_post_photo_is_blurred_in_public_and_original_for_its_moderator(client, town, make_post):
    # given
    post = make_post(photos=[upload(_astronaut_jpeg())], approve_by=town.staff_a)
    ph = PostPhoto.objects.get(post=post)
    assert [r["kind"] for r in ph.blurred] == ["face"]
    url = reverse("posts:detail", args=[post.pk])
    # when / then
    html = client.get(url).content.decode()
    assert ph.public_image.url in html and ph.image.url not in html
    assert ph.public_thumbnail.url in client.get(reverse("posts:feed")).content.decode()
    client.force_login(town.staff_a)
    assert ph.image.url in client.get(url).content.decode()
