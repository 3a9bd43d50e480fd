import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.core.clientip import client_ip
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.core.timeutil import local_date
from civicpoints.privacy import services
from civicpoints.privacy.forms import CloseAccountForm
from civicpoints.privacy.labels import export_labelled


@login_required
def privacy_view(request):
    """My personal data: download a copy, or close my account (residents)."""
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and "send_code" in request.POST:
        form = CloseAccountForm()  # nothing checked yet: only the text is asked for
        try:
            services.account_close_code_send(user=request.user, ip=client_ip(request))
        except DomainError as exc:
            if exc.status == 403:
                raise
            messages.error(request, str(exc.detail))
        else:
            messages.info(
                request,
                _("A code is on its way to %(mobile)s. It lasts 5 minutes.")
                % {"mobile": request.user.masked_mobile},
            )
    elif request.method == "POST" and form.is_valid():
        try:
            services.account_close(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except DomainError as exc:
            if exc.status == 429:  # attempt limit: the error page, status 429
                raise
            add_domain_error(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account is closed. Thank you for taking part."))
            return redirect("accounts:login")
    status = 422 if form.errors else 200
    return render(request, "privacy/privacy.html", {"form": form}, status=status)


@login_required
@require_POST
def export_view(request):
    """My data as a JSON download (POST, so a link on another site cannot start it), its
    keys in my language (``privacy.labels``), times in the town's time zone."""
    data = export_labelled(services.resident_data_export(user=request.user))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    name = f"civicpoints-my-data-{local_date().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
