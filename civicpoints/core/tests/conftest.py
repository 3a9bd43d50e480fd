import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The demo content stores report photos: keep them out of ``var/media``."""
    settings.MEDIA_ROOT = tmp_path / "media"
