"""Rule governance (积分规则管理): a town admin changes a rule of their town's catalog, and
every change is a new ``RuleVersion`` — who, when, why, and the local date it takes
effect (today or later). Past ledger rows keep the points they were written with.

- ``rule_change``: the one way a rule changes (console page and API). The rule row is
  locked (``SELECT … FOR UPDATE``), the change is applied on top of the latest
  version (fields not named keep their value, so two concurrent edits of different
  fields both survive) and numbered one past it; the unique (town, rule, number)
  key backs the numbering.
- ``version_in_force`` / ``rule_as_of``: the version in force on a local day — the
  highest number whose ``effective_from`` is on or before it (``effective_from``
  never goes back, so numbers and dates run in the same order). The award path
  (``services.points_award``) reads it once per award, so an award uses exactly one
  version even when a change commits meanwhile.
- ``rule_versions_apply``: the daily job that copies versions whose day has come into
  the rule rows (what lists and forms show); the award path does not depend on it.
- ``version_initial``: version 1 of a rule loaded from the shipped catalog.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Role, Town, User
from civicpoints.accounts.scope import require_town_admin, town_of
from civicpoints.core.bounds import check_date
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.timeutil import town_today
from civicpoints.points.models import (
    SINCE_ALWAYS,
    VERSIONED_FIELDS,
    CapPeriod,
    PointRule,
    RuleCategory,
    RuleVersion,
)

MAX_RULE_POINTS = 10_000  # points one award of a rule may grant
MAX_TIMES = 1_000  # a cap's count (per day or per period)
REASON_MAX = 200  # characters
NAME_ZH_MAX = 60
NAME_EN_MAX = 100
DESCRIPTION_MAX = 2000

# What a change may name (everything a version holds).
EDITABLE_FIELDS = VERSIONED_FIELDS


def version_initial(
    rule: PointRule, *, reason: str = "", effective_from: dt.date = SINCE_ALWAYS
) -> RuleVersion:
    """Write version 1 of ``rule`` (its current values) unless it has versions already.

    Used by the catalog loader for each rule it creates. Returns the first version.
    """
    existing = RuleVersion.objects.filter(rule=rule).order_by("number").first()
    if existing is not None:
        return existing
    return RuleVersion.objects.create(
        town_id=rule.town_id,
        rule=rule,
        number=1,
        effective_from=effective_from,
        reason=reason or _("Shipped rule catalog"),
        **{f: getattr(rule, f) for f in VERSIONED_FIELDS},
    )


def version_in_force(rule_id: int, day: dt.date, *, town_id: int) -> RuleVersion | None:
    """The version of rule ``rule_id`` of town ``town_id`` in force on local ``day`` (one
    indexed query, naming the town), or None when the rule has no version yet then (a
    rule created outside the catalog loader before versions existed: its row is the rule)."""
    return (
        RuleVersion.objects.filter(town_id=town_id, rule_id=rule_id, effective_from__lte=day)
        .order_by("-effective_from", "-number")
        .first()
    )


def rule_as_of(rule: PointRule, day: dt.date) -> tuple[PointRule, RuleVersion | None]:
    """``rule`` as it stands on local ``day``: an unsaved copy carrying the values of the
    version in force then (same pk, town and code), and that version (None: the row)."""
    version = version_in_force(rule.pk, day, town_id=rule.town_id)
    if version is None:
        return rule, None
    as_of = copy.copy(rule)
    for f in VERSIONED_FIELDS:
        setattr(as_of, f, getattr(version, f))
    return as_of, version


def rule_history(rule: PointRule) -> list[RuleVersion]:
    """Every version of ``rule``, newest first, with who made it (public rule page and
    console). Who is shown as a nickname only."""
    return list(
        RuleVersion.objects.filter(rule=rule, town_id=rule.town_id)
        .select_related("created_by")
        .order_by("-number")
    )


def _bad(message: str, field: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, field=field, code=code)


def _clean_int(value: Any, *, field: str, low: int, high: int, optional: bool) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise _bad(_("This field is required."), field, "required")
    if isinstance(value, bool):
        raise _bad(_("Enter a whole number."), field)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise _bad(_("Enter a whole number."), field) from None
    if not low <= number <= high:
        raise _bad(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field,
        )
    return number


def _clean_text(value: Any, *, field: str, max_len: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _bad(_("Enter text."), field)
    value = value.strip()
    if required and not value:
        raise _bad(_("This field is required."), field, "required")
    if len(value) > max_len:
        raise _bad(_("At most %(n)d characters.") % {"n": max_len}, field, "too_long")
    if "\x00" in value:
        raise _bad(_("Enter text."), field)
    return str(value)


def _clean_bool(value: Any, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _bad(_("Enter true or false."), field)


def _clean_date(value: Any, *, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise _bad(_("Enter a valid date."), field) from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _bad(_("Enter a valid date."), field)
    check_date(value, field=field)
    return value


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Each named field checked and normalized; unknown fields refused (field named)."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise _bad(_("This field cannot be changed."), field, "unknown_field")
        if field == "category":
            if value not in RuleCategory.values:
                raise _bad(_("No such choice."), field, "invalid_choice")
            out[field] = value
        elif field == "period":
            if value in (None, ""):
                out[field] = None
            elif value in CapPeriod.values:
                out[field] = value
            else:
                raise _bad(_("No such choice."), field, "invalid_choice")
        elif field == "points":
            out[field] = _clean_int(value, field=field, low=1, high=MAX_RULE_POINTS, optional=False)
        elif field in ("daily_limit", "period_limit"):
            out[field] = _clean_int(value, field=field, low=1, high=MAX_TIMES, optional=True)
        elif field in ("requires_confirmation", "claimable", "is_active"):
            out[field] = _clean_bool(value, field=field)
        elif field in ("active_from", "active_until"):
            out[field] = _clean_date(value, field=field)
        elif field == "name_zh":
            out[field] = _clean_text(value, field=field, max_len=NAME_ZH_MAX, required=True)
        elif field == "name_en":
            out[field] = _clean_text(value, field=field, max_len=NAME_EN_MAX, required=True)
        else:  # descriptions
            out[field] = _clean_text(value, field=field, max_len=DESCRIPTION_MAX, required=False)
    return out


def _check_whole(values: Mapping[str, Any]) -> None:
    """The rule's CHECK constraints, with the field at fault, on the whole new version."""
    if bool(values["period"]) != (values["period_limit"] is not None):
        raise _bad(
            _("Set a cap period and its limit together, or neither."), "period_limit", "invalid"
        )
    start, end = values["active_from"], values["active_until"]
    if start and end and start > end:
        raise _bad(_("The window ends before it starts."), "active_until", "invalid")


