from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "civicpoints.core"
    label = "core"

    def ready(self) -> None:
        from civicpoints.core.tenancy import name_town_in_lazy_loads

        # row.parent of a tenant row reads the parent by id and town (invariant 9)
        name_town_in_lazy_loads(apps.get_models())
