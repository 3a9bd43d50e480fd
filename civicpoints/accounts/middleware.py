"""Each signed-in person reads the site in their own language (``User.language``)."""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation


class UserLanguageMiddleware:
    """Activate the signed-in user's language for the whole request.

    Sits after ``AuthenticationMiddleware``. ``LocaleMiddleware`` has already
    chosen a language from the cookie or ``Accept-Language``; for a signed-in
    person their saved choice wins, so a shared phone or a WeChat browser with
    an English system language still shows what the person picked. Visitors
    keep ``LocaleMiddleware``'s choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
