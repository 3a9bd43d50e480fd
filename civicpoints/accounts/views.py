"""Pages for people: log in/out, register, profile edit, password, my card; the staff desk's
resident list, registration, password reset and card (the resident's page with balance
and award forms composes the ledger: ``civicpoints.portal``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from civicpoints.accounts import selectors, services
from civicpoints.accounts.card import resident_card_token, resident_card_valid_until
from civicpoints.accounts.forms import (
    CodeLoginForm,
    CodeRegisterForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    StaffRegisterForm,
    TownSetupForm,
)
from civicpoints.accounts.http import AuthedHttpRequest
from civicpoints.accounts.middleware import set_elder_cookie
from civicpoints.accounts.models import CodePurpose, Community, Language, Role, User
from civicpoints.accounts.scope import require_staff, resident_for_staff, town_of
from civicpoints.core.clientip import client_ip
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error, skip_validation
from civicpoints.core.origin import device_cookie_set, request_address, request_device
from civicpoints.core.qr import qr_svg

SEND_CODE = "send_code"  # the value of the pages' "Text me a code" button
SESSION_MOBILE = "accounts:code_mobile"  # the number a code was last asked for


def _safe_next(request: HttpRequest, default: str = "portal:home") -> str:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return target


def _send_code(request: HttpRequest, form: forms.Form, purpose: str) -> None:
    """The "Text me a code" button of a form with a ``mobile`` field: show the form
    again with its values; the answer never says whether the number is registered."""
    skip_validation(form)
    try:
        services.verification_code_send(
            mobile=request.POST.get("mobile", ""),
            purpose=purpose,
            ip=client_ip(request),
        )
    except DomainError as exc:
        add_domain_error(form, exc)
    else:
        messages.info(
            request,
            _("If this number can receive it, a code is on its way. It lasts 5 minutes."),
        )


def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in with a password. A resident registered by staff confirms the number
    first: they are sent on to sign in by code (a code is texted to them)."""
    if request.method == "GET" and services.setup_is_open():
        return redirect("setup")  # an empty installation: nobody could log in yet
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        if form.user.needs_mobile_confirmation:
            request.session[SESSION_MOBILE] = form.user.mobile
            try:
                services.verification_code_send(
                    mobile=form.user.mobile,
                    purpose=CodePurpose.LOGIN,
                    ip=client_ip(request),
                )
            except DomainError as exc:
                messages.error(request, str(exc.detail))
            messages.info(
                request,
                _("Please confirm your mobile number once: enter the code we texted to %(mobile)s.")
                % {"mobile": form.user.masked_mobile},
            )
            return redirect("accounts:login_code")
        login(request, form.user)
        return redirect(_safe_next(request))
    from django.conf import settings

    return render(
        request, "accounts/login.html", {"form": form, "wechat": bool(settings.WECHAT_APP_ID)}
    )


