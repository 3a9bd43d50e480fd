import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from civicpoints.accounts.views import set_language_view, setup_view
from civicpoints.api import api
from civicpoints.core.media import media_serve

admin.site.site_header = _("Civic points administration")
admin.site.site_title = _("Civic points")
admin.site.index_title = _("Town data")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("setup/", setup_view, name="setup"),
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("accounts/", include("civicpoints.accounts.urls")),
    path("messages/", include("civicpoints.notifications.urls")),
    path("articles/", include("civicpoints.articles.urls")),
    path("posts/", include("civicpoints.posts.urls")),
    path("reports/", include("civicpoints.reports.urls")),
    path("merchants/", include("civicpoints.merchants.urls")),
    path("events/", include("civicpoints.events.urls")),
    path("engage/", include("civicpoints.engagement.urls")),
    path("rankings/", include("civicpoints.rankings.urls")),
    path("disputes/", include("civicpoints.disputes.urls")),
    path("integrity/", include("civicpoints.integrity.urls")),
    path("dashboard/", include("civicpoints.dashboard.urls")),
    path("audit/", include("civicpoints.audit.urls")),
    path("console/", include("civicpoints.console.urls")),
    path("privacy/", include("civicpoints.privacy.urls")),
    path("", include("civicpoints.points.urls")),
    path("", include("civicpoints.portal.urls")),
    # Uploaded media, in development and production alike: Content-Type from the
    # extension, nosniff, a sandboxing CSP, and only to those allowed to see it.
    re_path(
        rf"^{re.escape(settings.MEDIA_URL.strip('/'))}/(?P<path>.+)$", media_serve, name="media"
    ),
]
