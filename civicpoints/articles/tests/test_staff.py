"""Staff write, edit and publish articles inside their scope; covers are checked images."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicpoints.articles.errors import ArticleNotFound, AudienceOutOfScope
from civicpoints.articles.models import Article
from civicpoints.articles.services import (
    article_cover_set,
    article_create,
    article_publish,
    article_update,
)
from civicpoints.articles.tests.conftest import png_upload
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.imaging import (
    NEAR_DISTANCE,
    Fingerprint,
    fingerprint_distance,
    photo_fingerprint,
)
from civicpoints.integrity.models import Flag
from civicpoints.integrity.tests.photos import demo_photo, recycled


def test_community_staff_publish_for_their_own_community_only(town):
    # given / when: staff of A for A
    article = article_create(
        actor=town.staff_a, title="A news", body_markdown="hi", community=town.a
    )
    assert (article.town, article.community, article.author) == (town.town, town.a, town.staff_a)
    # then: not for B, and not for the whole town
    for community in (town.b, None):
        with pytest.raises(AudienceOutOfScope) as exc:
            article_create(actor=town.staff_a, title="x", body_markdown="y", community=community)
        assert (exc.value.code, exc.value.field) == ("audience_out_of_scope", "community")


def test_town_admin_publishes_for_the_town_or_any_community_of_it(town):
    assert article_create(actor=town.admin, title="T", body_markdown="t").community is None
    assert article_create(actor=town.admin, title="B", body_markdown="b", community=town.b)
    with pytest.raises(AudienceOutOfScope):
        article_create(actor=town.outsider_admin, title="x", body_markdown="y", community=town.a)


def test_residents_and_merchants_cannot_write(town):
    for actor in (town.alice, town.merchant):
        with pytest.raises(OutOfScope) as exc:
            article_create(actor=actor, title="x", body_markdown="y", community=town.a)
        assert exc.value.code == "staff_only"
    assert not Article.objects.exists()


def test_edit_outside_scope_is_not_found(town):
    # given
    article = article_create(actor=town.staff_a, title="A", body_markdown="a", community=town.a)
    # when / then: staff of B and another town's admin see nothing to edit
    for actor in (town.staff_b, town.outsider_admin):
        with pytest.raises(ArticleNotFound):
            article_update(
                actor=actor,
                article_id=article.pk,
                title="hijack",
                body_markdown="x",
                community=None,
            )
        with pytest.raises(ArticleNotFound):
            article_publish(actor=actor, article_id=article.pk)
    assert Article.objects.get(pk=article.pk).title == "A"


def test_update_renders_again_and_publish_is_idempotent(town):
    # given: a draft
    article = article_create(actor=town.staff_a, title="A", body_markdown="a", community=town.a)
    # when
    article_update(
        actor=town.staff_a,
        article_id=article.pk,
        title=" Better ",
        body_markdown="<script>x()</script>**new**",
        community=town.a,
    )
    first = article_publish(actor=town.staff_a, article_id=article.pk)
    later = article_publish(
        actor=town.staff_a, article_id=article.pk, at=timezone.now() + dt.timedelta(hours=1)
    )
    # then
    article.refresh_from_db()
    assert article.title == "Better" and article.body_html == "<p><strong>new</strong></p>"
    assert first.published_at is not None and later.published_at == first.published_at


def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(town):
    cases = [
        ({"title": " ", "body_markdown": "x"}, "title_required", "title"),
        ({"title": "t" * 121, "body_markdown": "x"}, "title_too_long", "title"),
        ({"title": "t", "body_markdown": ""}, "body_required", "body_markdown"),
        (
            {"title": "t", "body_markdown": "x", "published_at": dt.datetime(2026, 1, 1)},
            "naive_time",
            "published_at",
        ),
    ]
    for kwargs, code, field in cases:
        with pytest.raises(InvalidInput) as exc:
            article_create(actor=town.admin, **kwargs)
        assert (exc.value.code, exc.value.field) == (code, field)
    assert not Article.objects.exists()


def test_cover_must_be_a_small_real_image(town, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path
    settings.ARTICLE_COVER_MAX_BYTES = 2000
    # when: a real PNG
    article = article_create(
        actor=town.admin, title="With cover", body_markdown="x", cover=png_upload()
    )
    # then
    assert article.cover.name.startswith("articles/covers/") and article.cover.url
    # a file that is not an image, and one too large, are refused on the cover field
    fake = SimpleUploadedFile("x.png", b"<script>not an image</script>", "image/png")
    with pytest.raises(InvalidInput) as exc:
        article_cover_set(actor=town.admin, article_id=article.pk, cover=fake)
    assert (exc.value.code, exc.value.field) == ("cover_not_an_image", "cover")
    with pytest.raises(InvalidInput) as exc:
        article_create(
            actor=town.admin, title="Big", body_markdown="x", cover=png_upload(size=(600, 600))
        )
    assert exc.value.code == "cover_too_large"
    assert Article.objects.count() == 1


def test_a_cover_is_hashed_on_upload_and_a_reused_one_is_not_flagged(town, settings, tmp_path):
    # given: a real photo, and the same photo resized (a cover reused on a later article)
    settings.MEDIA_ROOT = tmp_path
    data = demo_photo("the new sports ground")
    again = recycled(data)["resize to 50%"]
    # when
    first = article_create(actor=town.admin, title="Ground", body_markdown="x", cover=_upload(data))
    second = article_create(actor=town.admin, title="More", body_markdown="y")
    second = article_cover_set(actor=town.admin, article_id=second.pk, cover=_upload(again))
    # then: the stored hashes are those of the stored (cleaned) cover, and they match
    with first.cover.open("rb") as f:
        assert first.cover_hashes == photo_fingerprint(f.read()).serialize()
    a, b = Fingerprint.parse(first.cover_hashes), Fingerprint.parse(second.cover_hashes)
    assert len(a.hashes) == len(b.hashes) > 1
    assert fingerprint_distance(a, b) <= NEAR_DISTANCE
    assert not Flag.objects.exists()  # covers are staff-chosen: reuse is no sign of farming
    # and removing the cover removes its hashes
    first = article_update(
        actor=town.admin, article_id=first.pk, title="Ground", body_markdown="x", remove_cover=True
    )
    stored = Article.objects.get(pk=first.pk)
    assert not stored.cover and stored.cover_hashes == ""


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("cover.jpg", data, "image/jpeg")
