"""The personal-data endpoints: my data as JSON, and closing my account."""

from django.contrib.auth import logout
from ninja import Router, Schema, Status

from civicpoints.core.schemas import ErrorOut
from civicpoints.privacy import services

router = Router(tags=["privacy"])


class CloseIn(Schema):
    password: str


@router.get("/me/export", response=dict)
def my_data(request):
    """Everything held about me (profile, ledger, posts, comments, likes, shares,
    reports, event sign-ups, vouchers, discount card, notifications, articles read);
    shapes in ``privacy.services.resident_data_export``."""
    return services.resident_data_export(user=request.user)


@router.post("/me/close", response={204: None, 403: ErrorOut, 422: ErrorOut})
def close_account(request, payload: CloseIn):
    """Close my resident account for good (password needed) and end the session.
    Errors: 422 ``wrong_password``; 403 ``resident_only``."""
    services.account_close(user=request.user, password=payload.password)
    logout(request)
    return Status(204, None)
