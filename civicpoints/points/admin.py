from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from civicpoints.points.models import PointAccount, PointRule, PointTransaction, RuleVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger and balances change only through the points services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PointRule)
class PointRuleAdmin(ReadOnlyAdmin):
    """Shown read-only: a town admin changes a rule in the town console, where every
    change is a ``RuleVersion`` with who, when, why and from which day (an edit here
    would bypass the history and the award path's versions)."""

    list_display = (
        "town",
        "code",
        "name_zh",
        "name_en",
        "category",
        "points",
        "daily_limit",
        "requires_confirmation",
        "claimable",
        "is_active",
    )
    list_filter = ("town", "category", "is_active", "requires_confirmation", "claimable")
    search_fields = ("code", "name_zh", "name_en")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("rule", "number", "effective_from", "points", "created_by", "created_at")
    list_filter = ("town",)
    list_select_related = ("rule", "created_by")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(PointTransaction)
class PointTransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "resident", "kind", "points", "balance_after", "rule", "actor")
    list_filter = ("kind", "local_date")
    search_fields = ("resident__nickname", "resident__mobile", "idempotency_key")
    list_select_related = ("resident", "rule", "actor")
    raw_id_fields = ("resident", "actor", "reverses")


@admin.register(PointAccount)
class PointAccountAdmin(ReadOnlyAdmin):
    list_display = ("resident", "balance", "lifetime_earned", "updated_at")
    search_fields = ("resident__nickname", "resident__mobile")
    list_select_related = ("resident",)
