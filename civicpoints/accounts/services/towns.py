"""Setting a town up: the town, its communities and grids, its first town admin.

``town_create`` serves both ``manage.py create_town`` and the one-time setup page
(``/setup/``, open only while no town exists and only with the setup token).
"""

from __future__ import annotations

import hmac
import re
import secrets
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.hooks import town_created
from civicpoints.accounts.models import Community, Grid, Role, Town, User
from civicpoints.accounts.services.people import MobileTaken, _clean_nickname
from civicpoints.accounts.sms import get_sms_backend
from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope
from civicpoints.core.mobile import normalize_mobile

NAME_MAX = 80
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
TEMPORARY_PASSWORD_CHARS = 12


class TownDiffers(Conflict):
    code = "town_differs"
    default_detail = _(
        "A town with this code exists with another name or time zone; "
        "choose another code or repeat the same values."
    )


class AlreadySetUp(Conflict):
    code = "already_set_up"
    default_detail = _("A town is already set up; the setup page is closed.")


@dataclass(frozen=True)
class TownSetup:
    """What ``town_create`` did.

    ``temporary_password`` is set only when the admin account was created by this
    call and the password was not sent by SMS; it is shown once and never logged.
    """

    town: Town
    admin: User
    town_created: bool
    communities_created: int
    grids_created: int
    admin_created: bool
    temporary_password: str | None


def _clean_name(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("This field is required."), field=field, code="required")
    if len(value) > NAME_MAX:
        raise InvalidInput(
            _("At most 80 characters."),
            field=field,
            code="too_long",
        )
    if any(ch in value for ch in "/\r\n\t"):
        raise InvalidInput(
            _("A name may not contain a slash or a line break."),
            field=field,
            code="invalid_characters",
        )
    return value


def _clean_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("Use 1–40 lowercase letters, digits or hyphens, e.g. baqiao."),
            field="code",
            code="invalid_code",
        )
    return code


def _clean_time_zone(time_zone: str) -> str:
    time_zone = (time_zone or "").strip()
    if time_zone not in zoneinfo.available_timezones():
        raise InvalidInput(
            _("Unknown time zone; use an IANA name such as Asia/Shanghai."),
            field="time_zone",
            code="unknown_time_zone",
        )
    return time_zone


def _clean_structure(
    communities: Sequence[str], grids: Sequence[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    names = [_clean_name(c, field="communities") for c in communities]
    if not names:
        raise InvalidInput(_("Name at least one community."), field="communities", code="required")
    if len(set(names)) != len(names):
        raise InvalidInput(_("A community is named twice."), field="communities", code="duplicate")
    cleaned_grids: list[tuple[str, str]] = []
    for community, grid in grids:
        community = _clean_name(community, field="grids")
        grid = _clean_name(grid, field="grids")
        if community not in names:
            raise InvalidInput(
                _("A grid names a community that is not in the list: %(name)s")
                % {"name": community},
                field="grids",
                code="unknown_community",
            )
        if (community, grid) in cleaned_grids:
            raise InvalidInput(_("A grid is named twice."), field="grids", code="duplicate")
        cleaned_grids.append((community, grid))
    return names, cleaned_grids


def parse_grid(spec: str) -> tuple[str, str]:
    """``"融城社区/第1网格"`` → ``("融城社区", "第1网格")``.

    Raises InvalidInput (field ``grids``, code ``invalid_grid``) without exactly one slash.
    """
    parts = [p.strip() for p in (spec or "").split("/")]
    if len(parts) != 2 or not all(parts):
        raise InvalidInput(
            _("Write a grid as community/grid, e.g. 融城社区/第1网格."),
            field="grids",
            code="invalid_grid",
        )
    return parts[0], parts[1]


def town_create(
    *,
    name: str,
    code: str,
    time_zone: str,
    communities: Sequence[str],
    grids: Sequence[tuple[str, str]] = (),
    admin_mobile: str,
    admin_nickname: str = "",
    send_password_by_sms: bool = False,
) -> TownSetup:
    """Create a town with its communities, grids and first town admin — or complete it.

    Idempotent: run again with the same values it creates nothing and issues no new
    password; with more communities or grids it adds the missing ones. The admin is a
    ``town_admin`` of this town, never a superuser; they get a random 12-character
    one-time password, returned (to be shown once) or, with ``send_password_by_sms``,
    texted through ``settings.SMS_BACKEND`` after commit and not returned; it must be
    changed at the first sign-in (``User.must_change_password``).

    Args:
        grids: ``(community name, grid name)`` pairs; each community must be listed.

    Raises:
        InvalidInput (fields ``name``, ``code``, ``time_zone``, ``communities``,
        ``grids``, ``admin_mobile``, ``admin_nickname``): malformed or duplicated input.
        TownDiffers (field ``code``): the code exists with another name or time zone.
        MobileTaken (field ``admin_mobile``): the number belongs to someone who is not
        this town's admin.
    """
    name = _clean_name(name, field="name")
    code = _clean_code(code)
    time_zone = _clean_time_zone(time_zone)
    community_names, grid_pairs = _clean_structure(communities, grids)
    try:
        mobile = normalize_mobile(admin_mobile)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="admin_mobile", code=exc.code) from None
    try:
        nickname = _clean_nickname(admin_nickname or gettext("Town admin"))
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="admin_nickname", code=exc.code) from None

    try:
        with transaction.atomic():
            result = _town_create_locked(
                name=name,
                code=code,
                time_zone=time_zone,
                community_names=community_names,
                grid_pairs=grid_pairs,
                mobile=mobile,
                nickname=nickname,
                send_password_by_sms=send_password_by_sms,
            )
    except IntegrityError:
        # a concurrent run created the same town or admin first: the caller may retry
        raise Conflict(
            _("Someone else is setting this town up right now; try again."),
            field="code",
            code="setup_race",
        ) from None
    return result


