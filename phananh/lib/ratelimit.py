"""Fixed-window rate limits kept in the shared cache.

With REDIS_URL set the cache is Redis, so a limit holds across every app
server; on the single box it is the file cache that all gunicorn workers
share. Counting there is not atomic, so a burst may slip a few requests
past the limit, which is acceptable for abuse protection on one machine.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window resets


def hit(scope, ident, limit, window_seconds=60):
    """Count one request of `ident` (an IP, an API key id) in `scope` and say
    whether it is within `limit` requests per `window_seconds`."""
    now = int(time.time())
    window_start = now - now % window_seconds
    key = f"ratelimit:{scope}:{ident}:{window_start}"
    # add() creates the counter with the window's lifetime only if absent;
    # incr() then counts atomically on Redis.
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    retry_after = window_start + window_seconds - now
    return Verdict(allowed=count <= limit, limit=limit, remaining=max(limit - count, 0), retry_after=retry_after)


def client_ip(request):
    """The client's address. Behind a proxy (haproxy) set TRUSTED_PROXY_COUNT so
    the address the proxy saw is read from X-Forwarded-For; never trust the
    header otherwise, or any client could choose its own rate-limit bucket."""
    from django.conf import settings

    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
