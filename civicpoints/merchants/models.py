"""Merchants of the alliance (德商联盟). Offers, vouchers and cards come with their own issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Merchant(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")

    town = models.ForeignKey("accounts.Town", on_delete=models.PROTECT, related_name="merchants")
    name = models.CharField(_("name"), max_length=80)
    category = models.CharField(_("category"), max_length=40)
    address = models.CharField(_("address"), max_length=160)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.name
