"""Chinese number formats with a thousands separator: 38,000 and 2,960,000, as Chinese
public statistics print them (Django's own zh_Hans leaves the separator empty)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - the rest stays Django's

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
