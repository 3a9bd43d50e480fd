"""Readable keys for the personal-data download: the page's JSON file uses the reader's
language (中文 keys on Chinese pages); the API keeps the stable English keys."""

from django.utils.translation import pgettext_lazy

EXPORT_KEYS = {
    "generated_at": pgettext_lazy("data export", "generated at"),
    "profile": pgettext_lazy("data export", "profile"),
    "id": pgettext_lazy("data export", "id"),
    "mobile": pgettext_lazy("data export", "mobile"),
    "nickname": pgettext_lazy("data export", "nickname"),
    "real_name": pgettext_lazy("data export", "real name"),
    "role": pgettext_lazy("data export", "role"),
    "town": pgettext_lazy("data export", "town"),
    "community": pgettext_lazy("data export", "community"),
    "grid": pgettext_lazy("data export", "grid"),
    "household": pgettext_lazy("data export", "household"),
    "date_joined": pgettext_lazy("data export", "joined at"),
    "last_login": pgettext_lazy("data export", "last signed in at"),
    "points": pgettext_lazy("data export", "points"),
    "balance": pgettext_lazy("data export", "balance"),
    "lifetime_earned": pgettext_lazy("data export", "earned in total"),
    "transactions": pgettext_lazy("data export", "points history"),
    "kind": pgettext_lazy("data export", "kind"),
    "balance_after": pgettext_lazy("data export", "balance after"),
    "rule": pgettext_lazy("data export", "rule"),
    "memo": pgettext_lazy("data export", "memo"),
    "created_at": pgettext_lazy("data export", "time"),
    "local_date": pgettext_lazy("data export", "date"),
    "posts": pgettext_lazy("data export", "posts"),
    "title": pgettext_lazy("data export", "title"),
    "body": pgettext_lazy("data export", "text"),
    "status": pgettext_lazy("data export", "status"),
    "photos": pgettext_lazy("data export", "photos"),
    "comments": pgettext_lazy("data export", "comments"),
    "post": pgettext_lazy("data export", "post"),
    "likes": pgettext_lazy("data export", "likes"),
    "shares": pgettext_lazy("data export", "shares"),
    "reports": pgettext_lazy("data export", "reports"),
    "category": pgettext_lazy("data export", "category"),
    "place": pgettext_lazy("data export", "place"),
    "event_signups": pgettext_lazy("data export", "event sign-ups"),
    "event": pgettext_lazy("data export", "event"),
    "event_title": pgettext_lazy("data export", "event title"),
    "outcome": pgettext_lazy("data export", "outcome"),
    "signed_up_at": pgettext_lazy("data export", "signed up at"),
    "checked_in_at": pgettext_lazy("data export", "checked in at"),
    "checked_out_at": pgettext_lazy("data export", "checked out at"),
    "points_awarded": pgettext_lazy("data export", "points awarded"),
    "vouchers": pgettext_lazy("data export", "vouchers"),
    "merchant": pgettext_lazy("data export", "merchant"),
    "offer": pgettext_lazy("data export", "offer"),
    "discount_fen": pgettext_lazy("data export", "discount (fen)"),
    "issued_at": pgettext_lazy("data export", "issued at"),
    "redeemed_at": pgettext_lazy("data export", "redeemed at"),
    "expires_on": pgettext_lazy("data export", "valid until"),
    "discount_card": pgettext_lazy("data export", "love discount card"),
    "notifications": pgettext_lazy("data export", "messages"),
    "message_settings": pgettext_lazy("data export", "message settings"),
    "sms": pgettext_lazy("data export", "by SMS"),
    "read_at": pgettext_lazy("data export", "read at"),
    "articles_read": pgettext_lazy("data export", "articles read"),
    "article": pgettext_lazy("data export", "article"),
    "share_links": pgettext_lazy("data export", "my share links"),
    "share_visits": pgettext_lazy("data export", "opened through someone's share link"),
    "target": pgettext_lazy("data export", "shared item type"),
    "item": pgettext_lazy("data export", "shared item"),
    "visited_at": pgettext_lazy("data export", "opened at"),
    "wechat": pgettext_lazy("data export", "WeChat"),
    "openid": pgettext_lazy("data export", "official account openid"),
    "mini_openid": pgettext_lazy("data export", "mini program openid"),
    "unionid": pgettext_lazy("data export", "unionid"),
    "bound_at": pgettext_lazy("data export", "bound at"),
    "mobile_verified_at": pgettext_lazy("data export", "mobile confirmed at"),
}


def export_labelled(data):
    """``data`` (the export dict) with every key in the active language; values unchanged.
    A key without a label stays as it is (a test keeps the table complete)."""
    if isinstance(data, dict):
        return {str(EXPORT_KEYS.get(k, k)): export_labelled(v) for k, v in data.items()}
    if isinstance(data, list):
        return [export_labelled(v) for v in data]
    return data
