"""The rankings test fixtures (``award``, ``more``) reused here."""

from civicpoints.rankings.tests.conftest import award, more  # noqa: F401
