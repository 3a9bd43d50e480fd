"""The default rule catalog shipped in ``data/rule_catalog.json`` (the story's 72 rules
in 3 categories, plus ``share_new_reader``, the one rule the platform adds).

The four rules quoted by the source story carry its exact values: voluntary patrol
50, helping publicize community policy 30, joining a sanitation drive 25, reading
an article 2 (at most 5 a day).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext

from civicpoints.core.timeutil import local_date
from civicpoints.points.models import VERSIONED_FIELDS, PointRule, RuleVersion

if TYPE_CHECKING:
    from civicpoints.accounts.models import Town

CATALOG_PATH = Path(__file__).parent / "data" / "rule_catalog.json"
FIELDS = (
    "category",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "points",
    "daily_limit",
    "period",
    "period_limit",
    "requires_confirmation",
    "claimable",
)


@dataclass(frozen=True)
class CatalogLoadResult:
    created: int
    updated: int
    unchanged: int


def default_catalog() -> list[dict[str, Any]]:
    """The shipped catalog as a list of dicts (keys: ``code`` plus FIELDS)."""
    with CATALOG_PATH.open(encoding="utf-8") as fh:
        catalog: list[dict[str, Any]] = json.load(fh)
    return catalog


def rule_catalog_load(
    *, town_id: int | None = None, update_existing: bool = False
) -> CatalogLoadResult:
    """Give town ``town_id`` (default: every town) the shipped catalog's missing rules.

    Each rule created gets its version 1 (``governance.version_initial``, in force
    since ``SINCE_ALWAYS``). Idempotent: a second run creates nothing and changes
    nothing. Rules a town has edited are left as they are unless ``update_existing``
    is given; then each edited rule gets a new version, in force from today, with the
    shipped values (the change is recorded, not hidden). A rule's points changing never
    touches past ledger rows. Subscribed to ``accounts.hooks.town_created``: a new town
    starts from the shipped defaults. Counts are summed over the towns.
    """
    from civicpoints.accounts.models import Town

    towns = Town.objects.order_by("pk")
    if town_id is not None:
        towns = towns.filter(pk=town_id)
    created = updated = unchanged = 0
    for pk in towns.values_list("pk", flat=True):
        c, u, n = _load_into(pk, update_existing=update_existing)
        created, updated, unchanged = created + c, updated + u, unchanged + n
    return CatalogLoadResult(created, updated, unchanged)


@transaction.atomic
def _load_into(town_id: int, *, update_existing: bool) -> tuple[int, int, int]:
    from civicpoints.points.governance import version_initial

    existing = {r.code: r for r in PointRule.objects.for_town(town_id)}
    created = updated = unchanged = 0
    today = local_date()
    for order, item in enumerate(default_catalog()):
        values = {f: item.get(f) for f in FIELDS}
        values["sort_order"] = order
        rule = existing.get(item["code"])
        if rule is None:
            rule = PointRule.objects.create(town_id=town_id, code=item["code"], **values)
            version_initial(rule)
            created += 1
            continue
        changed = [f for f, v in values.items() if getattr(rule, f) != v]
        if update_existing and changed:
            _reset(rule, values, changed, today)
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


def _reset(rule: PointRule, values: dict[str, Any], changed: list[str], today: dt.date) -> None:
    """Put the shipped values back on ``rule`` as a new version in force from today."""
    from civicpoints.points.governance import version_initial

    latest = RuleVersion.objects.filter(rule=rule).order_by("-number").first() or version_initial(
        rule
    )
    for f in changed:
        setattr(rule, f, values[f])
    rule.full_clean(exclude=["town", "code"])
    rule.save(update_fields=changed)
    RuleVersion.objects.create(
        town_id=rule.town_id,
        rule=rule,
        number=latest.number + 1,
        effective_from=max(today, latest.effective_from),
        reason=gettext("Reset to the shipped rule catalog"),
        **{f: getattr(rule, f) for f in VERSIONED_FIELDS},
    )


def town_catalog_open(town: Town) -> None:
    """A new town's catalog: the shipped rules (subscribed to ``accounts.hooks.town_created``)."""
    rule_catalog_load(town_id=town.pk)
