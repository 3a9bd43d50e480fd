"""Record every successful data-changing request by staff and merchant staff."""

import logging

from civicpoints.audit.services import audit_record, is_audited

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Requests that change nothing worth auditing: the language switch.
NOT_AUDITED = frozenset({"set_language"})

log = logging.getLogger("civicpoints.audit")


class AuditMiddleware:
    """After the view: an unsafe method (POST/PUT/PATCH/DELETE) that ended below 400,
    by a person ``audit.services.is_audited`` covers, gets one ``AuditEntry``. The
    user is read after the view, so a staff log-in is recorded as that person.

    The entry is written after the view's own transaction committed: a change and
    its entry are not atomic. If writing the entry fails the error is logged and
    re-raised (a 500), so a lost entry is never silent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and is_audited(getattr(request, "user", None))
            and not (request.resolver_match and request.resolver_match.view_name in NOT_AUDITED)
        ):
            try:
                audit_record(actor=request.user, request=request, status=response.status_code)
            except Exception:
                log.exception("audit entry not written for %s %s", request.method, request.path)
                raise
        return response
