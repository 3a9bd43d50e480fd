"""The staff dashboard, its exports and the public figures, checked against the ledger."""

import csv
import datetime as dt
import io

import pytest
from django.db.models import Max, Sum
from django.urls import reverse
from openpyxl import load_workbook

from civicpoints.accounts.models import Role, Town, User
from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope
from civicpoints.core.metrics import Table
from civicpoints.dashboard.exports import safe_cell, table_csv, table_xlsx
from civicpoints.dashboard.selectors import (
    dashboard_context,
    dashboard_figures,
    public_headline,
)
from civicpoints.demo.town import seed_town
from civicpoints.points.models import PointAccount, PointTransaction

END = dt.date(2026, 3, 31)


@pytest.fixture
def seeded(db):
    result = seed_town(scale=0.005, seed=7, end=END, quiet=True)
    town = Town.objects.get()
    admin = User.objects.filter(role=Role.TOWN_ADMIN, town=town).first()
    staff = User.objects.filter(role=Role.COMMUNITY_STAFF, town=town).first()
    return town, admin, staff, result


def figures_of(ctx):
    figures, tables = dashboard_figures(ctx)
    return {f.key: f.value for f in figures}, {t.key: t for t in tables}


def test_town_figures_match_direct_ledger_sums(seeded):
    # given the seeded town and a town admin's range over Q1
    town, admin, _staff, _result = seeded
    start = dt.date(2026, 1, 1)
    ctx = dashboard_context(admin, start=start, end=END)
    # when
    figs, tables = figures_of(ctx)
    # then
    rows = PointTransaction.objects.filter(town=town, local_date__range=(start, END))
    issued = rows.filter(counts_as_earned=True).aggregate(s=Sum("points"))["s"]
    spent = -(rows.filter(counts_as_earned=False).aggregate(s=Sum("points"))["s"] or 0)
    assert figs["points_issued"] == issued > 0
    assert figs["points_spent"] == spent
    assert figs["participants"] == (
        rows.filter(counts_as_earned=True).values("resident_id").distinct().count()
    )
    assert figs["residents"] == User.objects.filter(role=Role.RESIDENT, is_active=True).count()
    active7 = (
        PointTransaction.objects.filter(
            town=town, local_date__gte=END - dt.timedelta(days=6), local_date__lte=END
        )
        .values("resident_id")
        .distinct()
        .count()
    )
    assert figs["active_7"] == active7 <= figs["active_30"]
    table = tables["points_by_month"]
    assert [r[0] for r in table.rows] == ["2026-01", "2026-02", "2026-03"]
    assert sum(r[-2] for r in table.rows) == issued
    assert all(sum(r[1:-2]) == r[-2] for r in table.rows)  # categories add up
    # over all time, issued − spent is the sum of balances
    ctx_all = dashboard_context(admin, start=dt.date(2000, 1, 1), end=dt.date(2004, 12, 31))
    assert figures_of(ctx_all)[0]["points_issued"] == 0
    last = PointTransaction.objects.aggregate(d=Max("local_date"))["d"]
    everything = dashboard_context(admin, start=last - dt.timedelta(days=5 * 365), end=last)
    figs_all = figures_of(everything)[0]
    balances = PointAccount.objects.aggregate(s=Sum("balance"))["s"]
    assert figs_all["points_issued"] - figs_all["points_spent"] == balances


def test_community_staff_see_only_their_community(seeded):
    town, admin, staff, seeded_result = seeded
    ctx = dashboard_context(staff, community_id=None, start=dt.date(2026, 1, 1), end=END)
    assert ctx.community_id == staff.community_id
    figs = figures_of(ctx)[0]
    mine = PointTransaction.objects.filter(
        resident__community_id=staff.community_id,
        local_date__range=(dt.date(2026, 1, 1), END),
        counts_as_earned=True,
    ).aggregate(s=Sum("points"))["s"]
    assert figs["points_issued"] == mine
    # a town admin may narrow to a community of the town, not another town's
    assert dashboard_context(admin, community_id=staff.community_id).community_id == (
        staff.community_id
    )
    other = Town.objects.create(name="x", code="x")
    from civicpoints.accounts.models import Community

    with pytest.raises(NotFound):
        dashboard_context(admin, community_id=Community.objects.create(town=other, name="y").pk)


def test_range_errors_and_non_staff(town):
    with pytest.raises(OutOfScope):
        dashboard_context(town.alice)
    with pytest.raises(OutOfScope):
        dashboard_context(town.merchant)
    with pytest.raises(InvalidInput) as e:
        dashboard_context(town.admin, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1))
    assert (e.value.code, e.value.field) == ("range_reversed", "start")
    with pytest.raises(InvalidInput) as e:
        dashboard_context(town.admin, start=dt.date(2010, 1, 1), end=dt.date(2026, 3, 1))
    assert e.value.code == "range_too_long"


