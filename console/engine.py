"""The read model as the commands open it: migrated first, whatever the command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongkai.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def read_model() -> Engine:
    from store.db import make_engine, migrate

    engine = make_engine(get_settings().db_url)
    migrate(engine)
    return engine