def rule_for_admin(actor: User, rule_id: int) -> PointRule:
    """Rule ``rule_id`` of the town admin's own town. Raises OutOfScope (not a town
    admin), NotFound (field ``rule``: no such rule in their town)."""
    require_town_admin(actor)
    rule: PointRule | None = PointRule.objects.for_town(town_of(actor)).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(field="rule")
    return rule


def rule_change(
    *,
    actor: User,
    rule_id: int,
    changes: Mapping[str, Any],
    reason: str,
    effective_from: dt.date | str | None = None,
) -> RuleVersion:
    """Change rule ``rule_id`` of the actor's town: write the next version.

    Args:
        actor: a town admin of the rule's town.
        changes: the fields to change (names of ``EDITABLE_FIELDS``: points 1 … 10,000;
            ``daily_limit`` / ``period_limit`` 1 … 1,000 times or None; ``period``
            ``week`` | ``month`` | ``year`` | None; booleans; local dates; names). The
            other fields keep their value in the latest version.
        reason: why (required, at most 200 characters); shown in the rule's history.
        effective_from: the local date the version takes effect (default today); today
            or later, and not before the latest version's date.

    Returns:
        The new ``RuleVersion``. When it takes effect today, the rule row shows it at
        once; a later one reaches the row through the daily job ``rule_versions_apply``
        (awards use the version in force on their own local date either way).

    Raises:
        OutOfScope (403 ``town_admin_only``), NotFound (field ``rule``),
        InvalidInput (422) naming the field: ``reason`` empty or too long,
        ``effective_from`` in the past or before the latest version's date, a changed
        field out of range, ``changes`` empty (field ``changes``, code ``no_change``) or
        changing nothing.
    """
    require_town_admin(actor)
    town_id = town_of(actor)
    reason = _clean_text(reason, field="reason", max_len=REASON_MAX, required=True)
    today = town_today(actor.town)  # the town's own local date
    day = _clean_date(effective_from, field="effective_from") or today
    if day < today:
        raise _bad(_("A change takes effect today or later."), "effective_from", "in_the_past")
    if not isinstance(changes, Mapping) or not changes:
        raise _bad(_("Change at least one field."), "changes", "no_change")
    cleaned = _clean_changes(changes)
    with transaction.atomic():
        rule = (
            PointRule.objects.select_for_update()
            .for_town(town_id)
            .filter(pk=_clean_int(rule_id, field="rule", low=1, high=2**31 - 1, optional=False))
            .first()
        )
        if rule is None:
            raise NotFound(field="rule")
        latest = RuleVersion.objects.filter(rule=rule).order_by("-number").first()
        if latest is None:
            latest = version_initial(rule)
        if day < latest.effective_from:
            raise _bad(
                _("A change already takes effect on %(day)s; pick that day or later.")
                % {"day": latest.effective_from.isoformat()},
                "effective_from",
                "before_latest",
            )
        values = {f: getattr(latest, f) for f in VERSIONED_FIELDS}
        if all(values[f] == v for f, v in cleaned.items()):
            raise _bad(_("This changes nothing."), "changes", "no_change")
        values.update(cleaned)
        _check_whole(values)
        version = RuleVersion.objects.create(
            town_id=town_id,
            rule=rule,
            number=latest.number + 1,
            effective_from=day,
            reason=reason,
            created_by=actor,
            created_at=timezone.now(),
            **values,
        )
        if day <= today:
            _apply(rule, version)
        return version


