import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """``seed_town`` stores the demo reports' photos: keep them out of ``var/media``."""
    settings.MEDIA_ROOT = tmp_path / "media"
