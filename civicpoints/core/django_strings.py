"""Messages Django 5.2 raises whose zh-hans translation Django itself lacks.

Listed here only so that ``makemessages`` copies them into our catalog, which
is searched before Django's own.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
