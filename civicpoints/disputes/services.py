"""Recording disputes and their mediation: every write to the dispute log."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpoints.accounts.models import Community, Role, User
from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import InvalidInput, NotFound
from civicpoints.core.timeutil import town_today
from civicpoints.disputes.models import Dispute, DisputeCategory, MediationOutcome


def _check_community(actor: User, community: Community) -> None:
    if actor.role == Role.TOWN_ADMIN:
        ok = community.town_id == actor.town_id
    else:
        ok = community.pk == actor.community_id
    if not ok:
        raise NotFound(field="community")


def _check_choices(category: str | None, outcome: str | None) -> None:
    if category is not None and category not in DisputeCategory.values:
        raise InvalidInput(_("Unknown category."), field="category")
    if outcome is not None and outcome not in MediationOutcome.values:
        raise InvalidInput(_("Unknown outcome."), field="outcome")


def _check_dates(
    occurred_on: dt.date, resolved_on: dt.date | None, outcome: str, *, today: dt.date
) -> None:
    if occurred_on > today:
        raise InvalidInput(_("The date cannot be in the future."), field="occurred_on")
    if outcome == MediationOutcome.PENDING:
        return
    if resolved_on is None:
        raise InvalidInput(_("Give the date the mediation closed."), field="resolved_on")
    if resolved_on < occurred_on or resolved_on > today:
        raise InvalidInput(
            _("The closing date must lie between the dispute and today."), field="resolved_on"
        )


def dispute_record(
    *,
    actor: User,
    community: Community,
    category: str,
    parties: str,
    occurred_on: dt.date,
    summary: str = "",
    outcome: str = MediationOutcome.PENDING,
    outcome_notes: str = "",
    resolved_on: dt.date | None = None,
) -> Dispute:
    """Record a dispute in ``community``.

    Args:
        actor: community staff / grid worker (their community) or town admin (any
            community of the town).
        category: a ``DisputeCategory`` value; parties: free text, never public;
        occurred_on: local date, not in the future; outcome: a
            ``MediationOutcome`` value, with ``resolved_on`` (between
            ``occurred_on`` and today) unless pending.

    Returns:
        The saved Dispute.

    Raises:
        OutOfScope (``staff_only``); NotFound (field ``community``) outside the
        actor's scope; InvalidInput naming the field at fault.
    """
    require_staff(actor)
    _check_community(actor, community)
    _check_choices(category, outcome)
    if not parties.strip():
        raise InvalidInput(_("Name the parties."), field="parties")
    _check_dates(occurred_on, resolved_on, outcome, today=town_today(actor.town))
    with transaction.atomic():
        return Dispute.objects.create(
            town_id=community.town_id,
            community=community,
            category=category,
            parties=parties.strip(),
            occurred_on=occurred_on,
            summary=summary,
            outcome=outcome,
            outcome_notes=outcome_notes,
            resolved_on=None if outcome == MediationOutcome.PENDING else resolved_on,
            recorded_by=actor,
        )


def dispute_update_outcome(
    *,
    actor: User,
    dispute: Dispute,
    outcome: str,
    outcome_notes: str = "",
    resolved_on: dt.date | None = None,
) -> Dispute:
    """Record the mediation outcome of ``dispute`` (idempotent: same values, same row).

    Raises:
        OutOfScope (``staff_only``); NotFound outside the actor's scope;
        InvalidInput (fields ``outcome``, ``resolved_on``).
    """
    require_staff(actor)
    _check_community(actor, dispute.community)
    _check_choices(None, outcome)
    _check_dates(dispute.occurred_on, resolved_on, outcome, today=town_today(actor.town))
    with transaction.atomic():
        dispute.outcome = outcome
        dispute.outcome_notes = outcome_notes
        dispute.resolved_on = None if outcome == MediationOutcome.PENDING else resolved_on
        dispute.updated_at = timezone.now()
        dispute.save(update_fields=["outcome", "outcome_notes", "resolved_on", "updated_at"])
    return dispute
