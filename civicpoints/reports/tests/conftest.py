import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def categories(catalog, town):
    from civicpoints.posts.services import sections_ensure_defaults
    from civicpoints.reports.services import categories_ensure_defaults

    sections_ensure_defaults(town.town.pk)
    return {c.code: c for c in categories_ensure_defaults(town.town.pk)}


@pytest.fixture
def make_report(town, categories):
    from civicpoints.reports import services

    def make(reporter=None, **kw):
        return services.report_file(
            reporter=reporter or town.alice,
            category=categories[kw.pop("category", "litter")],
            place=kw.pop("place", "Gate 3, Rongcheng Road"),
            body=kw.pop("body", "Bags of rubbish dumped by the gate again."),
            **kw,
        )

    return make