def test_dashboard_page_charts_and_exports(client, seeded):
    town, admin, staff, seeded_result = seeded
    client.force_login(admin)
    q = {"start": "2026-01-01", "end": "2026-03-31"}
    resp = client.get(reverse("dashboard:dashboard"), q)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="chart-points_by_month" type="application/json"' in html
    assert "dashboard/chart.umd.min.js" in html and "dashboard/dashboard.js" in html
    assert "<script>" not in html  # no inline script
    csv_resp = client.get(reverse("dashboard:export", args=["points_by_month", "csv"]), q)
    assert csv_resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_resp.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["2026-01", "2026-02", "2026-03"]
    xlsx = client.get(reverse("dashboard:export", args=["disputes_by_category", "xlsx"]), q)
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.max_row == 5
    assert client.get(reverse("dashboard:export", args=["nope", "csv"]), q).status_code == 404
    bad = client.get(reverse("dashboard:dashboard"), {"start": "2026-04-01", "end": "2026-03-01"})
    assert bad.status_code == 200 and bad.context["form"].errors
    assert client.get(reverse("dashboard:dashboard"), {"start": "garbage"}).status_code == 200
    client.force_login(User.objects.filter(role=Role.RESIDENT).first())
    assert client.get(reverse("dashboard:dashboard")).status_code == 403
    exp = client.get(reverse("dashboard:export", args=["points_by_month", "csv"]))
    assert exp.status_code == 403


def test_exports_neutralise_formulas():
    # given cells a spreadsheet would run as formulas
    evil = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "ok"]
    table = Table("t", "t", ["=cmd", "b"], [[v, -5] for v in evil])
    # when
    text = table_csv(table).decode("utf-8-sig")
    ws = load_workbook(io.BytesIO(table_xlsx(table))).active
    # then text is prefixed with ' and numbers stay numbers
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "'=cmd"
    assert [r[0] for r in rows[1:]] == ["'" + v for v in evil[:-1]] + ["ok"]
    cells = [ws.cell(row=i, column=1).value for i in range(2, 8)]
    assert cells == ["'" + v for v in evil[:-1]] + ["ok"]
    assert all(ws.cell(row=i, column=1).data_type == "s" for i in range(1, 8))
    assert ws.cell(row=2, column=2).value == -5
    assert safe_cell(None) == "" and safe_cell(3) == 3


def test_public_headline_figures(client, seeded):
    town, admin, staff, seeded_result = seeded
    from civicpoints.disputes.services import dispute_record

    today = dt.date(2026, 3, 31)
    for day in (dt.date(2025, 1, 3), dt.date(2025, 2, 3), dt.date(2025, 3, 3), dt.date(2025, 3, 4)):
        dispute_record(
            actor=admin, community=staff.community, category="family", parties="x", occurred_on=day
        )
    dispute_record(
        actor=admin,
        community=staff.community,
        category="family",
        parties="x",
        occurred_on=dt.date(2026, 2, 1),
    )
    h = public_headline(town, today=today)
    earned = PointTransaction.objects.filter(counts_as_earned=True)
    assert h.total_points == earned.aggregate(s=Sum("points"))["s"]
    assert h.participants == earned.values("resident_id").distinct().count()
    deeds = PointTransaction.objects.filter(
        kind="award", rule__code="good_deed_post", reversed_by__isnull=True
    )
    assert h.good_deeds == deeds.count() == seeded_result.good_deeds
    assert (h.disputes.current, h.disputes.previous, h.disputes.change_percent) == (1, 4, -75)
    resp = client.get(reverse("dashboard:public"), headers={"accept-language": "en"})
    assert resp.status_code == 200
    assert f"{h.participants:,}" in resp.content.decode()
    assert client.get(reverse("dashboard:public"), {"town": "nope"}).status_code == 404


def test_good_deeds_count_good_deed_awards_less_their_reversals(town, catalog):
    # given two good deeds of alice, one later reversed, and a patrol
    from civicpoints.points.models import PointRule
    from civicpoints.points.services import points_award, points_reverse

    deed = PointRule.objects.get(code="good_deed_post")
    first = points_award(actor=town.admin, resident=town.alice, rule=deed, idempotency_key="deed-1")
    points_award(actor=town.admin, resident=town.bob, rule=deed, idempotency_key="deed-2")
    points_award(
        actor=town.admin, resident=town.alice, rule=PointRule.objects.get(code="voluntary_patrol")
    )
    points_reverse(original=first)
    # when / then
    assert public_headline(town.town).good_deeds == 1
    figs = figures_of(dashboard_context(town.admin))[0]
    assert figs["good_deeds"] == 1
    assert figs["points_issued"] == deed.points + 50
    assert figures_of(dashboard_context(town.staff_b))[0]["good_deeds"] == 1
    assert figures_of(dashboard_context(town.staff_a))[0]["good_deeds"] == 0
