"""`gongkai doctor`: is this installation fit to run cases? One line per check.

``✓`` fine, ``⚠`` works but needs attention, ``✗`` broken (exit code 1), ``–`` not checked
because something it depends on is broken. Nothing is changed: no database file, key ring,
migration or namespace setting is created by asking (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gongkai.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from temporalio.client import Client

OK, WARN, FAIL, SKIP = "✓", "⚠", "✗", "–"


@dataclass(frozen=True)
class Check:
    name: str
    mark: str
    detail: str

    def line(self) -> str:
        return f"{self.mark} {self.name:<18} {self.detail}"


def exit_code(checks: Sequence[Check]) -> int:
    return 1 if any(c.mark == FAIL for c in checks) else 0


def summary(checks: Sequence[Check]) -> str:
    failed = sum(c.mark == FAIL for c in checks)
    warned = sum(c.mark == WARN for c in checks)
    if not failed and not warned:
        return "All checks passed."
    return f"{_n(failed, 'failure')}, {_n(warned, 'warning')}."


async def diagnose(settings: Settings, wait: float = 5.0) -> list[Check]:
    """Every check, in order; ``wait`` bounds each call to Temporal (seconds)."""
    rpc_timeout = timedelta(seconds=wait)
    keys, codec = _codec_keys(settings)
    client, temporal = await _temporal(settings, keys, rpc_timeout)
    engine, read_model = _read_model(settings)
    checks = [temporal, read_model]
    if client is None:
        why = "not checked: Temporal is not reachable"
        checks += [
            Check("Search attributes", SKIP, why),
            Check("Retention", SKIP, why),
        ]
    else:
        checks += [
            await _search_attributes(client, rpc_timeout),
            await _retention(client, settings),
        ]
    if engine is None:
        checks.append(Check("Calendar", SKIP, "not checked: the read model is not usable"))
        checks.append(Check("Reconciliation", SKIP, "not checked: the read model is not usable"))
    else:
        checks.append(_calendar(engine, settings, datetime.now(UTC)))
        if client is None:
            checks.append(Check("Reconciliation", SKIP, "not checked: Temporal is not reachable"))
        else:
            checks.append(await _reconciliation(client, engine))
        engine.dispose()
    if client is not None and keys is not None and codec.mark == OK:
        codec = await _codec_matches_history(client, keys, codec, rpc_timeout)
    checks.append(codec)
    if client is None:
        checks.append(Check("Worker", SKIP, "not checked: Temporal is not reachable"))
    else:
        checks.append(await _worker(client, settings, rpc_timeout))
    return checks


# -- Temporal ---------------------------------------------------------------------------------


async def _temporal(
    settings: Settings, keys: str | None, rpc_timeout: timedelta
) -> tuple[Client | None, Check]:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, GetSystemInfoRequest
    from temporalio.service import RPCError, RPCStatusCode

    from gongkai.codec import new_key_spec
    from gongkai.temporal import connect

    where = f"{settings.temporal_address}, namespace {settings.temporal_namespace}"
    # Connecting needs a converter; with no key ring a throwaway key serves (nothing is encoded),
    # so that asking never creates var/codec.keys.
    probe = settings.model_copy(update={"codec_keys": keys or new_key_spec("doctor")})
    try:
        client = await asyncio.wait_for(connect(probe), rpc_timeout.total_seconds())
        info = await client.workflow_service.get_system_info(
            GetSystemInfoRequest(), timeout=rpc_timeout
        )
    except TimeoutError:
        why = f"no answer within {rpc_timeout.total_seconds():g} s"
        return None, Check("Temporal", FAIL, f"{where}: not reachable ({why})")
    except Exception as exc:
        why = "connection refused" if "refused" in str(exc) else _brief(exc)
        return None, Check("Temporal", FAIL, f"{where}: not reachable ({why})")
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=settings.temporal_namespace),
            timeout=rpc_timeout,
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None, Check(
                "Temporal", FAIL, f"{where}: the namespace does not exist on this server"
            )
        return None, Check("Temporal", FAIL, f"{where}: {_brief(exc)}")
    version = info.server_version or "version not reported"
    return client, Check("Temporal", OK, f"{where}, server {version}")


async def _search_attributes(client: Client, rpc_timeout: timedelta) -> Check:
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

    from schemas.search import ALL

    try:
        res = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace),
            timeout=rpc_timeout,
        )
    except Exception as exc:
        return Check("Search attributes", FAIL, f"cannot list them: {_brief(exc)}")
    known = dict(res.custom_attributes)
    missing = [k.name for k in ALL if k.name not in known]
    wrong = [
        k.name for k in ALL if k.name in known and int(known[k.name]) != int(k.indexed_value_type)
    ]
    if missing or wrong:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if wrong:
            parts.append("wrong type " + ", ".join(wrong))
        return Check(
            "Search attributes",
            FAIL,
            "; ".join(parts) + " (`gongkai up` registers them on the dev server; on a cluster "
            "use `temporal operator search-attribute create`)",
        )
    return Check("Search attributes", OK, ", ".join(k.name for k in ALL) + " registered")


async def _retention(client: Client, settings: Settings) -> Check:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

    try:
        ns = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=settings.temporal_namespace)
        )
    except Exception as exc:
        return Check("Retention", FAIL, f"cannot describe the namespace: {_brief(exc)}")
    have = ns.config.workflow_execution_retention_ttl.ToTimedelta()
    want = timedelta(hours=settings.temporal_retention_hours)
    text = f"{_days(have)} (configured: at least {_days(want)})"
    if have < want:
        return Check(
            "Retention",
            FAIL,
            f"{text}: closed cases' histories are deleted too early; run `temporal operator "
            f"namespace update -n {settings.temporal_namespace} --retention "
            f"{settings.temporal_retention_hours}h` (`gongkai up` does it for the dev server)",
        )
    return Check("Retention", OK, text)


async def _worker(client: Client, settings: Settings, rpc_timeout: timedelta) -> Check:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    queue = settings.temporal_task_queue
    found: dict[str, int] = {}
    newest: datetime | None = None
    try:
        for what, kind in (
            ("workflow", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
            ("activity", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
        ):
            res = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=kind,
                ),
                timeout=rpc_timeout,
            )
            found[what] = len(res.pollers)
            for p in res.pollers:
                seen = p.last_access_time.ToDatetime(tzinfo=UTC)
                newest = seen if newest is None or seen > newest else newest
    except Exception as exc:
        return Check("Worker", WARN, f"cannot describe task queue {queue!r}: {_brief(exc)}")
    if not found.get("workflow") or not found.get("activity"):
        return Check(
            "Worker",
            WARN,
            f"no worker polls task queue {queue!r} "
            f"({found.get('workflow', 0)} workflow / {found.get('activity', 0)} activity "
            "pollers): timers fire but nothing acts on them until `gongkai worker` runs",
        )
    age = (datetime.now(UTC) - newest).total_seconds() if newest else 0.0
    return Check(
        "Worker",
        OK,
        f"task queue {queue!r}: {found['workflow']} workflow / {found['activity']} activity "
        f"pollers, last seen {max(age, 0):.0f} s ago",
    )


async def _reconciliation(client: Client, engine: Engine) -> Check:
    """Open cases whose workflow is not running: terminated, failed or deleted outside
    Gongkai. They are flagged (red, an event saying what was found) and listed here."""
    from activities.cases import reconcile_with
    from store.reconcile import lost_cases

    try:
        await reconcile_with(client, engine, datetime.now(UTC))
    except Exception as exc:
        return Check("Reconciliation", WARN, f"could not compare with Temporal: {_brief(exc)}")
    lost = [row.case_no for row in lost_cases(engine)]
    if lost:
        return Check(
            "Reconciliation",
            WARN,
            f"{_n(len(lost), 'case')} whose workflow was terminated or deleted outside Gongkai "
            f"({_few(lost)}): their clocks no longer run; see each case's events",
        )
    return Check("Reconciliation", OK, "every open case in the read model has a running workflow")


# -- read model -------------------------------------------------------------------------------


def _read_model(settings: Settings) -> tuple[Engine | None, Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from store.db import alembic_config

    try:
        url = make_url(settings.db_url)
    except Exception as exc:
        return None, Check("Read model", FAIL, f"bad database URL: {_brief(exc)}")
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or not Path(path).is_file():
            return None, Check("Read model", FAIL, f"{shown}: no database file at {path!r}")
        engine = create_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    heads = set(ScriptDirectory.from_config(alembic_config(settings.db_url)).get_heads())
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        engine.dispose()
        return None, Check("Read model", FAIL, f"{shown}: not reachable ({_brief(exc)})")
    head = ", ".join(sorted(heads))
    if current != heads:
        at = ", ".join(sorted(current)) or "no migrations applied"
        engine.dispose()
        return None, Check(
            "Read model",
            FAIL,
            f"{shown}: schema at {at}, this version needs {head} "
            "(the API and the worker migrate when they start)",
        )
    return engine, Check("Read model", OK, f"{shown}, migrations at head ({head})")


def _calendar(engine: Engine, settings: Settings, now: datetime) -> Check:
    """Every open case's period must fall in years the calendar knows. A year after this one
    without its notice is expected until the State Council publishes it (weekends only, 2-WD
    margin: a warning); a year that has begun without its notice means due dates that ignore
    its holidays (an error)."""
    from sqlmodel import Session, col, select

    from rules.calendar import local_date
    from schemas.registry import CLOSED
    from store.calendar import load_calendar
    from store.models import Agency, CaseRow

    try:
        with Session(engine) as s:
            rows = s.exec(
                select(CaseRow.case_no, col(CaseRow.t0), col(CaseRow.due_at), Agency.region)
                .join(Agency, col(Agency.code) == col(CaseRow.agency), isouter=True)
                .where(
                    col(CaseRow.status).not_in(sorted(CLOSED)),
                    col(CaseRow.due_at).is_not(None),
                )
            ).all()
    except Exception as exc:
        return Check("Calendar", FAIL, f"cannot read open cases: {_brief(exc)}")
    this_year = local_date(now).year
    missing: dict[int, list[str]] = {}
    provisional: dict[int, list[str]] = {}
    calendars = {}
    first: date | None = None
    last: date | None = None
    for case_no, t0, due_at, region in rows:
        region = region or settings.calendar_region
        if region not in calendars:
            calendars[region] = load_calendar(engine, region)
        assert due_at is not None  # by the query
        due = local_date(due_at)
        first = due if first is None or due < first else first
        last = due if last is None or due > last else last
        for year in range((t0 or due).year, due.year + 1):
            if year in calendars[region].official_years:
                continue
            (missing if year <= this_year else provisional).setdefault(year, []).append(case_no)
    if not rows:
        return Check("Calendar", OK, "no open case has a due date")
    span = f"{_n(len(rows), 'open case')} due {first} … {last}"
    problems = []
    for year, cases in sorted(missing.items()):
        problems.append(
            f"{len(cases)} in {year}, which has begun without its notice: their due dates "
            f"ignore its holidays ({_few(cases)}); import it with `gongkai calendar import`"
        )
    notes = []
    for year, cases in sorted(provisional.items()):
        notes.append(
            f"{len(cases)} in {year}, provisional until its notice is published (weekends only, "
            f"internal dates 2 WD early; {_few(cases)}): import it with `gongkai calendar import`"
        )
    if problems:
        return Check("Calendar", FAIL, f"{span}: " + "; ".join(problems + notes))
    if notes:
        return Check("Calendar", WARN, f"{span}: " + "; ".join(notes))
    return Check("Calendar", OK, f"{span}, all in official years")


# -- codec keys -------------------------------------------------------------------------------


def _codec_keys(settings: Settings) -> tuple[str | None, Check]:
    from gongkai.codec import build_codec, parse_keys

    path = settings.var_dir / "codec.keys"
    if settings.codec_keys:
        spec, source = settings.codec_keys, "GONGKAI_CODEC_KEYS"
    elif path.is_file():
        spec, source = path.read_text().strip(), str(path)
    else:
        return None, Check(
            "Codec keys",
            FAIL,
            f"none: GONGKAI_CODEC_KEYS is unset and {path} is missing; without the key the "
            "cases' payloads in Temporal cannot be read (restore it from a backup; a new "
            "install gets one from `gongkai up`)",
        )
    try:
        codec = build_codec(spec, settings.codec_current_key)
        ids = list(parse_keys(spec))
    except Exception as exc:
        return None, Check("Codec keys", FAIL, f"{source}: {_brief(exc)}")
    detail = f"{len(ids)} from {source} ({', '.join(ids)}); encrypting with {codec.current}"
    if not settings.codec_keys and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return spec, Check("Codec keys", WARN, f"{detail}; {path} is readable by others: chmod 600")
    return spec, Check("Codec keys", OK, detail)


async def _codec_matches_history(
    client: Client, keys: str, check: Check, rpc_timeout: timedelta
) -> Check:
    """The newest case's input must be encrypted with a key still configured."""
    from gongkai.codec import KEY_ID, parse_keys

    try:
        async with asyncio.timeout(rpc_timeout.total_seconds()):
            newest = [wf async for wf in client.list_workflows(limit=1, page_size=1)]
            if not newest:
                return check
            handle = client.get_workflow_handle(newest[0].id, run_id=newest[0].run_id)
            async for event in handle.fetch_history_events(page_size=1):
                payloads = event.workflow_execution_started_event_attributes.input.payloads
                break
            else:
                return check
    except Exception:  # e.g. no visibility store: the keys themselves were checked
        return check
    used = {p.metadata[KEY_ID].decode() for p in payloads if KEY_ID in p.metadata}
    unknown = used - set(parse_keys(keys))
    if unknown:
        return Check(
            "Codec keys",
            FAIL,
            f"{check.detail}, but the newest case {newest[0].id} is encrypted with "
            f"{', '.join(sorted(unknown))}, which is not configured",
        )
    return check


# -- helpers ----------------------------------------------------------------------------------


def _days(d: timedelta) -> str:
    days = d.total_seconds() / 86400
    return f"{days:g} day" + ("" if days == 1 else "s")


def _n(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _few(cases: list[str], n: int = 3) -> str:
    more = f" and {len(cases) - n} more" if len(cases) > n else ""
    return ", ".join(sorted(cases)[:n]) + more


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}"[:300] if text else exc.__class__.__name__
