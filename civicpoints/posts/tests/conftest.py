import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sections(catalog, town):
    from civicpoints.posts.services import sections_ensure_defaults

    return {s.code: s for s in sections_ensure_defaults(town.town.pk)}


@pytest.fixture
def make_post(town, sections):
    """Create a post through the service (pending unless ``approve_by`` is given)."""
    from civicpoints.posts import services

    def make(author=None, *, section="good_deeds", claim=None, approve_by=None, **kw):
        post = services.post_create(
            author=author or town.alice,
            section=sections[section],
            title=kw.pop("title", "Helped Mrs Wang carry coal"),
            body=kw.pop("body", "Two hours on Saturday morning."),
            claimed_rule_code=claim,
            **kw,
        )
        if approve_by is not None:
            post = services.post_approve(actor=approve_by, post=post)
        return post

    return make
