"""Turn domain errors that escape a page view into proper 4xx pages, never a 500."""

from django.shortcuts import render

from civicpoints.core.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"error": exc}, status=exc.status)
        return None