def login_code_view(request: HttpRequest) -> HttpResponse:
    """Sign in with a code texted to the number (also confirms it)."""
    initial = {"mobile": request.session.get(SESSION_MOBILE, "")}
    form = CodeLoginForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == SEND_CODE:
            _send_code(request, form, CodePurpose.LOGIN)
        elif form.is_valid():
            try:
                user = services.user_sign_in_with_code(**form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                request.session.pop(SESSION_MOBILE, None)
                login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
                return redirect(_safe_next(request))
    return render(request, "accounts/login_code.html", {"form": form})


def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Forgot my password: a code texted to the number, then a new password."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == SEND_CODE:
            _send_code(request, form, CodePurpose.RESET)
        elif form.is_valid():
            d = form.cleaned_data
            try:
                services.password_reset_with_code(
                    mobile=d["mobile"], code=d["code"], new_password=d["password"]
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Password changed. Log in with the new one."))
                return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def register_view(request: HttpRequest) -> HttpResponse:
    form = CodeRegisterForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == SEND_CODE:
        _send_code(request, form, CodePurpose.REGISTER)
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.resident_register_with_code(
                mobile=d["mobile"],
                code=d["code"],
                nickname=d["nickname"],
                password=d["password"],
                community=d["community"],
                grid=d["grid"],
                origin=(request_address(request), request_device(request)),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # keep the language the visitor was reading the form in
            if get_language() in Language.values:
                services.user_set_language(user=user, language=get_language())
            login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:home")
    response = render(request, "accounts/register.html", {"form": form})
    device_cookie_set(request, response)
    return response


def set_language_view(request: HttpRequest) -> HttpResponse:
    """The header's language button: Django's ``set_language`` (cookie, redirect to
    ``next``), and for a signed-in person the choice is saved on their account so
    pages, notifications and SMS follow it on every device."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in Language.values:
        services.user_set_language(user=request.user, language=language)
    return response


@require_POST
def elder_mode_view(request: HttpRequest) -> HttpResponse:
    """The header's "large text" button: ``on`` = "1" or "0", back to ``next``.

    Everyone may switch it (the cookie keeps it on this phone, also after signing out);
    for a signed-in person it is saved on the account too, for their other phones.
    """
    on = request.POST.get("on") == "1"
    if request.user.is_authenticated:
        services.user_set_elder_mode(user=request.user, on=on)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    set_elder_cookie(response, on)
    return response


@login_required
def profile_edit_view(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"nickname": user.nickname, "real_name": user.real_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("portal:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def password_change_view(request: AuthedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password"],
            )
        except DomainError as exc:
            if exc.status == 429:  # attempt limit: the error page, status 429
                raise
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Password changed."))
            return redirect("portal:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def my_card_view(request: AuthedHttpRequest) -> HttpResponse:
    """My personal QR card (residents)."""
    if request.user.role != Role.RESIDENT:
        return redirect("portal:profile")
    return render(
        request,
        "accounts/card.html",
        {
            "person": request.user,
            "qr": qr_svg(resident_card_token(request.user)),
            "valid_until": resident_card_valid_until(request.user),
            "revoke_url": reverse("accounts:card_revoke"),
        },
    )


@login_required
@require_POST
def card_revoke_view(request: AuthedHttpRequest) -> HttpResponse:
    """Revoke my old cards (lost or copied); the card page then shows a new one."""
    services.resident_card_revoke(actor=request.user, resident=request.user)
    messages.success(request, _("Your old cards no longer work. This is your new card."))
    return redirect("accounts:card")


# --- staff desk -------------------------------------------------------------


def _staff(request: AuthedHttpRequest) -> User:
    require_staff(request.user)
    return request.user


def _scoped_communities(actor: User) -> QuerySet[Community]:
    qs = Community.objects.filter(town_id=town_of(actor))
    if actor.role == Role.TOWN_ADMIN:
        return qs
    # community staff always have a community (User's CHECK constraint)
    return qs.filter(pk=actor.community_id) if actor.community_id is not None else qs.none()


@login_required
def staff_residents_view(request: AuthedHttpRequest) -> HttpResponse:
    actor = _staff(request)
    q = request.GET.get("q", "")
    page = Paginator(selectors.residents_search(actor, q), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/staff_residents.html", {"page": page, "q": q})


@login_required
def staff_register_view(request: AuthedHttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = StaffRegisterForm(request.POST or None, communities=_scoped_communities(actor))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            resident = services.resident_register_by_staff(
                actor=actor,
                mobile=d["mobile"],
                nickname=d["nickname"],
                real_name=d["real_name"],
                community=d["community"],
                grid=d["grid"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Resident registered."))
            return redirect("portal:staff_resident", resident_id=resident.pk)
    return render(request, "accounts/staff_register.html", {"form": form})


@login_required
def staff_password_reset_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    """GET: ask to confirm; POST: set a new random password and show it once."""
    actor = _staff(request)
    resident = resident_for_staff(actor, resident_id)
    if request.method != "POST":
        return render(request, "accounts/staff_password_reset.html", {"resident": resident})
    temporary, texted = services.password_reset_by_staff(actor=actor, person=resident)
    if texted:
        note = _("New password for %(nick)s: %(pw)s (also texted to %(mobile)s).")
    else:
        note = _(
            "New password for %(nick)s: %(pw)s. No text message was sent: hand it over in person."
        )
    messages.success(
        request,
        note % {"nick": resident.nickname, "pw": temporary, "mobile": resident.masked_mobile},
    )
    return redirect("portal:staff_resident", resident_id=resident.pk)


@login_required
def staff_card_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    """The printable QR card of a resident in my scope."""
    resident = resident_for_staff(_staff(request), resident_id)
    return render(
        request,
        "accounts/card.html",
        {
            "person": resident,
            "qr": qr_svg(resident_card_token(resident)),
            "printable": True,
            "valid_until": resident_card_valid_until(resident),
            "revoke_url": reverse("accounts:staff_card_revoke", args=[resident.pk]),
        },
    )


@login_required
@require_POST
def staff_card_revoke_view(request: AuthedHttpRequest, resident_id: int) -> HttpResponse:
    """Revoke a resident's old cards (a lost printout); then show the new one to print."""
    resident = resident_for_staff(_staff(request), resident_id)
    services.resident_card_revoke(actor=request.user, resident=resident)
    messages.success(request, _("The old cards no longer work. Print this new card."))
    return redirect("accounts:staff_card", resident_id=resident.pk)


def card_qr_svg(request: HttpRequest) -> HttpResponse:
    """My card's QR code as an SVG file (for saving to the phone)."""
    if not request.user.is_authenticated or request.user.role != Role.RESIDENT:
        return HttpResponse(status=404)
    return HttpResponse(qr_svg(resident_card_token(request.user)), content_type="image/svg+xml")


def dev_sms_outbox_view(request: HttpRequest) -> HttpResponse:
    """DEBUG only: the console backend's last texts, so a developer running ``make
    run`` can read the codes sent to the demo numbers. 404 everywhere else."""
    from django.conf import settings
    from django.http import Http404

    from civicpoints.accounts.sms import ConsoleSMSBackend

    if not (settings.DEBUG and settings.SMS_CONSOLE_OUTBOX):
        raise Http404
    return render(
        request,
        "accounts/dev_sms.html",
        {"outbox": list(reversed(ConsoleSMSBackend.outbox))[:20]},
    )


# --- WeChat official-account sign-in (web OAuth) ----------------------------------

WECHAT_STATE = "accounts:wechat_state"
WECHAT_PENDING = "accounts:wechat_pending"  # ids waiting to be bound by SMS code
WECHAT_SEEN_COOKIE = "cp_wx"  # a returning visitor: silent snsapi_base


def wechat_login_view(request: HttpRequest) -> HttpResponse:
    """Send the visitor to WeChat's OAuth page: silent ``snsapi_base`` when this
    browser signed in by WeChat before, ``snsapi_userinfo`` (asks once) otherwise."""
    import secrets

    from django.urls import reverse

    from civicpoints.accounts import wechat

    state = secrets.token_urlsafe(16)
    request.session[WECHAT_STATE] = {"state": state, "next": _safe_next(request)}
    scope = "snsapi_base" if request.COOKIES.get(WECHAT_SEEN_COOKIE) else "snsapi_userinfo"
    redirect_uri = request.build_absolute_uri(reverse("accounts:wechat_callback"))
    return redirect(wechat.authorize_url(redirect_uri=redirect_uri, scope=scope, state=state))


def wechat_callback_view(request: HttpRequest) -> HttpResponse:
    """WeChat sends the visitor back with ``code`` and our ``state``: exchange the code,
    sign the bound account in, or ask for the mobile and an SMS code to bind it."""
    from civicpoints.accounts import wechat

    expected = request.session.pop(WECHAT_STATE, None)
    if not expected or request.GET.get("state") != expected["state"] or not request.GET.get("code"):
        return render(
            request,
            "error.html",
            {"error": DomainError(_("The WeChat sign-in has expired. Please start again."))},
            status=400,
        )
    try:
        token = wechat.oauth_exchange(request.GET["code"])
        ids = {"openid": token["openid"], "unionid": token.get("unionid")}
        nickname = ""
        if token.get("scope") == "snsapi_userinfo":
            info = wechat.oauth_userinfo(access_token=token["access_token"], openid=token["openid"])
            ids["unionid"] = ids["unionid"] or info.get("unionid")
            nickname = (info.get("nickname") or "")[:40]
        user = services.wechat_sign_in(**ids)
    except services.WeChatUnbound:
        if request.user.is_authenticated:
            logout(request)
        request.session[WECHAT_PENDING] = {**ids, "nickname": nickname, "next": expected["next"]}
        return redirect("accounts:wechat_bind")
    except DomainError as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
    response = redirect(expected["next"])
    response.set_cookie(
        WECHAT_SEEN_COOKIE,
        "1",
        max_age=365 * 86400,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def wechat_bind_view(request: HttpRequest) -> HttpResponse:
    """Bind the WeChat just signed in with to an account: the account's mobile and a
    ``bind`` SMS code (the same form for a new device or a first visit)."""
    pending = request.session.get(WECHAT_PENDING)
    if not pending:
        return redirect("accounts:login")
    form = CodeLoginForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == SEND_CODE:
            _send_code(request, form, CodePurpose.BIND)
        elif form.is_valid():
            try:
                user = services.wechat_identity_bind(
                    mobile=form.cleaned_data["mobile"],
                    code=form.cleaned_data["code"],
                    openid=pending.get("openid"),
                    unionid=pending.get("unionid"),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                request.session.pop(WECHAT_PENDING, None)
                login(request, user, backend="civicpoints.accounts.backends.MobileBackend")
                messages.success(request, _("WeChat bound: next time you are signed in at once."))
                response = redirect(pending.get("next") or "portal:home")
                response.set_cookie(
                    WECHAT_SEEN_COOKIE,
                    "1",
                    max_age=365 * 86400,
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Lax",
                )
                return response
    return render(request, "accounts/wechat_bind.html", {"form": form})


@login_required
@require_POST
def wechat_unbind_view(request: AuthedHttpRequest) -> HttpResponse:
    """Unbind my WeChat (profile page)."""
    services.wechat_identity_unbind(user=request.user)
    messages.success(request, _("WeChat unbound."))
    response = redirect("portal:profile")
    response.delete_cookie(WECHAT_SEEN_COOKIE)
    return response


@sensitive_post_parameters("token")
@never_cache
def setup_view(request: HttpRequest) -> HttpResponse:
    """The one-time setup page: served only while no town exists (404 afterwards), and
    acts only with the setup token (``manage.py setup_token``). On success it shows the
    town admin's one-time password once (never stored in clear, never logged)."""
    if not services.setup_is_open():
        raise Http404()
    form = TownSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            grids = [services.parse_grid(line) for line in form.lines(d["grids"])]
            result = services.town_setup_first(
                token=d["token"],
                name=d["name"],
                code=d["code"],
                time_zone=d["time_zone"],
                communities=form.lines(d["communities"]),
                grids=grids,
                admin_mobile=d["admin_mobile"],
                admin_nickname=d["admin_nickname"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404() from None
            add_domain_error(form, exc)
        else:
            return render(request, "accounts/setup_done.html", {"result": result})
    return render(request, "accounts/setup.html", {"form": form})
