"""Periodic jobs of the merchant alliance (run by ``manage.py run_jobs``)."""

from civicpoints.core.jobs import job
from civicpoints.merchants import services


@job("merchants.expire_vouchers", cron="10 0 * * *", catch_up=True)
def expire_vouchers() -> str:
    """Refund unused vouchers whose last valid local day has passed (idempotent)."""
    return f"{services.vouchers_expire()} vouchers expired and refunded"


@job("merchants.remind_expiring_vouchers", cron="0 9 * * *", catch_up=True)
def remind_expiring_vouchers() -> str:
    """Tell holders of vouchers ending within three days, once per voucher."""
    return f"{services.vouchers_remind_expiring()} holders reminded"
