from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict


class AlreadyDecided(Conflict):
    code = "flag_decided"
    default_detail = _("This flag has been decided already.")
