"""Accounts API: register, log in and out, my profile; the staff desk (scoped)."""

from typing import Any, TypeVar, overload

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from civicpoints.accounts import selectors, services
from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.models import Community, Grid, Household, User
from civicpoints.accounts.scope import require_staff, resident_for_staff
from civicpoints.core.bounds import ObjectId
from civicpoints.core.clientip import client_ip
from civicpoints.core.errors import InvalidInput, OutOfScope
from civicpoints.core.origin import request_address, request_device
from civicpoints.core.schemas import ErrorOut

router = Router(tags=["accounts"])


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer cpt_…``: the token a mini-program signed in with
    (``POST /auth/wechat/mini``); expired or revoked tokens are refused (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.api_token_user(token)
        if user is None:
            return None
        request.user = user  # every operation reads the person from request.user
        return user


staff_router = Router(tags=["staff"])


class CommunityOut(Schema):
    id: int
    name: str
    town: str = Field(..., alias="town.name")


class MeOut(Schema):
    id: int
    mobile: str = Field(..., description="The owner's own full mobile number.")
    nickname: str
    real_name: str
    role: str
    community: str | None = Field(None, alias="community.name")
    grid: str | None = Field(None, alias="grid.name")
    household: str | None = Field(None, alias="household.name")
    language: str = Field(
        ..., description="zh-hans or en: pages, notifications and SMS reach me in it."
    )


class RegisterIn(Schema):
    mobile: str = Field(..., description="Mainland mobile, any spelling (+86, spaces, dashes).")
    code: str = Field(..., max_length=10, description="The 6-digit code texted by POST /auth/code.")
    nickname: str = Field(..., max_length=40)
    password: str
    community_id: ObjectId
    grid_id: ObjectId | None = None


class LoginIn(Schema):
    mobile: str
    password: str


class ProfileIn(Schema):
    nickname: str = Field(..., max_length=40)
    real_name: str = Field("", max_length=40)
    language: str | None = Field(None, description="zh-hans or en; omitted = unchanged.")


_M = TypeVar("_M", bound=Model)


@overload
def _get_or_invalid(model: type[_M], pk: int, field: str) -> _M: ...
@overload
def _get_or_invalid(model: type[_M], pk: int | None, field: str) -> _M | None: ...
def _get_or_invalid(model: type[_M], pk: int | None, field: str) -> _M | None:
    if pk is None:
        return None
    try:
        return model._default_manager.get(pk=pk)
    except ObjectDoesNotExist:
        raise InvalidInput(_("No such choice."), field=field, code="invalid_choice") from None


def _require_csrf(request: HttpRequest) -> None:
    """Login and registration run without a session yet, so Ninja skips its CSRF
    check; do it here to stop cross-site login (a forged POST logging a visitor
    into someone else's account). Raises OutOfScope(code ``csrf_failed``)."""
    if check_csrf(request) is not None:
        raise OutOfScope(_("CSRF check failed: fetch /api/v1/auth/csrf first."), code="csrf_failed")


class CsrfOut(Schema):
    csrf_token: str = Field(..., description="Send it back in the X-CSRFToken header.")


@router.get("/auth/csrf", response=CsrfOut, auth=None)
def csrf(request: HttpRequest) -> dict[str, str]:
    """Set the CSRF cookie and return its token (needed for every unsafe request)."""
    return {"csrf_token": get_token(request)}


@router.get("/communities", response=list[CommunityOut], auth=None)
def list_communities(request: HttpRequest) -> QuerySet[Community]:
    """All communities (id, name, town) — for the registration form."""
    return selectors.communities_for_registration()


class CodeIn(Schema):
    mobile: str = Field(..., description="Mainland mobile, any spelling.")
    purpose: str = Field(..., description="register, login, reset or bind.")


class CodeSentOut(Schema):
    detail: str
    resend_after: int = Field(..., description="Seconds before another code may be asked for.")
    expires_in: int = Field(..., description="Seconds the code stays valid.")


class CodeLoginIn(Schema):
    mobile: str
    code: str = Field(..., max_length=10)


class PasswordResetIn(Schema):
    mobile: str
    code: str = Field(..., max_length=10)
    new_password: str


def _client_ip(request: HttpRequest) -> str | None:
    # behind a trusted proxy, the client's address, not the proxy's (the per-address
    # code limits would otherwise be shared by everyone)
    return client_ip(request)


@router.post(
    "/auth/code",
    response={202: CodeSentOut, 422: ErrorOut, 429: ErrorOut, 502: ErrorOut},
    auth=None,
)
def send_code(request: HttpRequest, payload: CodeIn) -> Status[dict[str, Any]]:
    """Text a 6-digit code for ``purpose`` (register / login / reset / bind) to ``mobile``.

    The answer is the same whether or not the number has an account (sign-in and
    reset codes reach registered numbers only). A code lasts 300 s and allows 5
    tries; one send per number per 60 s, 10 a day, and per address 20 an hour.
    Errors: 422 ``invalid_mobile`` / ``invalid_choice`` (field ``purpose``), 429
    ``rate_limited``, 502/503 ``sms_*`` (gateway). Needs the CSRF token."""
    _require_csrf(request)
    services.verification_code_send(
        mobile=payload.mobile, purpose=payload.purpose, ip=_client_ip(request)
    )
    return Status(
        202,
        {
            "detail": _("If this number can receive it, a code is on its way."),
            "resend_after": settings.SMS_CODE_INTERVAL,
            "expires_in": settings.SMS_CODE_TTL,
        },
    )


@router.post("/auth/register", response={201: MeOut, 409: ErrorOut, 422: ErrorOut}, auth=None)
def register(request: HttpRequest, payload: RegisterIn) -> Status[User]:
    """Register as a resident with a ``register`` code (POST /auth/code) and log in.

    Errors name the field: 422 for ``mobile``, ``nickname``, ``password``, and for
    ``code`` (``code_wrong``, ``code_expired``, ``code_exhausted``, ``code_invalid``);
    409 ``mobile_taken`` only after the right code. Needs the CSRF token (GET
    /auth/csrf) in X-CSRFToken."""
    _require_csrf(request)
    community = _get_or_invalid(Community, payload.community_id, "community_id")
    grid = _get_or_invalid(Grid, payload.grid_id, "grid_id")
    user = services.resident_register_with_code(
        mobile=payload.mobile,
        code=payload.code,
        nickname=payload.nickname,
        password=payload.password,
        community=community,
        grid=grid,
        origin=(request_address(request), request_device(request)),
    )
    login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
    return Status(201, user)


@router.post("/auth/login/code", response={200: MeOut, 422: ErrorOut}, auth=None)
def login_with_code(request: HttpRequest, payload: CodeLoginIn) -> User:
    """Sign in with a ``login`` code; sets the session cookie and confirms the number.

    Errors: 422 with field ``code`` (wrong, expired, exhausted, invalid — an unknown
    number answers like a wrong code). Needs the CSRF token."""
    _require_csrf(request)
    user = services.user_sign_in_with_code(mobile=payload.mobile, code=payload.code)
    login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
    return user


@router.post("/auth/password/reset", response={204: None, 422: ErrorOut}, auth=None)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[None]:
    """Set a new password with a ``reset`` code; then log in with it.

    Errors: 422 field ``password`` (too weak, checked first) or ``code``. Needs the
    CSRF token."""
    _require_csrf(request)
    services.password_reset_with_code(
        mobile=payload.mobile, code=payload.code, new_password=payload.new_password
    )
    return Status(204, None)


@router.post("/auth/login", response={200: MeOut, 401: ErrorOut, 403: ErrorOut}, auth=None)
def api_login(request: HttpRequest, payload: LoginIn) -> User | Status[dict[str, str | None]]:
    """Log in with mobile (any spelling) and password; sets the session cookie.

    403 ``mobile_unconfirmed``: a resident registered by staff confirms the number
    once, by signing in with a code (POST /auth/code, then /auth/login/code).
    Needs the CSRF token (GET /auth/csrf) in X-CSRFToken."""
    _require_csrf(request)
    user = authenticate(request, mobile=payload.mobile, password=payload.password)
    if user is None:
        return Status(
            401,
            {
                "code": "bad_credentials",
                "detail": _("Wrong mobile number or password."),
                "field": None,
            },
        )
    if user.needs_mobile_confirmation:
        raise services.MobileUnconfirmed()
    login(request, user)
    return user


@router.post("/auth/logout", response={204: None})
def api_logout(request: HttpRequest) -> Status[None]:
    """End the session."""
    logout(request)
    return Status(204, None)


@router.get("/me", response=MeOut)
def me(request: AuthedHttpRequest) -> User:
    """My own profile, with my full mobile number."""
    return request.user


@router.patch("/me", response={200: MeOut, 422: ErrorOut})
def me_update(request: AuthedHttpRequest, payload: ProfileIn) -> User:
    """Change my nickname (public), real name (never public) and, optionally, my language.

    Errors: 422 ``unknown_language`` (field ``language``) for anything but zh-hans/en.
    """
    if payload.language is not None:
        services.user_set_language(user=request.user, language=payload.language)
    return services.profile_update(
        user=request.user, nickname=payload.nickname, real_name=payload.real_name
    )


class PasswordIn(Schema):
    old_password: str
    new_password: str


@router.post("/me/password", response={204: None, 422: ErrorOut})
def me_password(request: AuthedHttpRequest, payload: PasswordIn) -> Status[None]:
    """Change my password; the session stays logged in. 422 names ``old_password`` or
    ``password``."""
    services.password_change(
        user=request.user, old_password=payload.old_password, new_password=payload.new_password
    )
    update_session_auth_hash(request, request.user)
    return Status(204, None)


# --- staff desk ------------------------------------------------------------


class ResidentOut(Schema):
    id: int
    mobile: str = Field(..., description="Full number: the caller's scope covers this resident.")
    nickname: str
    real_name: str
    community: str = Field(..., alias="community.name")
    grid: str | None = Field(None, alias="grid.name")
    is_active: bool
    balance: int
    lifetime_earned: int

    # The balance row is the ledger's (``points.PointAccount``, reverse one-to-one
    # ``point_account``); read through the relation so that accounts needs no import
    # of the app above it. No row yet means nothing earned: 0.
    @staticmethod
    def resolve_balance(obj: User) -> int:
        account = getattr(obj, "point_account", None)
        return account.balance if account is not None else 0

    @staticmethod
    def resolve_lifetime_earned(obj: User) -> int:
        account = getattr(obj, "point_account", None)
        return account.lifetime_earned if account is not None else 0


class StaffRegisterIn(Schema):
    mobile: str
    nickname: str = Field(..., max_length=40)
    real_name: str = Field("", max_length=40)
    community_id: ObjectId
    grid_id: ObjectId | None = None
    household_id: ObjectId | None = None


class PasswordResetOut(Schema):
    temporary_password: str
    texted: bool = Field(..., description="Whether a text message really left for the resident.")


@staff_router.get("/residents", response=list[ResidentOut])
@paginate
def staff_residents(request: AuthedHttpRequest, q: str = "") -> QuerySet[User]:
    """Residents in my scope (community, or town for town admins), searchable by
    nickname, real name or 4+ digits of the mobile. 403 for non-staff."""
    require_staff(request.user)
    return selectors.residents_search(request.user, q)


@staff_router.post(
    "/residents", response={201: ResidentOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def staff_register(request: AuthedHttpRequest, payload: StaffRegisterIn) -> Status[User]:
    """Register a resident without a smartphone in my scope (no password until a reset)."""
    community = _get_or_invalid(Community, payload.community_id, "community_id")
    user = services.resident_register_by_staff(
        actor=request.user,
        mobile=payload.mobile,
        nickname=payload.nickname,
        real_name=payload.real_name,
        community=community,
        grid=_get_or_invalid(Grid, payload.grid_id, "grid_id"),
        household=_get_or_invalid(Household, payload.household_id, "household_id"),
    )
    return Status(201, user)


@staff_router.get("/residents/{int:resident_id}", response={200: ResidentOut, 404: ErrorOut})
def staff_resident(request: AuthedHttpRequest, resident_id: ObjectId) -> User:
    """One resident in my scope; 404 for anyone outside it."""
    return resident_for_staff(request.user, resident_id)


@staff_router.post(
    "/residents/{int:resident_id}/password-reset", response={200: PasswordResetOut, 404: ErrorOut}
)
def staff_password_reset(request: AuthedHttpRequest, resident_id: ObjectId) -> dict[str, Any]:
    """Set a new random password, text it, and return it to hand over in person;
    ``texted`` says whether the text message really left."""
    resident = resident_for_staff(request.user, resident_id)
    temporary, texted = services.password_reset_by_staff(actor=request.user, person=resident)
    return {"temporary_password": temporary, "texted": texted}


# --- WeChat: mini-program sign-in, tokens, unbinding ---------------------------


class MiniLoginIn(Schema):
    code: str = Field(..., max_length=128, description="wx.login()'s code (single use).")


class TokenOut(Schema):
    token: str = Field(..., description="Send as 'Authorization: Bearer <token>'.")
    expires_at: str = Field(..., description="ISO 8601; sign in again after it.")
    user: MeOut


class UnboundOut(Schema):
    code: str
    detail: str
    bind_ticket: str = Field(
        ..., description="Pass to POST /auth/wechat/mini/bind with an SMS code (10 minutes)."
    )


class MiniBindIn(Schema):
    bind_ticket: str
    mobile: str
    code: str = Field(..., max_length=10, description="A 'bind' code from POST /auth/code.")


BIND_TICKET_SALT = "civicpoints.wechat.mini.bind"
BIND_TICKET_MAX_AGE = 600  # seconds


def _token_answer(user: User) -> dict[str, Any]:
    raw, row = services.api_token_issue(user=user)
    return {"token": raw, "expires_at": row.expires_at.isoformat(), "user": user}


@router.post(
    "/auth/wechat/mini",
    response={
        200: TokenOut,
        400: ErrorOut,
        403: UnboundOut,
        404: ErrorOut,
        429: ErrorOut,
        502: ErrorOut,
        503: ErrorOut,
    },
    auth=None,
)
def wechat_mini_login(request: HttpRequest, payload: MiniLoginIn) -> Any:
    """Mini-program sign-in: ``code`` from ``wx.login()`` is exchanged at WeChat's
    ``jscode2session``; a bound account gets an API token (``API_TOKEN_TTL``, 30
    days). 403 ``wechat_unbound`` carries a ``bind_ticket`` for
    ``/auth/wechat/mini/bind``. WeChat errors: 400 ``wechat_code_invalid`` (40029),
    ``wechat_code_used`` (40163), 429 ``wechat_rate_limited`` (45011), 503
    ``wechat_busy`` (-1), 502 ``wechat_failed``."""
    from django.core import signing

    from civicpoints.accounts import wechat

    session = wechat.mini_code2session(payload.code)
    ids = {"mini_openid": session["openid"], "unionid": session.get("unionid")}
    try:
        user = services.wechat_sign_in(**ids)
    except services.WeChatUnbound as exc:
        ticket = signing.dumps(ids, salt=BIND_TICKET_SALT)
        return Status(403, {**exc.as_dict(), "bind_ticket": ticket})
    return _token_answer(user)


@router.post(
    "/auth/wechat/mini/bind",
    response={200: TokenOut, 400: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=None,
)
def wechat_mini_bind(request: HttpRequest, payload: MiniBindIn) -> dict[str, Any]:
    """Bind the mini-program's WeChat (``bind_ticket`` from ``/auth/wechat/mini``) to the
    account of ``mobile``, proven by a ``bind`` SMS code, and sign in (a token).
    Errors: 400 ``bind_ticket_invalid`` (expired after 10 minutes or forged), 422
    field ``code``, 409 ``wechat_taken`` / ``wechat_already_bound``."""
    from django.core import signing

    try:
        ids = signing.loads(payload.bind_ticket, salt=BIND_TICKET_SALT, max_age=BIND_TICKET_MAX_AGE)
    except signing.BadSignature:
        raise InvalidInput(
            _("The WeChat sign-in has expired. Please start again."),
            field="bind_ticket",
            code="bind_ticket_invalid",
        ) from None
    user = services.wechat_identity_bind(mobile=payload.mobile, code=payload.code, **ids)
    return _token_answer(user)


@router.post("/auth/token/revoke", response={204: None}, auth=ApiTokenAuth())
def token_revoke(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request carries (sign out of the mini-program)."""
    services.api_token_revoke(raw=request.headers["Authorization"].split(" ", 1)[1].strip())
    return Status(204, None)


@router.delete("/me/wechat", response={204: None})
def me_wechat_unbind(request: AuthedHttpRequest) -> Status[None]:
    """Unbind my WeChat (and revoke my API tokens). Idempotent."""
    services.wechat_identity_unbind(user=request.user)
    return Status(204, None)


@router.post("/me/card/revoke", response={204: None, 422: ErrorOut})
def me_card_revoke(request: AuthedHttpRequest) -> Status[None]:
    """Revoke my personal QR card: every card made so far (printed, screenshots) stops
    working at once; the card page shows a new one. 422 ``resident_only`` for staff."""
    services.resident_card_revoke(actor=request.user, resident=request.user)
    return Status(204, None)


@staff_router.post("/residents/{int:resident_id}/card/revoke", response={204: None, 404: ErrorOut})
def staff_card_revoke(request: AuthedHttpRequest, resident_id: ObjectId) -> Status[None]:
    """Revoke the QR cards of a resident in my scope (a lost printout); 404 outside it."""
    resident = resident_for_staff(request.user, resident_id)
    services.resident_card_revoke(actor=request.user, resident=resident)
    return Status(204, None)
