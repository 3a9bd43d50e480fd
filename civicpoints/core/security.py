"""Security headers: the Content Security Policy from django-csp, with one exception.

The policy (``settings.CONTENT_SECURITY_POLICY``) allows scripts, styles, images and
connections from our own origin only, and no inline script or style. The interactive
API docs (``/api/v1/docs``, Swagger UI served from Ninja's own static files) set
styles inline, so that one path also allows inline styles; scripts stay 'self' only.
"""

from csp.middleware import CSPMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

DOCS_POLICY_UPDATE = {"style-src": ["'unsafe-inline'"]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path == reverse("api:openapi-view"):
            # The attribute django-csp's own @csp_update sets (untyped there too): the
            # middleware below merges it into this response's policy.
            response._csp_update = DOCS_POLICY_UPDATE  # type: ignore[attr-defined]
        return super().process_response(request, response)
