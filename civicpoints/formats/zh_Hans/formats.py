"""Chinese number formats with a thousands separator: 38,000 and 2,960,000, as Chinese
public statistics print them (Django's own zh_Hans leaves the separator empty).

Django reads each format from the first module of FORMAT_MODULE_PATH that defines it,
then from its own locale: only what differs is set here.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
