"""The read model on both backends it supports (SQLite and PostgreSQL, each a real server or
file): migrations down and up again, case numbers under concurrency, lists by light."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from store.cases import CaseFilter, allocate_case_no, ensure_case_row, list_cases, put_agency
from store.db import alembic_config, make_engine, migrate
from store.models import Agency
from tests.fixtures.rows import case_row

AT = datetime(2026, 11, 2, 1, tzinfo=UTC)
AGENCY = Agency(
    code="SZ-GT",
    name="某市规划和自然资源局",
    reconsideration_organ="某市人民政府",
    court="某市某区人民法院",
    case_prefix="GK",
)


def test_migrations_go_down_to_nothing_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"case", "case_event", "calendar_day", "user", "outbox"} <= tables
        cfg = alembic_config(db_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert set(inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()


def test_concurrent_officers_get_unique_case_numbers(fresh_engine: Engine) -> None:
    """Numbers come from blocks a process reserves (store/cases.py): unique however many ask at
    once, the same for the same key; a number given back by a key that came in twice may
    leave a gap (harmless for case numbers), never a duplicate."""
    from store import cases

    put_agency(fresh_engine, AGENCY.model_copy())

    def take(i: int) -> str:
        return allocate_case_no(fresh_engine, AGENCY, 2026, AT, f"key-{i % 30}").case_no

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(take, range(60)))
    # 30 distinct idempotency keys, each asked twice: 30 numbers, from the first block(s).
    assert len(set(numbers)) == 30
    assert sorted(set(numbers))[0] == "GK-2026-000001"
    assert sorted(set(numbers))[-1] <= f"GK-2026-{30 + cases.BLOCK:06d}"
    for i in range(30):
        assert numbers[i] == numbers[i + 30]
    # Another process (its blocks its own) goes on after every block reserved so far.
    cases._RESERVED.clear()
    fresh = allocate_case_no(fresh_engine, AGENCY, 2026, AT, "key-new").case_no
    assert fresh not in numbers and fresh > max(numbers)
    assert int(fresh[-6:]) % cases.BLOCK == 1  # the first of a new block


def test_cases_are_listed_by_light(fresh_engine: Engine) -> None:
    for n, light in enumerate(["red", "amber", "green", "red", "green", "green"], start=1):
        ensure_case_row(fresh_engine, case_row(f"GK-2026-{n:06d}", light=light))
    total, rows = list_cases(fresh_engine, CaseFilter(light="red", agency="SZ-GT"))
    assert total == 2
    assert sorted(r.case_no for r in rows) == ["GK-2026-000001", "GK-2026-000004"]
    assert list_cases(fresh_engine, CaseFilter(light="green"))[0] == 3


def test_the_migrations_build_exactly_the_tables_the_models_describe(db_url: str) -> None:
    """A model changed without its migration (or the reverse) fails here, on both backends."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import store.models  # noqa: F401

    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": False,
                    # The search index lives outside the models: FTS5's tables on SQLite, a
                    # pg_trgm GIN index on PostgreSQL (migration 0010).
                    "include_name": lambda name, kind, _parent: (
                        not (name or "").startswith(("case_text_fts", "case_text_trgm"))
                    ),
                },
            )
            diff = compare_metadata(ctx, SQLModel.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_case_prefixes_are_upper_case_letters_and_digits(fresh_engine: Engine) -> None:
    """Applicants type case numbers in any case and the portal reads them in upper case, so a
    prefix is stored in upper case; one that could not be part of a case number is refused."""
    lower = Agency(
        code="LOWER",
        name="某局",
        reconsideration_organ="某市人民政府",
        court="某区法院",
        case_prefix="gt",
    )
    put_agency(fresh_engine, lower)
    assert allocate_case_no(fresh_engine, lower, 2026, AT, "k").case_no == "GT-2026-000001"
    for bad in ("G-T", "", "长沙", "A" * 17):
        try:
            put_agency(fresh_engine, lower.model_copy(update={"code": "BAD", "case_prefix": bad}))
        except ValueError as exc:
            assert "案件编号前缀" in str(exc)
        else:
            raise AssertionError(f"prefix {bad!r} was accepted")
    try:
        put_agency(fresh_engine, lower.model_copy(update={"code": "SAME", "case_prefix": "GT"}))
    except ValueError as exc:
        assert "已由机关LOWER使用" in str(exc)
    else:
        raise AssertionError("a prefix in use was accepted")


def test_a_burst_of_starts_never_starves_the_connection_pool(fresh_engine: Engine) -> None:
    """Each start holds at most one pooled connection at a time (a block is reserved with none
    held): 16 starts at once through a pool of 2 all get numbers (they once waited on each other
    until the pool's timeout: 500s in the bench)."""
    from sqlalchemy import create_engine

    from store import cases

    put_agency(fresh_engine, AGENCY.model_copy())
    cases._RESERVED.clear()
    small = create_engine(fresh_engine.url, pool_size=2, max_overflow=0, pool_timeout=5)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            numbers = list(
                pool.map(
                    lambda i: allocate_case_no(small, AGENCY, 2027, AT, f"b{i}").case_no, range(64)
                )
            )
    finally:
        small.dispose()
    assert len(set(numbers)) == 64
