from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from civicpoints.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("civicpoints.accounts.urls")),
    path("messages/", include("civicpoints.notifications.urls")),
    path("rankings/", include("civicpoints.rankings.urls")),
    path("disputes/", include("civicpoints.disputes.urls")),
    path("dashboard/", include("civicpoints.dashboard.urls")),
    path("", include("civicpoints.points.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
