"""Baseline views for the HTTP bench: the framework floor and a bare award.

They live outside the app (served only under ``bench.urls``) so production
never routes to them.
"""

from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


def floor(request):
    """A bare JSON response: what Django + the WSGI server cost with no work at all."""
    return JsonResponse({"ok": True})


@csrf_exempt
def raw_award(request):
    """One award the barest way: INSERT a row + UPDATE a balance in one transaction, raw SQL."""
    resident_id = int(request.GET.get("r", "1"))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_raw_tx (resident_id, points, idempotency_key, created_at) "
            "VALUES (%s, %s, %s, %s)",
            [
                resident_id,
                2,
                f"{resident_id}:{timezone.now().timestamp()}:{id(request)}",
                timezone.now(),
            ],
        )
        cur.execute(
            "UPDATE bench_raw_balance SET balance = balance + 2 WHERE resident_id = %s",
            [resident_id],
        )
    return JsonResponse({"ok": True})
