"""Real threads on PostgreSQL: a case is accepted (and its reporter awarded) once."""

import pytest
from django.db import connection

from civicpoints.points.models import PointAccount
from civicpoints.points.selectors import reconcile
from civicpoints.points.tests.test_concurrency import run_threads
from civicpoints.reports import services
from civicpoints.reports.errors import IllegalTransition
from civicpoints.reports.models import CaseEvent, Report

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.mark.django_db(transaction=True)
def test_ten_staff_clicks_accept_once_and_award_once(town, make_report):
    report = make_report()
    results = run_threads(10, lambda i: services.report_accept(actor=town.staff_a, report=report))
    assert sum(isinstance(r, Report) for r in results) == 1, results
    assert sum(isinstance(r, IllegalTransition) for r in results) == 9
    assert CaseEvent.objects.filter(report=report, to_status="accepted").count() == 1
    assert PointAccount.objects.get(resident=town.alice).balance == 5
    assert reconcile() == []
