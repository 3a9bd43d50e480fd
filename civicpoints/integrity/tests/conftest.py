import pytest

from civicpoints.events.tests.conftest import (  # noqa: F401  (fixtures)
    before_deadline,
    make_event,
    residents_a,
    start,
)
from civicpoints.posts.tests.conftest import make_post, sections  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
