from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "civicpoints.points"
    label = "points"
    verbose_name = _("Points")

    def ready(self) -> None:
        # accounts stands below the ledger and does not import it: it announces a
        # registration and the ledger opens the balance row (core.hooks).
        from civicpoints.accounts.hooks import (
            resident_registered,
            residents_imported,
            town_created,
        )
        from civicpoints.points.catalog import town_catalog_open
        from civicpoints.points.services import points_account_open, points_accounts_open_bulk

        resident_registered.subscribe(points_account_open)
        residents_imported.subscribe(points_accounts_open_bulk)
        town_created.subscribe(town_catalog_open)
