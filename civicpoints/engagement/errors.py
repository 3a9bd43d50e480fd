"""Online-participation domain errors, each with a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import Conflict, InvalidInput, NotFound, OutOfScope


class ResidentsOnly(OutOfScope):
    code = "residents_only"
    default_detail = _("Only residents take part here.")


class QuizNotFound(NotFound):
    code = "quiz_not_found"
    default_detail = _("No such quiz.")


class SurveyNotFound(NotFound):
    code = "survey_not_found"
    default_detail = _("No such questionnaire.")


class NotOpen(Conflict):
    code = "not_open"
    default_detail = _("This is not open for answers.")


class AlreadyAnswered(Conflict):
    code = "already_answered"
    default_detail = _("You have already answered this questionnaire.")


class NotEditable(Conflict):
    code = "not_editable"
    default_detail = _("Questions can only be changed before publishing.")


def invalid(detail, field: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(detail, field=field, code=code)
