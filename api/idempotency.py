"""Idempotency-Key: a request retried after a lost answer gets the same answer, never a second
effect; the same key with a different request is refused.

Keys are scoped by route, agency and user (a key is the client's, not the world's): agency B
reusing agency A's key opens its own case. A scoped key is stored as a hash with the hash of the
request it came with.

An action on a case is a Temporal Update whose ID is derived from the key, and Temporal applies
an Update ID once per run and answers a repeat with the first one's outcome (waiting for it if
it is still running). So the key is stored once, as ``sent``, before the Update goes out, and a
retry simply sends the same Update again: it gets the first attempt's answer whether that
attempt is still running, finished, or died before its Update left. Only what Temporal does not
keep is stored: a refusal (the validator turned the Update away, so no Update was recorded) and
"the case is closed". One write per action, not three.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
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


SENT = "sent"  # the Update went (or is about to go) out under the key's Update ID


REUSED = (
    "这个 Idempotency-Key 已用于另一个不同的请求；同一键只能用于重试同一请求，新请求请使用新的键。"
)


class Replay:
    """An action's stored answer, or the right to run it."""

    def __init__(self, engine: Engine, key_hash: str, body_hash: str) -> None:
        self.engine, self.key_hash, self.body_hash = engine, key_hash, body_hash
        self.resending = False  # an earlier attempt sent this key's Update

    def claim(self) -> tuple[int, dict[str, Any]] | None:
        """None: send the Update (the first time, or again: ``resending``). Else the stored
        answer of an earlier attempt that Temporal would not remember (a refusal). A new key —
        nearly every request — costs one statement: the insert."""
        table = IdempotentRequest.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    table.insert().values(
                        key_hash=self.key_hash,
                        request_hash=self.body_hash,
                        created_at=datetime.now(UTC),
                        state=SENT,
                        status_code=0,
                        response="",
                    )
                )
            return None
        except IntegrityError:  # used before: a retry (or a concurrent one)
            pass
        with Session(self.engine) as s:
            row = s.get(IdempotentRequest, self.key_hash)
        if row is None:  # released in between (the first attempt was turned away as busy)
            return self.claim()
        if row.request_hash != self.body_hash:
            raise HTTPException(422, REUSED)
        if row.state == "done":
            return row.status_code, json.loads(row.response)
        self.resending = True  # the same Update ID again: Temporal answers with the first's
        return None

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

    def release(self) -> None:
        """The attempt ended before sending its Update (busy): the key is free again. A key
        whose Update an earlier attempt sent stays: the next retry must still get that
        outcome, not a refusal because the case has moved on."""
        if self.resending:
            return
        with session_scope(self.engine) as s:
            row = s.get(IdempotentRequest, self.key_hash)
            if row is not None and row.state != "done":
                s.delete(row)
