"""Merchant-alliance pages: residents (merchants, exchange, vouchers, card), the merchant
desk (verify, offers, settlement) and the town desk (approve, budget, cards)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.card import resident_card_token
from civicpoints.accounts.scope import require_staff, residents_in_scope
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.core.qr import qr_svg
from civicpoints.merchants import exports, selectors, services
from civicpoints.merchants.forms import (
    ApplyForm,
    BudgetForm,
    CardStatusForm,
    CardTokenForm,
    CodeForm,
    DirectoryForm,
    ExchangeForm,
    OfferForm,
    PercentForm,
    StaffCreateForm,
    ThresholdForm,
)
from civicpoints.merchants.models import DiscountCard, Merchant
from civicpoints.points.selectors import account_for

# --- residents --------------------------------------------------------------------------


def _town_id(request):
    """The viewer's town; None for visitors (the public pages list every town)."""
    return request.user.town_id if request.user.is_authenticated else None


def merchant_list_view(request):
    """Public: the merchant directory — search, category chips, pinyin order, and each
    shop's cheapest offer (price in yuan and points)."""
    form = DirectoryForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    q = filters.get("q", "")
    category = filters.get("category", "")
    sort = filters.get("sort") or "name"
    town_id = _town_id(request)
    page = Paginator(selectors.merchants_public(town_id, category, q=q, sort=sort), 30).get_page(
        request.GET.get("page")
    )
    keep = {k: v for k, v in (("q", q), ("category", category), ("sort", sort)) if v}
    if keep.get("sort") == "name":
        keep.pop("sort")
    return render(
        request,
        "merchants/list.html",
        {
            "page": page,
            "form": form if form.is_bound else DirectoryForm(),
            "q": q,
            "category": category,
            "sort": sort,
            "categories": selectors.merchant_categories(town_id),
            "pager_query": urlencode(keep),
            "chip_query": urlencode({k: v for k, v in keep.items() if k != "category"}),
        },
    )


def _merchant_page(request, merchant, form=None, status=200):
    return render(
        request,
        "merchants/detail.html",
        {
            "merchant": merchant,
            "offers": selectors.offers_open(merchant),
            "form": form or ExchangeForm(),
            "account": account_for(request.user)
            if request.user.is_authenticated and request.user.is_resident
            else None,
        },
        status=status,
    )


def merchant_detail_view(request, merchant_id):
    """Public: a merchant with its open offers; residents exchange from here."""
    merchant = selectors.merchant_public(_town_id(request), merchant_id)
    return _merchant_page(request, merchant)


