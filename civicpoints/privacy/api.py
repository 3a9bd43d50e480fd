"""The personal-data endpoints: my data as JSON, and closing my account."""

from django.contrib.auth import logout
from ninja import Router, Schema, Status

from civicpoints.core.clientip import client_ip
from civicpoints.core.schemas import ErrorOut
from civicpoints.privacy import services

router = Router(tags=["privacy"])


class CloseIn(Schema):
    """Either ``password``, or ``code`` from POST /me/close/code (residents without one)."""

    password: str = ""
    code: str = ""


@router.get("/me/export", response=dict)
def my_data(request):
    """Everything held about me (profile, ledger, posts, comments, likes, shares,
    reports, event sign-ups, vouchers, discount card, notifications, articles read);
    shapes in ``privacy.services.resident_data_export``."""
    return services.resident_data_export(user=request.user)


@router.post("/me/close/code", response={202: None, 403: ErrorOut, 429: ErrorOut, 502: ErrorOut})
def close_account_code(request):
    """Text a 6-digit code (300 s, 5 tries) to my own number, to close my account with it.
    Limits as POST /auth/code. Errors: 429 ``rate_limited``, 502/503 ``sms_*`` (gateway),
    403 ``resident_only``."""
    services.account_close_code_send(user=request.user, ip=client_ip(request))
    return Status(202, None)


@router.post("/me/close", response={204: None, 403: ErrorOut, 422: ErrorOut})
def close_account(request, payload: CloseIn):
    """Close my resident account for good and end the session. Proof: my ``password``,
    or a ``code`` texted to my number by POST /me/close/code (for residents who sign
    in by code or WeChat only). Errors: 422 ``proof_missing`` / ``wrong_password``
    (field ``password``), ``code_*`` (field ``code``); 403 ``resident_only``."""
    services.account_close(user=request.user, password=payload.password, code=payload.code)
    logout(request)
    return Status(204, None)
