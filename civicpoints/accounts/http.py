"""Request types for views and API operations that need a signed-in user."""

from django.http import HttpRequest

from civicpoints.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    """A request past ``login_required`` or the API's session auth: ``user`` is our User.

    Only an annotation (django-stubs' recommended pattern): Django never builds one,
    and nothing checks ``isinstance`` against it.
    """

    user: User