@login_required
def exchange_view(request, merchant_id, offer_id):
    """GET: the confirmation (what it costs, the balance after, until when it is valid);
    POST: exchange. Nothing is spent on one tap from the merchant page."""
    merchant = selectors.merchant_public(request.user.town_id, merchant_id)
    offer = selectors.offer_open_get(merchant, offer_id)
    form = ExchangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                voucher = services.voucher_exchange(
                    resident=request.user,
                    offer_id=offer.pk,
                    idempotency_key=form.cleaned_data["nonce"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Exchanged. Show this voucher at the counter."))
                return redirect("merchants:voucher", voucher_id=voucher.pk)
        else:
            status = 422
    account = account_for(request.user) if request.user.is_resident else None
    return render(
        request,
        "merchants/exchange_confirm.html",
        {
            "merchant": merchant,
            "offer": offer,
            "form": form,
            "account": account,
            "after": account.balance - offer.points_cost if account else None,
        },
        status=status,
    )


@login_required
def my_vouchers_view(request):
    page = Paginator(selectors.vouchers_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "merchants/vouchers.html", {"page": page})


@login_required
def voucher_view(request, voucher_id):
    voucher = selectors.voucher_of(request.user, voucher_id)
    return render(
        request,
        "merchants/voucher.html",
        {"voucher": voucher, "qr": qr_svg(voucher.code) if voucher.status == "issued" else ""},
    )


@login_required
@require_POST
def voucher_cancel_view(request, voucher_id):
    services.voucher_cancel(resident=request.user, voucher_id=voucher_id)
    messages.success(request, _("Voucher cancelled; your points are back."))
    return redirect("merchants:voucher", voucher_id=voucher_id)


@login_required
def my_card_view(request):
    user = request.user
    policy = services.card_policy_for(user.town_id)
    card = DiscountCard.objects.for_town(user.town_id).filter(resident=user).first()
    if request.method == "POST":
        card = services.discount_card_claim(resident=user)
        return redirect("merchants:my_card")
    return render(
        request,
        "merchants/card.html",
        {
            "card": card,
            "policy": policy,
            "account": account_for(user),
            "qr": qr_svg(resident_card_token(user)) if card and card.status == "active" else "",
        },
    )


@login_required
def apply_view(request):
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merchant_apply(applicant=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Application sent; the town will review it."))
            return redirect("merchants:list")
    return render(request, "merchants/apply.html", {"form": form})


# --- merchant desk ----------------------------------------------------------------------


def _desk(request, **forms):
    merchant = services.require_merchant_staff(request.user)
    context = {
        "merchant": merchant,
        "code_form": CodeForm(),
        "card_form": CardTokenForm(),
        "percent_form": PercentForm(initial={"percent": merchant.card_discount_percent}),
        "card_uses": selectors.card_uses_today(merchant),
    }
    context.update(forms)
    return merchant, context


@login_required
def desk_view(request):
    """The counter: type or scan a voucher code or a discount card. Codes travel only in
    POST bodies (never the URL, so never in logs or the browser history)."""
    merchant, context = _desk(request)
    return render(request, "merchants/desk.html", context)


@login_required
@require_POST
def desk_check_view(request):
    """Look a voucher up (reads only); the page then offers the redeem button."""
    merchant, context = _desk(request)
    form = CodeForm(request.POST)
    context["code_form"] = form
    if form.is_valid():
        try:
            context["seen"] = services.voucher_check(
                actor=request.user, code=form.cleaned_data["code"]
            )
            context["code"] = services.normalize_code(form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "merchants/desk.html", context, status=exc.status)
        return render(request, "merchants/desk.html", context)
    return render(request, "merchants/desk.html", context, status=422)


@login_required
@require_POST
def desk_redeem_view(request):
    merchant, context = _desk(request)
    form = CodeForm(request.POST)
    context["code_form"] = form
    if form.is_valid():
        try:
            context["redeemed"] = services.voucher_redeem(
                actor=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "merchants/desk.html", context, status=exc.status)
        context["code_form"] = CodeForm()
        return render(request, "merchants/desk.html", context)
    return render(request, "merchants/desk.html", context, status=422)


@login_required
@require_POST
def desk_card_view(request):
    """Check a card; a valid card's check is recorded as a use (once per form nonce)."""
    merchant, context = _desk(request)
    form = CardTokenForm(request.POST)
    context["card_form"] = form
    if form.is_valid():
        try:
            context["card_holder"] = services.discount_card_check(
                actor=request.user,
                token=form.cleaned_data["token"],
                idempotency_key=form.cleaned_data["nonce"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "merchants/desk.html", context, status=exc.status)
        context["card_form"] = CardTokenForm()
        context["card_uses"] = selectors.card_uses_today(merchant)
        return render(request, "merchants/desk.html", context)
    return render(request, "merchants/desk.html", context, status=422)


@login_required
@require_POST
def desk_percent_view(request):
    merchant, context = _desk(request)
    form = PercentForm(request.POST)
    if form.is_valid():
        services.merchant_card_discount_set(
            actor=request.user, percent=form.cleaned_data["percent"]
        )
        messages.success(request, _("Card discount saved."))
        return redirect("merchants:desk")
    context["percent_form"] = form
    return render(request, "merchants/desk.html", context, status=422)


@login_required
def desk_offers_view(request):
    merchant = services.require_merchant_staff(request.user)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Offer published."))
            return redirect("merchants:desk_offers")
    return render(
        request,
        "merchants/desk_offers.html",
        {"merchant": merchant, "offers": selectors.offers_of(merchant), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def desk_offer_active_view(request, offer_id):
    services.offer_set_active(
        actor=request.user, offer_id=offer_id, is_active=request.POST.get("active") == "1"
    )
    return redirect("merchants:desk_offers")


@login_required
@require_POST
def desk_offer_restock_view(request, offer_id):
    try:
        units = int(request.POST.get("units", ""))
    except ValueError:
        units = 0
    services.offer_restock(actor=request.user, offer_id=offer_id, units=units)
    messages.success(request, _("Stock added."))
    return redirect("merchants:desk_offers")


def _settlement_response(request, merchant, template_context):
    month = selectors.parse_month(request.GET.get("month"))
    s = selectors.settlement(merchant, month)
    fmt = request.GET.get("format")
    name = f"settlement-{merchant.pk}-{month:%Y-%m}"
    if fmt == "csv":
        return _download(exports.settlement_csv(s), name, fmt)
    if fmt == "xlsx":
        return _download(exports.settlement_xlsx(s), name, fmt)
    return render(
        request,
        "merchants/settlement.html",
        {"s": s, "month": f"{month:%Y-%m}", **template_context},
    )


@login_required
def desk_settlement_view(request):
    merchant = services.require_merchant_staff(request.user)
    return _settlement_response(request, merchant, {})


# --- town desk --------------------------------------------------------------------------


@login_required
def town_view(request):
    services.require_town_admin(request.user)
    town_id = request.user.town_id
    budget_form = BudgetForm(prefix="b", data=request.POST if "b-cap_fen" in request.POST else None)
    threshold_form = ThresholdForm(
        prefix="t", data=request.POST if "t-threshold_points" in request.POST else None
    )
    if request.method == "POST":
        try:
            if budget_form.is_bound and budget_form.is_valid():
                services.subsidy_budget_set(
                    actor=request.user, cap_fen=budget_form.cleaned_data["cap_fen"]
                )
                messages.success(request, _("Subsidy cap saved."))
                return redirect("merchants:town")
            if threshold_form.is_bound and threshold_form.is_valid():
                services.card_policy_set(
                    actor=request.user,
                    threshold_points=threshold_form.cleaned_data["threshold_points"],
                )
                messages.success(request, _("Card threshold saved."))
                return redirect("merchants:town")
        except DomainError as exc:
            add_domain_error(budget_form if budget_form.is_bound else threshold_form, exc)
    budget = selectors.subsidy_budget(town_id)
    policy = services.card_policy_for(town_id)
    if not budget_form.is_bound:
        budget_form = BudgetForm(
            prefix="b", initial={"cap_fen": selectors.fen_to_yuan(budget.cap_fen)}
        )
    if not threshold_form.is_bound:
        threshold_form = ThresholdForm(
            prefix="t", initial={"threshold_points": policy.threshold_points}
        )
    page = Paginator(selectors.merchants_for_admin(town_id), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "merchants/town.html",
        {
            "page": page,
            "budget": budget,
            "budget_form": budget_form,
            "threshold_form": threshold_form,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def town_merchant_status_view(request, merchant_id):
    services.merchant_set_status(
        actor=request.user, merchant_id=merchant_id, status=request.POST.get("status", "")
    )
    messages.success(request, _("Merchant updated."))
    return redirect("merchants:town_merchant", merchant_id=merchant_id)


@login_required
def town_merchant_view(request, merchant_id):
    merchant = services.merchant_for_admin(request.user, merchant_id)
    staff_form = StaffCreateForm(
        prefix="s", data=request.POST if "s-mobile" in request.POST else None
    )
    offer_form = OfferForm(
        prefix="o",
        with_funding=True,
        data=request.POST if "o-title" in request.POST else None,
    )
    if request.method == "POST":
        form = staff_form if staff_form.is_bound else offer_form
        if form.is_valid():
            try:
                if form is staff_form:
                    services.merchant_staff_create(
                        actor=request.user, merchant_id=merchant.pk, **form.cleaned_data
                    )
                    messages.success(request, _("Merchant staff login created."))
                else:
                    services.offer_create(
                        actor=request.user, merchant_id=merchant.pk, **form.cleaned_data
                    )
                    messages.success(request, _("Offer published."))
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return redirect("merchants:town_merchant", merchant_id=merchant.pk)
    return render(
        request,
        "merchants/town_merchant.html",
        {
            "merchant": merchant,
            "staff": merchant.staff.order_by("pk"),
            "offers": selectors.offers_of(merchant),
            "staff_form": staff_form if staff_form.is_bound else StaffCreateForm(prefix="s"),
            "offer_form": offer_form
            if offer_form.is_bound
            else OfferForm(prefix="o", with_funding=True),
            "statuses": Merchant.Status,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
def town_settlement_view(request, merchant_id):
    merchant = services.merchant_for_admin(request.user, merchant_id)
    return _settlement_response(request, merchant, {"for_town": True})


def _download(body, name, fmt):
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    resp = HttpResponse(body, content_type=types[fmt])
    resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp


@login_required
def town_settlement_all_view(request):
    """The town's month: one line per merchant, totals, CSV/XLSX downloads."""
    services.require_town_admin(request.user)
    month = selectors.parse_month(request.GET.get("month"))
    rows = selectors.town_settlement(request.user.town_id, month)
    fmt = request.GET.get("format")
    name = f"settlement-town-{month:%Y-%m}"
    if fmt == "csv":
        return _download(exports.as_csv(exports.town_table(rows)), name, fmt)
    if fmt == "xlsx":
        return _download(exports.as_xlsx(exports.town_table(rows), f"{month:%Y-%m}"), name, fmt)
    totals = {
        k: sum(getattr(r, k) for r in rows)
        for k in ("vouchers", "points", "discount_fen", "merchant_fen", "subsidy_fen")
    }
    return render(
        request,
        "merchants/town_settlement.html",
        {"rows": rows, "totals": totals, "month": f"{month:%Y-%m}"},
    )


@login_required
def staff_cards_view(request):
    """Discount cards of residents in the staff member's scope, with suspend / reinstate."""
    require_staff(request.user)
    cards = (
        DiscountCard.objects.for_town(request.user.town_id)
        .filter(resident__in=residents_in_scope(request.user))
        .select_related("resident")
        .order_by("-issued_at")
    )
    page = Paginator(cards, 30).get_page(request.GET.get("page"))
    return render(request, "merchants/staff_cards.html", {"page": page, "form": CardStatusForm()})


@login_required
@require_POST
def staff_card_status_view(request, resident_id):
    form = CardStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("merchants:staff_cards")
    services.discount_card_set_status(
        actor=request.user, resident_id=resident_id, **form.cleaned_data
    )
    messages.success(request, _("Card updated."))
    return redirect("merchants:staff_cards")
