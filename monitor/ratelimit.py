"""Counting requests from one client, or for one address, in fixed windows of time.

Counts live in the default cache: shared by every app server when DJANGO_CACHE_URL names
Redis, else each process counts on its own (so a limit then holds per process).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from monitor.security import client_ip


def _key(scope: str, who: str, window: int) -> str:
    # Hashed: the cache holds no client address or email address in clear.
    digest = hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{int(time.time()) // window}"


def hit(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt by `who` in `scope`; return False once more than `limit` attempts
    fall in the current window of `window` seconds."""
    key = _key(scope, who, window)
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window)
            count = 1
    return count <= limit


def hit_client(request, scope: str, *, limit: int, window: int) -> bool:
    """hit() for the request's client address (monitor.security.client_ip)."""
    return hit(scope, client_ip(request) or "unknown", limit=limit, window=window)
