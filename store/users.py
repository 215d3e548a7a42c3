"""Users and their bearer tokens (stored as SHA-256 hashes: a token is 256 random bits, so a
fast hash is enough; the clear token is shown once, when issued)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import User, UserAudit

ROLES = ("officer", "supervisor", "admin", "superadmin")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "gk_" + secrets.token_urlsafe(32)


def add_user(
    engine: Engine,
    username: str,
    name: str,
    agency: str,
    role: str,
    at: datetime,
    created_by: str,
    unit: str = "",
) -> tuple[User, str]:
    """Create a user; returns the user and the clear token (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"角色须为以下之一：{', '.join(ROLES)}。")
    token = new_token()
    user = User(
        username=username,
        name=name,
        agency=agency,
        unit=unit.strip()[:100],
        role=role,
        token_hash=hash_token(token),
        token_hint=token[:7],
        created_at=at,
        created_by=created_by,
    )
    with session_scope(engine) as s:
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise ValueError(f"用户“{username}”已存在。")
        s.add(user)
        where = f"{agency} / {unit.strip()}" if unit.strip() else agency
        s.add(_audit(at, created_by, username, "created", f"{role} of {where}"))
    return user, token


def _audit(at: datetime, actor: str, username: str, action: str, detail: str = "") -> UserAudit:
    return UserAudit(at=at, actor=actor, username=username, action=action, detail=detail[:500])


def audit_trail(engine: Engine, username: str | None = None) -> list[UserAudit]:
    """Who created, disabled, enabled or re-keyed whom, and when (oldest first)."""
    with Session(engine) as s:
        q = select(UserAudit)
        if username:
            q = q.where(UserAudit.username == username)
        return list(s.exec(q.order_by(col(UserAudit.at), col(UserAudit.id))).all())


def rotate_token(engine: Engine, username: str, by: str = "", at: datetime | None = None) -> str:
    """A new token for the user; the old one and every dashboard session stop working."""
    from datetime import UTC

    from store.sessions import revoke_all

    at = at or datetime.now(UTC)
    token = new_token()
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise ValueError(f"没有用户“{username}”。")
        user.token_hash, user.token_hint = hash_token(token), token[:7]
        s.add(user)
        s.add(_audit(at, by or "cli", username, "token_rotated"))
    revoke_all(engine, username, at)
    return token


def set_disabled(
    engine: Engine, username: str, disabled: bool, by: str = "", at: datetime | None = None
) -> None:
    from datetime import UTC

    from store.sessions import revoke_all

    at = at or datetime.now(UTC)
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise ValueError(f"没有用户“{username}”。")
        user.disabled = disabled
        s.add(user)
        s.add(_audit(at, by or "cli", username, "disabled" if disabled else "enabled"))
    if disabled:
        revoke_all(engine, username, at)


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


def case_handlers(engine: Engine, agency: str) -> list[User]:
    """The people who may handle the agency's cases (enabled officers and supervisors), for
    naming a case's 经办人."""
    with Session(engine) as s:
        q = select(User).where(
            User.agency == agency,
            col(User.role).in_(("officer", "supervisor")),
            col(User.disabled).is_(False),
        )
        return list(s.exec(q.order_by(col(User.role).desc(), col(User.username))).all())


def user_names(engine: Engine, agency: str | None) -> dict[str, str]:
    """username → the person's name, for pages that show who did what (one agency's, or all)."""
    with Session(engine) as s:
        q = select(User.username, User.name)
        if agency:
            q = q.where(User.agency == agency)
        return {str(u): str(n) for u, n in s.exec(q).all()}
