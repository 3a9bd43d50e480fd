"""What an audit entry did, in words: the URL name of the action → a readable label."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTIONS = {
    "accounts:staff_register": _("Registered a resident"),
    "accounts:staff_password_reset": _("Reset a resident's password"),
    "portal:staff_award": _("Awarded points by hand"),
    "portal:staff_adjust": _("Adjusted a balance"),
    "points:budgets": _("Set or removed a points budget"),
    "points:queued_award_decide": _("Confirmed or refused an award past a budget"),
    "posts:approve": _("Approved a post"),
    "posts:reject": _("Rejected a post"),
    "articles:staff_new": _("Wrote an article"),
    "articles:staff_edit": _("Edited an article"),
    "articles:staff_publish": _("Published an article"),
    "events:create": _("Created an event"),
    "events:manage": _("Managed an event"),
    "events:card_scan": _("Checked a resident in or out"),
    "events:complete": _("Completed an event and awarded"),
    "merchants:desk_check": _("Looked up a voucher"),
    "merchants:desk_redeem": _("Redeemed a voucher"),
    "merchants:desk_card": _("Checked a discount card"),
    "merchants:desk_percent": _("Set the card discount"),
    "merchants:desk_offers": _("Published an offer"),
    "merchants:desk_offer_active": _("Paused or resumed an offer"),
    "merchants:desk_offer_restock": _("Restocked an offer"),
    "merchants:town_merchant_status": _("Approved or suspended a merchant"),
    "merchants:staff_card_status": _("Suspended or reinstated a discount card"),
    "engagement:staff": _("Created a quiz or questionnaire"),
    "engagement:staff_quiz": _("Edited a quiz"),
    "engagement:staff_survey": _("Edited a questionnaire"),
    "rankings:staff_honours": _("Changed the honour roll"),
    "notifications:broadcast": _("Sent or previewed a broadcast"),
    "notifications:preferences": _("Changed their message settings"),
    "console:points_expiry": _("Changed the points expiry"),
    "set_language": _("Changed the language"),
    "accounts:elder_mode": _("Changed the text size"),
    "accounts:logout": _("Signed out"),
    "accounts:login": _("Signed in"),
}

APPS = {
    "accounts": pgettext_lazy("audit area", "Residents and accounts"),
    "portal": pgettext_lazy("audit area", "Staff desk"),
    "points": pgettext_lazy("audit area", "Points"),
    "posts": pgettext_lazy("audit area", "Posts"),
    "reports": pgettext_lazy("audit area", "Reports"),
    "articles": pgettext_lazy("audit area", "Articles"),
    "events": pgettext_lazy("audit area", "Events"),
    "merchants": pgettext_lazy("audit area", "Merchants"),
    "engagement": pgettext_lazy("audit area", "Online participation"),
    "rankings": pgettext_lazy("audit area", "Rankings"),
    "disputes": pgettext_lazy("audit area", "Disputes"),
    "dashboard": pgettext_lazy("audit area", "Dashboard"),
    "privacy": pgettext_lazy("audit area", "Personal data"),
    "api": pgettext_lazy("audit area", "API"),
}


def action_label(view_name: str) -> str:
    """A readable label for ``view_name`` (``app:name``): the known action, else the area
    ("Events: other change"), else the raw name."""
    if view_name in ACTIONS:
        return str(ACTIONS[view_name])
    app = view_name.split(":", 1)[0] if view_name else ""
    if app in APPS:
        return str(_("%(area)s: other change") % {"area": APPS[app]})
    return view_name or str(_("Other change"))
