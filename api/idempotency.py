"""Idempotency-Key: a request retried after a lost answer gets the same answer, never a second
effect; the same key with a different request is refused.

Keys are scoped by route, agency and user (a key is the client's, not the world's): agency B
reusing agency A's key opens its own case. A scoped key is stored as a hash with the hash of the
request it came with. Actions on a case store their answer; while the first attempt is still
running a retry is told to wait (409 with Retry-After), and the Temporal Update carries an ID
derived from the key, so even a request the API lost mid-way is applied once.

An attempt that sent its Update but got no answer in time (503) leaves its key ``sent``: the
retry sends the same Update ID again, and Temporal answers with the first one's outcome (or
waits for it) — the retry is not refused because the first attempt already moved the case on.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.db import session_scope
from store.models import IdempotentRequest


def scoped_key(route: str, agency: str, user: str | None, key: str) -> str:
    """The stored form of a key: who may reuse it and where, hashed to a fixed length."""
    scope = json.dumps([route, agency, user, key], ensure_ascii=False)
    return hashlib.sha256(scope.encode()).hexdigest()


def request_hash(body: bytes | Any) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body, sort_keys=True, default=str)
    if isinstance(raw, str):
        raw = raw.encode()
    return hashlib.sha256(raw).hexdigest()


PENDING, SENT = "pending", "sent"
# An attempt still "pending" after this long died with its process: a retry takes it over.
STALE = timedelta(seconds=60)


def retrying(engine: Engine, key_hash: str) -> bool:
    """This key has been used (answered, sent, or still running): the retry gets that
    attempt's answer, or is told to wait — never refused because the case moved on."""
    with Session(engine) as s:
        return s.get(IdempotentRequest, key_hash) is not None


REUSED = (
    "这个 Idempotency-Key 已用于另一个不同的请求；同一键只能用于重试同一请求，新请求请使用新的键。"
)


class Replay:
    """An action's stored answer, or the right to run it."""

    def __init__(self, engine: Engine, key_hash: str, body_hash: str) -> None:
        self.engine, self.key_hash, self.body_hash = engine, key_hash, body_hash
        self.resending = False  # this attempt took over a key whose Update was sent before

    def claim(self) -> tuple[int, dict[str, Any]] | None:
        """None: go ahead (the key is ours now). Else the stored answer of an earlier attempt.
        A new key — nearly every request — costs one statement: the insert."""
        table = IdempotentRequest.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    table.insert().values(
                        key_hash=self.key_hash,
                        request_hash=self.body_hash,
                        created_at=datetime.now(UTC),
                        state=PENDING,
                        status_code=0,
                        response="",
                    )
                )
            return None
        except IntegrityError:  # used before: a retry (or a concurrent one)
            pass
        with Session(self.engine) as s:
            row = s.get(IdempotentRequest, self.key_hash)
        if row is not None and row.request_hash == self.body_hash and row.state != "done":
            if self._take_over():
                self.resending = True
                return None
            with Session(self.engine) as s:
                row = s.get(IdempotentRequest, self.key_hash)
        if row is None:  # released in between: claim it again
            return self.claim()
        if row.request_hash != self.body_hash:
            raise HTTPException(422, REUSED)
        if row.state != "done":
            raise HTTPException(
                409,
                "同一请求正在处理中，请稍后用同一 Idempotency-Key 重试以获取结果。",
                headers={"Retry-After": "2"},
            )
        return row.status_code, json.loads(row.response)

    def done(self, status_code: int, response: dict[str, Any]) -> None:
        table = IdempotentRequest.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:  # one statement: this runs after every action
            conn.execute(
                table.update()
                .where(table.c.key_hash == self.key_hash)
                .values(
                    state="done",
                    status_code=status_code,
                    response=json.dumps(response, ensure_ascii=False, default=str),
                )
            )

    def _take_over(self) -> bool:
        """A retry of an attempt that sent its Update — or of one that has been running for
        longer than any attempt can (its process died) — is ours to send again, if no other
        retry took it first (a compare-and-set on the state)."""
        table = IdempotentRequest.__table__  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        with session_scope(self.engine) as s:
            taken = s.execute(
                table.update()
                .where(
                    table.c.key_hash == self.key_hash,
                    (table.c.state == SENT)
                    | ((table.c.state == PENDING) & (table.c.created_at < now - STALE)),
                )
                .values(state=PENDING, created_at=now)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]  # a CursorResult

    def sent(self) -> None:
        """The Update went out but its answer did not come in time: a retry sends it again
        under the same Update ID and gets the first one's outcome."""
        with session_scope(self.engine) as s:
            row = s.get(IdempotentRequest, self.key_hash)
            if row is not None and row.state != "done":
                row.state = SENT
                s.add(row)

    def release(self) -> None:
        """The attempt ended before sending its Update (busy): a retry may run. A key whose
        Update an earlier attempt sent stays ``sent``: the next retry must still get that
        outcome, not a refusal because the case has moved on."""
        if self.resending:
            self.sent()
            return
        with session_scope(self.engine) as s:
            row = s.get(IdempotentRequest, self.key_hash)
            if row is not None and row.state != "done":
                s.delete(row)
