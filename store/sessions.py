"""Dashboard sessions, held server-side: the browser's cookie carries a random session token,
never the user's API token; the table keeps only its hash, with the CSRF token of the session,
when it expires and whether it was revoked (logout)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.db import session_scope
from store.models import User, WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, username: str, at: datetime, hours: int) -> tuple[str, str]:
    """A new session for ``username``: (the cookie's token, the session's CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with session_scope(engine) as s:
        s.add(
            WebSession(
                id_hash=_hash(token),
                username=username,
                csrf=csrf,
                created_at=at,
                expires_at=at + timedelta(hours=hours),
            )
        )
    return token, csrf


def session_user(engine: Engine, token: str, at: datetime) -> tuple[User, str] | None:
    """The user of a live session and its CSRF token; None when unknown, expired, revoked or
    the user was disabled."""
    if not token or len(token) > 100:
        return None
    with Session(engine) as s:
        row = s.get(WebSession, _hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= at:
            return None
        user = s.exec(select(User).where(User.username == row.username)).first()
    if user is None or user.disabled:
        return None
    return user, row.csrf


def revoke(engine: Engine, token: str, at: datetime) -> None:
    with session_scope(engine) as s:
        row = s.get(WebSession, _hash(token))
        if row is not None and row.revoked_at is None:
            row.revoked_at = at
            s.add(row)


def revoke_all(engine: Engine, username: str, at: datetime) -> int:
    """End every session of a user (disabled, or their token rotated)."""
    with session_scope(engine) as s:
        rows = s.exec(
            select(WebSession).where(
                WebSession.username == username,
                WebSession.revoked_at == None,  # noqa: E711
            )
        ).all()
        for row in rows:
            row.revoked_at = at
            s.add(row)
    return len(rows)
