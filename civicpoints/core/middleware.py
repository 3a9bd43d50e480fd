"""Turn domain errors that escape a page view into proper 4xx pages, never a 500."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from civicpoints.core.errors import DomainError, NotFound


class _MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405
    default_detail = _("This page only answers a form. Go back and submit the form again.")


class _ApiMethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405
    default_detail = _("This address does not answer that method.")


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Django answered before the API did (no such address, or not this method): the
        # API's one error shape all the same, not an HTML page or an empty body.
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            exc = NotFound() if response.status_code == 404 else _ApiMethodNotAllowed()
            api_response = JsonResponse(exc.as_dict(), status=exc.status)
            if response.has_header("Allow"):
                api_response["Allow"] = response["Allow"]
            return api_response
        if response.status_code == 405 and not request.path.startswith("/api/"):
            # A POST-only address opened by GET (e.g. after a login redirect):
            # say so instead of a blank page.
            return render(request, "error.html", {"error": _MethodNotAllowed()}, status=405)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"error": exc}, status=exc.status)
        return None
