"""The dispute log: staff record in their scope, parties stay internal, year-on-year counts."""

import datetime as dt

import pytest
from django.urls import reverse

from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.disputes.models import Dispute
from civicpoints.disputes.selectors import disputes_in_scope, disputes_year_on_year
from civicpoints.disputes.services import dispute_record, dispute_update_outcome


def record(actor, community, day, **kw):
    return dispute_record(
        actor=actor,
        community=community,
        category=kw.pop("category", "neighbourhood"),
        parties=kw.pop("parties", "张三 / 李四"),
        occurred_on=day,
        **kw,
    )


def test_staff_record_and_close_a_dispute_in_their_community(town):
    # given / when
    d = record(town.staff_a, town.a, dt.date(2026, 3, 1))
    dispute_update_outcome(
        actor=town.staff_a, dispute=d, outcome="resolved", resolved_on=dt.date(2026, 3, 3)
    )
    # then
    d.refresh_from_db()
    assert (d.town_id, d.outcome, d.resolved_on) == (town.town.pk, "resolved", dt.date(2026, 3, 3))
    assert list(disputes_in_scope(town.staff_a)) == [d]
    assert list(disputes_in_scope(town.staff_b)) == []
    assert list(disputes_in_scope(town.admin)) == [d]
    assert list(disputes_in_scope(town.outsider_admin)) == []


def test_scope_and_input_errors(town):
    with pytest.raises(OutOfScope):
        record(town.alice, town.a, dt.date(2026, 3, 1))
    with pytest.raises(NotFound) as e:
        record(town.staff_a, town.b, dt.date(2026, 3, 1))
    assert e.value.field == "community"
    with pytest.raises(NotFound):
        record(town.outsider_admin, town.a, dt.date(2026, 3, 1))
    with pytest.raises(InvalidInput) as e:
        record(town.staff_a, town.a, dt.date(2999, 1, 1))
    assert e.value.field == "occurred_on"
    with pytest.raises(InvalidInput) as e:
        record(town.staff_a, town.a, dt.date(2026, 3, 1), category="war")
    assert e.value.field == "category"
    with pytest.raises(InvalidInput) as e:
        record(town.staff_a, town.a, dt.date(2026, 3, 1), outcome="resolved")
    assert e.value.field == "resolved_on"
    with pytest.raises(InvalidInput) as e:
        record(town.staff_a, town.a, dt.date(2026, 3, 1), parties="  ")
    assert e.value.field == "parties"
    assert Dispute.objects.count() == 0
    d = record(town.staff_a, town.a, dt.date(2026, 3, 1))
    with pytest.raises(NotFound):
        dispute_update_outcome(actor=town.staff_b, dispute=d, outcome="pending")


def test_year_on_year_compares_the_same_days_a_year_earlier(town):
    for day in (dt.date(2025, 1, 5), dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1)):
        record(town.staff_a, town.a, day)
    record(town.staff_b, town.b, dt.date(2025, 2, 2))
    record(town.staff_a, town.a, dt.date(2026, 2, 1))
    yoy = disputes_year_on_year(
        town_id=town.town.pk, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 1)
    )
    assert (yoy.current, yoy.previous, yoy.change_percent) == (1, 4, -75)
    comm = disputes_year_on_year(
        town_id=town.town.pk,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 1),
        community_id=town.a.pk,
    )
    assert (comm.current, comm.previous) == (1, 3)
    empty = disputes_year_on_year(
        town_id=town.town.pk, start=dt.date(2020, 1, 1), end=dt.date(2020, 2, 29)
    )
    assert empty.change_percent is None


def test_pages_for_staff_only_and_parties_never_public(client, town):
    client.force_login(town.staff_a)
    resp = client.post(
        reverse("disputes:new"),
        {
            "community": town.a.pk,
            "category": "family",
            "parties": "王五家",
            "occurred_on": "2026-03-01",
            "outcome": "pending",
        },
    )
    assert resp.status_code == 302
    d = Dispute.objects.get()
    assert "王五家" in client.get(reverse("disputes:detail", args=[d.pk])).content.decode()
    bad = client.post(
        reverse("disputes:detail", args=[d.pk]), {"outcome": "resolved", "resolved_on": ""}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["resolved_on"]
    ok = client.post(
        reverse("disputes:detail", args=[d.pk]),
        {"outcome": "resolved", "resolved_on": "2026-03-02"},
    )
    assert ok.status_code == 302
    # another community's staff: 404; a resident: 403; the public page: counts only
    client.force_login(town.staff_b)
    assert client.get(reverse("disputes:detail", args=[d.pk])).status_code == 404
    client.force_login(town.alice)
    assert client.get(reverse("disputes:list")).status_code == 403
    client.logout()
    assert "王五家" not in client.get(reverse("dashboard:public")).content.decode()
