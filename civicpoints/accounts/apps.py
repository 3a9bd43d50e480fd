from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civicpoints.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organization")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civicpoints.accounts.backends import remember_town

        # the session keeps the person's town beside their id: the user lookup names it
        user_logged_in.connect(remember_town, dispatch_uid="accounts.remember_town")
        # every app's admin is registered by now (django.contrib.admin comes first in
        # INSTALLED_APPS and autodiscovers in its ready()): scope each one by town
        from django.contrib import admin

        from civicpoints.accounts.admin_scope import scope_admin_site

        scope_admin_site(admin.site)
