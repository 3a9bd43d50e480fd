"""Errors the article services raise; each has a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import InvalidInput, NotFound, OutOfScope


class ArticleNotFound(NotFound):
    code = "article_not_found"
    default_detail = _("There is no such article.")


class AudienceOutOfScope(OutOfScope):
    code = "audience_out_of_scope"
    default_detail = _("You may publish only for your own community (town admins: the town).")


class CoverTooLarge(InvalidInput):
    code = "cover_too_large"


class CoverNotAnImage(InvalidInput):
    code = "cover_not_an_image"
    default_detail = _("The cover must be a JPEG, PNG, GIF or WebP image.")
