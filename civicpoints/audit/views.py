from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.models import Role
from civicpoints.audit import selectors
from civicpoints.audit.labels import action_label


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who (nickname, name or mobile)"), max_length=40, required=False)
    action = forms.ChoiceField(label=_("What"), required=False)
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)  # as declared above
        labelled = sorted(((a, action_label(a)) for a in actions), key=lambda c: c[1])
        action.choices = [("", str(_("Everything"))), *labelled]


@login_required
def audit_log_view(request):
    """The town's audit log, 50 entries a page (town admins only; others get 403): who (name,
    role in words), what (the action in words), when (local time), from where; filtered by
    who, what and day."""
    entries = selectors.audit_entries_for(request.user)
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions_for(request.user))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = selectors.audit_entries_for(
        request.user,
        who=filters.get("who", ""),
        action=filters.get("action", ""),
        day=filters.get("day"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    roles = dict(Role.choices)
    rows = [
        {
            "entry": e,
            "action": action_label(e.view_name),
            "role": roles.get(e.role, e.role),
            "ok": 200 <= e.status < 400,
        }
        for e in page
    ]
    keep = {k: v for k, v in request.GET.items() if k in ("who", "action", "day") and v}
    return render(
        request,
        "audit/log.html",
        {"page": page, "rows": rows, "form": form, "pager_query": urlencode(keep)},
    )
