"""Users and their bearer tokens (stored as SHA-256 hashes: a token is 256 random bits, so a
fast hash is enough; the clear token is shown once, when issued)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import User

ROLES = ("officer", "supervisor", "admin", "superadmin")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "gk_" + secrets.token_urlsafe(32)


def add_user(
    engine: Engine, username: str, name: str, agency: str, role: str, at: datetime, created_by: str
) -> tuple[User, str]:
    """Create a user; returns the user and the clear token (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = new_token()
    user = User(
        username=username,
        name=name,
        agency=agency,
        role=role,
        token_hash=hash_token(token),
        token_hint=token[:7],
        created_at=at,
        created_by=created_by,
    )
    with session_scope(engine) as s:
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise ValueError(f"user {username!r} already exists")
        s.add(user)
    return user, token


def rotate_token(engine: Engine, username: str) -> str:
    token = new_token()
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise ValueError(f"no user {username!r}")
        user.token_hash, user.token_hint = hash_token(token), token[:7]
        s.add(user)
    return token


def set_disabled(engine: Engine, username: str, disabled: bool) -> None:
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise ValueError(f"no user {username!r}")
        user.disabled = disabled
        s.add(user)


def user_for_token(engine: Engine, token: str) -> User | None:
    if not token.startswith("gk_"):
        return None
    with Session(engine) as s:
        user = s.exec(select(User).where(User.token_hash == hash_token(token))).first()
    if user is None or user.disabled:
        return None
    return user


def list_users(engine: Engine, agency: str | None = None) -> list[User]:
    with Session(engine) as s:
        q = select(User)
        if agency:
            q = q.where(User.agency == agency)
        return list(s.exec(q.order_by(col(User.agency), col(User.username))).all())
