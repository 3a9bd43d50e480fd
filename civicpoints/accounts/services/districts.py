"""A district over several towns and its admins (issue 14, item 6).

``district_create`` serves ``manage.py create_district`` and the demo seeder: the
district, the towns it covers (each town belongs to at most one district) and its
first district admin — a person with a district and no town, who reads the towns'
figures and dashboards and acts inside none of them (``accounts.scope.town_of``
refuses them with 403 ``no_town`` everywhere a town is acted in).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import District, Role, Town, User
from civicpoints.accounts.services.people import MobileTaken, _clean_nickname
from civicpoints.accounts.services.towns import (
    TEMPORARY_PASSWORD_CHARS,
    _clean_code,
    _clean_name,
)
from civicpoints.accounts.sms import get_sms_backend
from civicpoints.core.errors import Conflict, InvalidInput, OutOfScope
from civicpoints.core.mobile import normalize_mobile


class DistrictDiffers(Conflict):
    code = "district_differs"
    default_detail = _(
        "A district with this code exists with another name; choose another code or "
        "repeat the same name."
    )


class TownInAnotherDistrict(Conflict):
    code = "town_in_another_district"
    default_detail = _("This town already belongs to another district.")


@dataclass(frozen=True)
class DistrictSetup:
    """What ``district_create`` did. ``temporary_password`` as in ``TownSetup``: only
    for an admin created now whose password was not texted; shown once, never logged."""

    district: District
    admin: User
    district_created: bool
    towns_added: int
    admin_created: bool
    temporary_password: str | None


def district_create(
    *,
    name: str,
    code: str,
    town_codes: Sequence[str],
    admin_mobile: str,
    admin_nickname: str = "",
    send_password_by_sms: bool = False,
) -> DistrictSetup:
    """Create a district over the towns ``town_codes`` with its first district admin — or
    complete it.

    Idempotent: run again with the same values it changes nothing and issues no new
    password; with more towns it adds them. The admin is a ``district_admin`` with this
    district and no town, never a superuser (a database constraint says so), with a
    random 12-character one-time password — returned, or texted after commit with
    ``send_password_by_sms`` — that must be changed at the first sign-in.

    Raises:
        InvalidInput (fields ``name``, ``code``, ``towns``, ``admin_mobile``,
        ``admin_nickname``): malformed input, an unknown or repeated town code, no town.
        DistrictDiffers (field ``code``): the code exists with another name.
        TownInAnotherDistrict (field ``towns``): a town belongs to another district.
        MobileTaken (field ``admin_mobile``): the number belongs to someone who is not
        this district's admin.
    """
    name = _clean_name(name, field="name")
    code = _clean_code(code)
    wanted = [(c or "").strip() for c in town_codes]
    if not wanted:
        raise InvalidInput(_("Name at least one town."), field="towns", code="required")
    if len(set(wanted)) != len(wanted):
        raise InvalidInput(_("A town is named twice."), field="towns", code="duplicate")
    try:
        mobile = normalize_mobile(admin_mobile)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="admin_mobile", code=exc.code) from None
    try:
        nickname = _clean_nickname(admin_nickname or gettext("District admin"))
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="admin_nickname", code=exc.code) from None
    try:
        with transaction.atomic():
            return _district_create_locked(
                name=name,
                code=code,
                town_codes=wanted,
                mobile=mobile,
                nickname=nickname,
                send_password_by_sms=send_password_by_sms,
            )
    except IntegrityError:
        raise Conflict(
            _("Someone else is setting this district up right now; try again."),
            field="code",
            code="setup_race",
        ) from None


def _district_create_locked(
    *,
    name: str,
    code: str,
    town_codes: list[str],
    mobile: str,
    nickname: str,
    send_password_by_sms: bool,
) -> DistrictSetup:
    district = District.objects.filter(code=code).first()
    created = district is None
    if district is None:
        district = District.objects.create(name=name, code=code)
    elif district.name != name:
        raise DistrictDiffers(field="code")
    towns = list(Town.objects.select_for_update().filter(code__in=town_codes).order_by("pk"))
    missing = sorted(set(town_codes) - {t.code for t in towns})
    if missing:
        raise InvalidInput(
            _("No town with the code %(code)s.") % {"code": missing[0]},
            field="towns",
            code="unknown_town",
        )
    if any(t.district_id not in (None, district.pk) for t in towns):
        raise TownInAnotherDistrict(field="towns")
    added = Town.objects.filter(pk__in=[t.pk for t in towns], district__isnull=True).update(
        district=district
    )

    admin = User.objects.filter(mobile=mobile).first()
    temporary: str | None = None
    if admin is not None:
        if admin.role != Role.DISTRICT_ADMIN or admin.district_id != district.pk:
            raise MobileTaken(field="admin_mobile")
        admin_created = False
    else:
        temporary = secrets.token_urlsafe(16)[:TEMPORARY_PASSWORD_CHARS]
        admin = User(
            mobile=mobile,
            nickname=nickname,
            role=Role.DISTRICT_ADMIN,
            district=district,
            must_change_password=True,  # a one-time password: changed at first sign-in
        )
        admin.set_password(temporary)
        admin.save(force_insert=True)
        admin_created = True
        if send_password_by_sms:
            person, text = admin, temporary
            transaction.on_commit(lambda: _send_first_password(person, text))
            temporary = None
    return DistrictSetup(
        district=district,
        admin=admin,
        district_created=created,
        towns_added=added,
        admin_created=admin_created,
        temporary_password=temporary,
    )


def _send_first_password(person: User, temporary: str) -> None:
    with translation.override(person.language):
        text = gettext(
            "You are a district admin of civicpoints. One-time password: %(pw)s — "
            "change it after your first log-in."
        ) % {"pw": temporary}
    get_sms_backend().send(mobile=person.mobile, text=text)


def require_district_admin(actor: User) -> District:
    """``actor``'s district. Raises OutOfScope (code ``district_admin_only``) unless
    ``actor`` is an active district admin."""
    if not (actor.is_authenticated and actor.is_active and actor.is_district_admin):
        raise OutOfScope(code="district_admin_only")
    district = actor.district
    assert district is not None  # is_district_admin says so
    return district


def district_towns(actor: User) -> list[Town]:
    """The towns of ``actor``'s district, by name. Raises OutOfScope as
    ``require_district_admin``."""
    district = require_district_admin(actor)
    return list(district.towns.order_by("name", "pk"))
