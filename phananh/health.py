import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from phananh.reports.tasks import HEARTBEAT_KEY


def healthz(request):
    """200 when the database answers and the job worker beat recently."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.HUEY.get("immediate"):
        checks["worker"] = "ok (immediate mode)"
    else:
        beat = cache.get(HEARTBEAT_KEY)
        age = time.time() - beat if beat else None
        if age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE:
            checks["worker"] = "ok"
        else:
            checks["worker"] = "no heartbeat" if age is None else f"last heartbeat {int(age)}s ago"
    healthy = all(v.startswith("ok") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
