"""``manage.py photos_blur``: the public copies of photos stored before blurring existed.

It lives in ``portal`` (the entry layer) because it walks the photos of several
domain apps — posts, reports, events — which may not import each other.
"""

from typing import Any

from django.core.management.base import BaseCommand

from civicpoints.core.imaging import photo_row_blur
from civicpoints.events.models import EventPhoto
from civicpoints.posts.models import PostPhoto
from civicpoints.reports.models import ReportPhoto


class Command(BaseCommand):
    help = (
        "Make the public (faces and plates blurred) copy of every report, post and event "
        "photo stored without one. Originals are kept; rerunning does nothing more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        models: tuple[type[ReportPhoto] | type[PostPhoto] | type[EventPhoto], ...] = (
            ReportPhoto,
            PostPhoto,
            EventPhoto,
        )
        for model in models:
            for row in model.objects.filter(public_image="").iterator(chunk_size=100):
                done += photo_row_blur(row)
        self.stdout.write(f"photos_blur: {done} public copies written")