def _apply(rule: PointRule, version: RuleVersion) -> None:
    """Copy ``version``'s values into the rule row (inside the caller's transaction)."""
    changed = [f for f in VERSIONED_FIELDS if getattr(rule, f) != getattr(version, f)]
    for f in changed:
        setattr(rule, f, getattr(version, f))
    if changed:
        try:
            rule.full_clean(exclude=["town", "code"])
        except ValidationError as exc:  # cannot happen: the version passed the same checks
            field = next(iter(exc.message_dict), "changes")
            raise _bad("; ".join(exc.messages), field) from None
        rule.save(update_fields=changed)


def rule_versions_apply(day: dt.date | None = None) -> int:
    """Bring every town's rule rows to the version in force on local ``day`` (default:
    each town's own today); returns how many rows changed. Idempotent; run daily by
    ``points.jobs``. Every statement names its town."""
    changed = 0
    for town in Town.objects.order_by("pk"):
        town_day = day or town_today(town)
        due = RuleVersion.objects.filter(
            town_id=town.pk, effective_from__lte=town_day, effective_from__gt=SINCE_ALWAYS
        )
        for rule_id in due.values_list("rule_id", flat=True).distinct():
            with transaction.atomic():
                rule = PointRule.objects.for_town(town.pk).select_for_update().get(pk=rule_id)
                version = version_in_force(rule_id, town_day, town_id=town.pk)
                if version is None:
                    continue
                before = [getattr(rule, f) for f in VERSIONED_FIELDS]
                _apply(rule, version)
                changed += before != [getattr(rule, f) for f in VERSIONED_FIELDS]
    return changed


def may_confirm(actor: User | None, resident: User) -> bool:
    """True when ``actor`` is staff of ``resident``'s town (community staff, grid worker
    or town admin): an award made by such a person is itself the staff confirmation a
    rule with ``requires_confirmation`` asks for (a report accepted, an attendance
    checked, a claim approved, a patrol awarded by hand)."""
    return (
        actor is not None
        and actor.is_active
        and actor.role in (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.TOWN_ADMIN)
        and actor.town_id is not None
        and actor.town_id == resident.town_id
    )


def town_rules(actor: User) -> QuerySet[PointRule]:
    """The catalog of the town admin's town, in catalog order (console). Raises
    OutOfScope for anyone but a town admin."""
    require_town_admin(actor)
    return PointRule.objects.for_town(town_of(actor)).order_by("category", "sort_order", "code")


def latest_version(rule: PointRule) -> RuleVersion | PointRule:
    """What a change builds on: the rule's newest version, or the row itself when the rule
    has no version yet (a change then writes version 1 from the row first)."""
    return RuleVersion.objects.filter(rule=rule).order_by("-number").first() or rule
