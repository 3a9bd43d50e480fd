"""Errors of the report workflow; each has a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_detail = _("A case cannot move this way from its current state.")


class AlreadyPublished(Conflict):
    code = "already_published"
    default_detail = _("This report is already published.")
