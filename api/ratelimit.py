"""Rate limits for the public endpoints (no account, so the only handles are the caller's
address and the thing it writes to).

``RateLimiter(limit, per_seconds)`` allows ``limit`` hits per key in any window of
``per_seconds`` (a sliding log of the last ``limit`` hits per key), in memory, one per API
process: with N replicas a client gets at most N times the limit, which is still a limit.
Memory is bounded: at most ``max_keys`` keys are remembered, the least recently hit are
forgotten first (forgetting a key only ever lets its owner through early).

    limiter = RateLimiter(10, 60)
    wait = limiter.hit(client_key(request), time.monotonic())
    if wait is not None:
        raise too_many(wait, "...")
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import HTTPException, Request


class RateLimiter:
    def __init__(
        self,
        limit: int,
        per_seconds: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or per_seconds <= 0 or max_keys < 1:
            raise ValueError("a rate limit needs limit >= 1, per_seconds > 0 and max_keys >= 1")
        self.limit, self.per_seconds, self.max_keys = limit, per_seconds, max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count one hit for ``key`` at ``now`` (seconds on the limiter's clock, monotonic by
        default). Returns None when it is allowed, else the seconds to wait before the next
        hit would be; a refused hit is not counted."""
        now = self.clock() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                while len(self._hits) >= self.max_keys:
                    self._hits.popitem(last=False)
                hits = self._hits[key] = deque(maxlen=self.limit)
            else:
                self._hits.move_to_end(key)
            if len(hits) == self.limit and now - hits[0] < self.per_seconds:
                return hits[0] + self.per_seconds - now
            hits.append(now)  # the oldest falls out (maxlen)
            return None

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._hits)


def client_key(request: Request) -> str:
    """The caller's address as the limit's key: an IPv6 client is its /64, since one machine
    usually gets a whole /64 and could otherwise change address at every request. Behind a
    reverse proxy this is the proxy's X-Forwarded-For, when uvicorn trusts that proxy
    (``FORWARDED_ALLOW_IPS``)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def too_many(wait: float, detail: str) -> HTTPException:
    """The 429 answer: ``Retry-After`` in whole seconds (at least 1)."""
    return HTTPException(429, detail, headers={"Retry-After": str(max(1, math.ceil(wait)))})
