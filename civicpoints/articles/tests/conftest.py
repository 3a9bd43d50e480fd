"""Article fixtures: the reading rule and a helper to publish through the real service."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from civicpoints.articles.services import article_create


@pytest.fixture
def reading_rule(catalog):
    from civicpoints.points.models import PointRule

    return PointRule.objects.get(code="article_reading")


@pytest.fixture
def publish(town):
    """``publish(title, by=town.admin, community=None, at=<an hour ago>)`` → a published Article."""

    def make(title="Notice", *, by=None, community=None, at=None, body="Some **news**."):
        return article_create(
            actor=by or town.admin,
            title=title,
            body_markdown=body,
            community=community,
            published_at=at or timezone.now() - dt.timedelta(hours=1),
        )

    return make


def png_upload(name="cover.png", size=(8, 6)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 20)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")
