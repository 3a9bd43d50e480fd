"""What-if of a rule change, from the real ledger."""

import datetime as dt

from civicpoints.accounts.services import resident_register
from civicpoints.core.timeutil import town_tz
from civicpoints.points import services
from civicpoints.rankings.whatif import rule_change_whatif

DAY = dt.date(2026, 11, 2)


def _at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=town_tz())


def test_a_new_value_and_cap_moves_points_and_ranks(town, catalog):
    # given: alice read 4 articles a day on 2 days (2 points each); bob one patrol (50)
    reading = services.rule_get("article_reading", town_id=town.town.pk)
    patrol = services.rule_get("voluntary_patrol", town_id=town.town.pk)
    carol = resident_register(
        mobile="13700137009", nickname="Dora", password=town.password, community=town.a
    )
    for d in range(2):
        for k in range(4):
            services.points_award(
                actor=town.admin,
                resident=town.alice,
                rule=reading,
                idempotency_key=f"r{d}{k}",
                at=_at(DAY + dt.timedelta(days=d), 9 + k),
            )
    services.points_award(
        actor=town.admin, resident=town.bob, rule=patrol, idempotency_key="p", at=_at(DAY, 9)
    )
    services.points_award(
        actor=town.admin, resident=carol, rule=reading, idempotency_key="c", at=_at(DAY, 9)
    )
    # when: reading pays 10 but only twice a day
    w = rule_change_whatif(
        town=town.town,
        rule=reading,
        start=DAY,
        end=DAY + dt.timedelta(days=1),
        points=10,
        daily_limit=2,
    )
    # then: 9 awards issued 18 points; they would have issued (2 + 2 + 1) × 10 = 50
    assert (w.awards, w.issued_before, w.issued_after) == (9, 18, 50)
    assert w.residents_affected == 2
    assert [(m.nickname, m.diff) for m in w.winners] == [("Alice", 24), ("Dora", 8)]
    assert w.losers == []
    # bob led the town with 50; alice (16 → 40) stays second, Dora moves up
    top = {m.nickname: (m.old_rank, m.new_rank, m.old_score, m.new_score) for m in w.town_top}
    assert top["Bob"] == (1, 1, 50, 50) and top["Alice"] == (2, 2, 16, 40)
    assert top["Dora"] == (3, 3, 2, 10)


def test_a_monthly_budget_cuts_the_later_awards(town, catalog):
    # given: 3 patrols (50 each) in November by alice, bob, alice
    patrol = services.rule_get("voluntary_patrol", town_id=town.town.pk)
    for i, who in enumerate([town.alice, town.bob, town.alice]):
        services.points_award(
            actor=town.admin,
            resident=who,
            rule=patrol,
            idempotency_key=f"p{i}",
            at=_at(DAY + dt.timedelta(i), 9),
        )
    # when: a budget of 100 points a month
    w = rule_change_whatif(
        town=town.town,
        rule=patrol,
        start=DAY,
        end=DAY + dt.timedelta(days=5),
        monthly_budget=100,
    )
    # then: the third award (alice's second) would not have been issued
    assert (w.issued_before, w.issued_after) == (150, 100)
    assert [(m.nickname, m.diff) for m in w.losers] == [("Alice", -50)]
    moves = {m.nickname: (m.old_rank, m.new_rank) for m in w.community_moves}
    assert moves == {}  # alice and bob lead their own communities either way
    top = {m.nickname: (m.old_rank, m.new_rank) for m in w.town_top}
    assert top == {"Alice": (1, 1), "Bob": (2, 1)}


def test_the_page_is_for_town_admins_and_names_bad_fields(client, town, catalog):
    client.force_login(town.staff_a)
    assert client.get("/rankings/staff/whatif/").status_code == 403
    client.force_login(town.admin)
    r = client.get(
        "/rankings/staff/whatif/",
        {"rule": "voluntary_patrol", "start": "2026-11-05", "end": "2026-11-01"},
    )
    assert r.status_code == 422 and "end" in r.context["form"].errors
    r = client.get(
        "/rankings/staff/whatif/",
        {"rule": "voluntary_patrol", "start": "2026-11-01", "end": "2026-11-30", "points": "60"},
    )
    assert r.status_code == 200 and r.context["w"].awards == 0
