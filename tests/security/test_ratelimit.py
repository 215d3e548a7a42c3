"""api/ratelimit.py: the in-memory limiter behind the public endpoints, on an injected clock."""

from __future__ import annotations

import threading

import pytest
from starlette.requests import Request

from api.ratelimit import RateLimiter, client_key, too_many


def test_limit_hits_per_sliding_window_and_the_wait_until_the_next() -> None:
    limiter = RateLimiter(3, 60)
    assert [limiter.hit("a", now) for now in (0, 10, 20)] == [None, None, None]
    assert limiter.hit("a", 30) == 30  # the hit at 0 leaves the window at 60
    assert limiter.hit("b", 30) is None  # keys are counted apart
    assert limiter.hit("a", 59.5) == pytest.approx(0.5)
    assert limiter.hit("a", 60) is None  # refused hits were not counted
    assert limiter.hit("a", 61) == 9  # now 10, 20, 60 are in the window


def test_the_clock_is_injected() -> None:
    now = [100.0]
    limiter = RateLimiter(1, 10, clock=lambda: now[0])
    assert limiter.hit("k") is None
    assert limiter.hit("k") == 10
    now[0] += 10
    assert limiter.hit("k") is None


def test_memory_is_bounded_by_forgetting_the_least_recently_hit() -> None:
    limiter = RateLimiter(1, 60, max_keys=100)
    assert limiter.hit("kept", 0) is None
    for i in range(1000):
        limiter.hit(f"flood-{i}", 1)
        limiter.hit("kept", 1)  # recently hit: never the one forgotten
    assert len(limiter) == 100
    assert limiter.hit("kept", 2) == 58  # still remembered, still limited


def test_concurrent_hits_never_exceed_the_limit() -> None:
    limiter = RateLimiter(50, 60)
    allowed: list[int] = []
    start = threading.Barrier(16)

    def burst() -> None:
        start.wait()
        allowed.extend(1 for _ in range(100) if limiter.hit("one key", 0) is None)

    threads = [threading.Thread(target=burst) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 50


def test_nonsense_limits_are_refused() -> None:
    for args in ((0, 60), (1, 0), (1, -5)):
        with pytest.raises(ValueError):
            RateLimiter(*args)


def _request(host: str | None) -> Request:
    return Request({"type": "http", "client": (host, 1) if host else None, "headers": []})


def test_client_key_is_the_address_and_an_ipv6_client_its_slash_64() -> None:
    assert client_key(_request("198.51.100.7")) == "198.51.100.7"
    assert client_key(_request("::ffff:198.51.100.7")) == "198.51.100.7"
    assert client_key(_request("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_key(_request("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert client_key(_request("testclient")) == "testclient"
    assert client_key(_request(None)) == "unknown"


def test_too_many_says_when_to_come_back_in_whole_seconds() -> None:
    assert too_many(0.2, "x").headers == {"Retry-After": "1"}
    assert too_many(14.01, "x").headers == {"Retry-After": "15"}
    assert too_many(14.01, "x").status_code == 429
