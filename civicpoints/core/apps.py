from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicpoints.core"
    label = "core"
