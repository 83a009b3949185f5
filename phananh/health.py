import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from phananh.reports.tasks import HEARTBEAT_KEY


@never_cache
def healthz(request):
    """200 when the database answers and the job worker beat recently, else
    503; a failing check is reported, never raised (a monitor needs an answer)."""
    checks = {"database": _database(), "worker": _worker()}
    healthy = all(v.startswith("ok") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means unhealthy
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _worker():
    if settings.HUEY.get("immediate"):
        return "ok (immediate mode)"
    try:
        # The heartbeat lives in the cache, which may be Redis and may be down.
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return f"error: cache {exc.__class__.__name__}"
    age = time.time() - beat if isinstance(beat, int | float) else None
    if age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE:
        return "ok"
    return "no heartbeat" if age is None else f"last heartbeat {int(age)}s ago"
