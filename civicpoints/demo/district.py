"""The demo district: the story's town and one small second town (issue 14, item 6).

The second town is set up the way a real one is — ``create_town``'s service, its
residents through the bulk import, points through the ledger's services, disputes
through the dispute log — only small (a few hundred residents), so seeding stays
quick. Then ``create_district`` puts both towns in one district with a district
admin, whose demo login is in ``DEMO_LOGINS``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from civicpoints.accounts.models import District, Town, User
from civicpoints.accounts.services import (
    district_create,
    import_job_create,
    import_job_step,
    town_create,
)
from civicpoints.core.timeutil import local_midnight, town_today
from civicpoints.disputes.services import dispute_record
from civicpoints.merchants.models import Merchant
from civicpoints.points import services as points

SECOND_TOWN_NAME, SECOND_TOWN_CODE = "柏树镇", "baishu"
SECOND_TOWN_COMMUNITIES = ("柏树社区", "新民社区")
DISTRICT = {"name": "巴南区", "code": "banan"}
SECOND_TOWN_ADMIN = "13800000006"
DISTRICT_ADMIN = "13800000005"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华强芳军敏静丽勇艳杰娟涛超霞"
# per resident, most awards a year; a third of the residents take part
AWARDS = ("voluntary_patrol", "good_deed_post", "sanitation_drive", "elderly_care_visit")


@dataclass(frozen=True)
class DistrictSeedResult:
    district: District
    town: Town
    residents: int
    awards: int


def _csv(rng: random.Random, n: int) -> bytes:
    lines = ["手机号,昵称,姓名,社区,网格,户,户主"]
    communities = SECOND_TOWN_COMMUNITIES
    for i in range(n):
        community = communities[i % len(communities)]
        head = "是" if i % 3 == 0 else ""
        household = f"{community[:2]}{i // 3 + 1:03d}户"
        real_name = f"{SURNAMES[i % len(SURNAMES)]}柏{GIVEN[i // len(SURNAMES) % len(GIVEN)]}"
        mobile = f"139{88000000 + i:08d}"
        lines.append(f"{mobile},柏树居民{i},{real_name},{community},,{household},{head}")
    return ("\n".join(lines) + "\n").encode()


def seed_district(
    *, main_town: Town, password_hash: str, seed: int = 2018, residents: int = 300
) -> DistrictSeedResult:
    """Set up the second town (``residents`` residents, two years of some activity)
    and the district over it and ``main_town``.

    Args:
        main_town: the story's town.
        password_hash: the demo logins' password, hashed once by the caller.
        residents: the second town's size (a few hundred keeps seeding quick).

    Returns what was made. The two new logins (the second town's admin, the district
    admin) get the demo password and need not change it.
    """
    rng = random.Random(seed + 7)
    setup = town_create(
        name=SECOND_TOWN_NAME,
        code=SECOND_TOWN_CODE,
        time_zone=main_town.time_zone,
        communities=SECOND_TOWN_COMMUNITIES,
        admin_mobile=SECOND_TOWN_ADMIN,
        admin_nickname="柏镇长",
    )
    town, admin = setup.town, setup.admin
    job = import_job_create(actor=admin, data=_csv(rng, residents), filename="柏树镇居民.csv")
    while job.status != job.Status.DONE:
        job = import_job_step(actor=admin, job_id=job.pk)

    Merchant.objects.create(
        town=town,
        name="柏树小超市",
        category="超市",
        address="柏树镇新民路8号",
        status=Merchant.Status.APPROVED,
    )
    rules = {code: points.rule_get(code, town_id=town.pk) for code in AWARDS}
    now = timezone.now()
    today = town_today(town)
    first = today.replace(year=today.year - 1, month=1, day=1)
    span = (today - first).days
    people = list(User.objects.filter(town=town, role="resident").order_by("pk"))
    awards = 0
    for person in people[: len(people) // 3]:
        # in time order, so that each row's balance follows the one before it
        # (distinct days: no rule's daily cap is reached)
        picked = rng.sample(range(span + 1), min(span + 1, rng.randint(1, 4)))
        days = sorted(first + dt.timedelta(days=d) for d in picked)
        for k, day in enumerate(days):
            # nothing in the future: today's awards happened by now
            at = min(now, local_midnight(day, town) + dt.timedelta(hours=rng.randint(8, 20)))
            points.points_award(
                resident=person,
                rule=rules[rng.choice(AWARDS)],
                actor=admin,  # the rules that need a staff member's confirmation get it
                idempotency_key=f"demo-baishu-{person.pk}-{k}",
                at=at,
            )
            awards += 1
    for n, person in enumerate(people[: len(people) // 12]):
        points.points_spend(resident=person, points=5, idempotency_key=f"demo-baishu-spend-{n}")
    community = town.communities.order_by("pk").first()
    assert community is not None  # town_create made two
    for n in range(4):
        day = first + dt.timedelta(days=rng.randrange(span + 1))
        dispute_record(
            actor=admin,
            community=community,
            category=rng.choice(("family", "neighbourhood", "property")),
            parties=f"居民甲{n}、居民乙{n}",
            occurred_on=day,
            outcome="pending",
        )

    district = district_create(
        name=DISTRICT["name"],
        code=DISTRICT["code"],
        town_codes=[main_town.code, town.code],
        admin_mobile=DISTRICT_ADMIN,
        admin_nickname="区统计员",
    ).district
    # demo logins: the shared demo password, no forced change
    User.objects.filter(mobile__in=[SECOND_TOWN_ADMIN, DISTRICT_ADMIN]).update(
        password=password_hash, must_change_password=False
    )
    return DistrictSeedResult(district=district, town=town, residents=len(people), awards=awards)
