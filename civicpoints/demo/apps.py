from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town of the source story (seeding only): it stands above every domain app
    and nothing imports it but the entry layer's commands and the tests."""

    name = "civicpoints.demo"
    label = "demo"
