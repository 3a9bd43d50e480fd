"""The audit log: one append-only row per data-changing request by staff or merchant staff."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicpoints.core.tenancy import TownRow, TownScopedQuerySet


class AuditEntryQuerySet(TownScopedQuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("The audit log is append-only."))

    def delete(self):
        raise ValidationError(_("The audit log is append-only."))


class AuditEntry(TownRow):
    """Who (``actor``, their ``role`` then), what (``method`` ``path``, the URL's
    ``view_name`` and ``object_ids``), when (``at``), from where (``ip``) and how it
    ended (``status``, the HTTP status). ``town`` is the actor's town: town admins
    read their town's entries. Rows are never changed or deleted (model, queryset
    and a database trigger refuse)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    role = models.CharField(_("role"), max_length=20)
    # empty only for the platform operator, who has no town (their /admin/ actions)
    town = models.ForeignKey(
        "accounts.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    view_name = models.CharField(_("action"), max_length=120, blank=True)
    object_ids = models.JSONField(_("objects"), default=dict, blank=True)
    status = models.PositiveSmallIntegerField(_("HTTP status"))

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["town", "-at"], name="audit_town_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.method} {self.path}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("The audit log is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The audit log is append-only."))
