from django.core.management.base import BaseCommand

from civicpoints.core.imaging import photo_row_blur
from civicpoints.posts.models import PostPhoto
from civicpoints.reports.models import ReportPhoto


class Command(BaseCommand):
    help = (
        "Make the public (faces and plates blurred) copy of every report and post photo "
        "stored without one. Originals are kept; rerunning does nothing more."
    )

    def handle(self, *args, **options):
        # Reports may import posts (docs/CONVENTIONS.md), so both photo kinds are done here.
        done = 0
        for model in (ReportPhoto, PostPhoto):
            for row in model.objects.filter(public_image="").iterator(chunk_size=100):
                done += photo_row_blur(row)
        self.stdout.write(f"photos_blur: {done} public copies written")
