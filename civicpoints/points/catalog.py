"""The default rule catalog shipped in ``data/rule_catalog.json`` (the story's 72 rules
in 3 categories, plus ``share_new_reader``, the one rule the platform adds).

The four rules quoted by the source story carry its exact values: voluntary patrol
50, helping publicize community policy 30, joining a sanitation drive 25, reading
an article 2 (at most 5 a day).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from civicpoints.points.models import PointRule

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


@transaction.atomic
def rule_catalog_load(*, update_existing: bool = False) -> CatalogLoadResult:
    """Create the catalog's missing rules; with ``update_existing``, also reset edited ones.

    Idempotent: a second run creates nothing and changes nothing. Rules staff
    have edited are left as they are unless ``update_existing`` is given. A
    rule's points changing never touches past ledger rows.
    """
    existing = {r.code: r for r in PointRule.objects.all()}
    created = updated = unchanged = 0
    for order, item in enumerate(default_catalog()):
        values = {f: item.get(f) for f in FIELDS}
        values["sort_order"] = order
        rule = existing.get(item["code"])
        if rule is None:
            PointRule.objects.create(code=item["code"], **values)
            created += 1
            continue
        changed = [f for f, v in values.items() if getattr(rule, f) != v]
        if update_existing and changed:
            for f in changed:
                setattr(rule, f, values[f])
            rule.full_clean()
            rule.save(update_fields=changed)
            updated += 1
        else:
            unchanged += 1
    return CatalogLoadResult(created, updated, unchanged)