def _town_create_locked(
    *,
    name: str,
    code: str,
    time_zone: str,
    community_names: list[str],
    grid_pairs: list[tuple[str, str]],
    mobile: str,
    nickname: str,
    send_password_by_sms: bool,
) -> TownSetup:
    town = Town.objects.filter(code=code).first()
    is_new_town = town is None
    if town is None:
        town = Town.objects.create(name=name, code=code, time_zone=time_zone)
        town_created.send(town)
    elif town.name != name or town.time_zone != time_zone:
        raise TownDiffers(field="code")

    communities_created = 0
    by_name: dict[str, Community] = {}
    for community_name in community_names:
        community, created = Community.objects.get_or_create(town=town, name=community_name)
        communities_created += created
        by_name[community_name] = community
    grids_created = 0
    for community_name, grid_name in grid_pairs:
        _, created = Grid.objects.get_or_create(community=by_name[community_name], name=grid_name)
        grids_created += created

    admin = User.objects.filter(mobile=mobile).first()
    temporary: str | None = None
    if admin is not None:
        if admin.role != Role.TOWN_ADMIN or admin.town_id != town.pk:
            raise MobileTaken(field="admin_mobile")
        admin_created = False
    else:
        temporary = secrets.token_urlsafe(16)[:TEMPORARY_PASSWORD_CHARS]
        admin = User(
            mobile=mobile,
            nickname=nickname,
            role=Role.TOWN_ADMIN,
            town=town,
            must_change_password=True,  # a one-time password: changed at first sign-in
        )
        admin.set_password(temporary)
        admin.save(force_insert=True)
        admin_created = True
        if send_password_by_sms:
            person, text = admin, temporary
            transaction.on_commit(lambda: _send_first_password(person, text))
            temporary = None
    return TownSetup(
        town=town,
        admin=admin,
        town_created=is_new_town,
        communities_created=communities_created,
        grids_created=grids_created,
        admin_created=admin_created,
        temporary_password=temporary,
    )


def _send_first_password(person: User, temporary: str) -> None:
    with translation.override(person.language):
        text = gettext(
            "You are the town admin of civicpoints. One-time password: %(pw)s — "
            "change it after your first log-in."
        ) % {"pw": temporary}
    get_sms_backend().send(mobile=person.mobile, text=text)


# --- the one-time setup page ---------------------------------------------------


def setup_token() -> str:
    """The token that opens ``/setup/``: ``settings.SETUP_TOKEN`` when set, else derived
    from ``SECRET_KEY`` (``manage.py setup_token`` prints it). 32 hex characters."""
    configured = getattr(settings, "SETUP_TOKEN", "")
    if configured:
        return configured
    return salted_hmac("civicpoints.setup", "first-town", algorithm="sha256").hexdigest()[:32]


def setup_is_open() -> bool:
    """True while no town exists: only then is ``/setup/`` served."""
    return not Town.objects.exists()


def town_setup_first(*, token: str, **fields: Any) -> TownSetup:
    """The setup page's action: ``town_create`` for the very first town only.

    Raises:
        NotFound: a town exists (the page is gone for good).
        OutOfScope (field ``token``, code ``bad_setup_token``): wrong token.
        As ``town_create`` otherwise.
    """
    if not setup_is_open():
        raise NotFound()
    if not hmac.compare_digest((token or "").strip().encode(), setup_token().encode()):
        raise OutOfScope(
            _("Wrong setup token. Run manage.py setup_token on the server to see it."),
            field="token",
            code="bad_setup_token",
        )
    with transaction.atomic():
        if not setup_is_open():  # a second submit of the same form
            raise AlreadySetUp(field="token")
        return town_create(**fields)
