"""`gongkai backup DEST` / `gongkai restore SRC`: the embedded installation's three files.

- ``var/temporal.db``: the dev server's SQLite (WAL), the source of truth for every case;
- the read model, when it is SQLite (``var/gongkai.db`` by default);
- ``var/codec.keys``: without it the payloads in ``temporal.db`` cannot be read;
- ``var/files/``: the attachments of cases (encrypted, named by their digest), copied after the
  databases' snapshots, so every file a snapshot references is in the backup.

The databases are copied with SQLite's online backup API while Gongkai runs. Both snapshots are
pinned (a read transaction on each, read model first) before either is copied, so they are taken
within a millisecond of each other and each is consistent in itself; writers are not blocked
(WAL). The copies are single files (journal mode DELETE) with a manifest of SHA-256 sums.
Production (PostgreSQL, a Temporal cluster) uses ``pg_dump`` instead: docs/operations.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import socket
import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import gongkai
from gongkai.settings import Settings

MANIFEST = "manifest.json"
TEMPORAL_DB = "temporal.db"
READ_MODEL_DB = "gongkai.db"
CODEC_KEYS = "codec.keys"
ATTACHMENTS = "files"


class BackupError(Exception):
    """Why a backup or restore was refused, in words an operator can act on."""


@dataclass(frozen=True)
class Target:
    name: str  # the file's name inside a backup
    path: Path | None  # where it lives in this installation (None: not an embedded file)
    why_not: str = ""


def targets(settings: Settings) -> list[Target]:
    """The embedded files of this configuration, in snapshot order (read model first: a
    projection may lag its workflows after a restore, never run ahead of them)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        read_model = Target(READ_MODEL_DB, Path(str(url.database)))
    else:
        read_model = Target(
            READ_MODEL_DB,
            None,
            f"the read model is on {url.get_backend_name()}: back it up with pg_dump",
        )
    keys = (
        Target(
            CODEC_KEYS, None, "codec keys come from GONGKAI_CODEC_KEYS: keep them with your secrets"
        )
        if settings.codec_keys
        else Target(CODEC_KEYS, settings.var_dir / CODEC_KEYS)
    )
    return [read_model, Target(TEMPORAL_DB, settings.var_dir / TEMPORAL_DB), keys]


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _private(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Every file and directory made inside ``fn`` is private from its creation (umask 077):
    backups hold the applicants' data and the encryption key ring."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        old = os.umask(0o077)
        try:
            return fn(*args, **kwargs)
        finally:
            os.umask(old)

    return wrapper


@_private
def backup(settings: Settings, dest: Path, now: datetime | None = None) -> list[str]:
    """Copy the embedded files into the new directory ``dest``; returns what was done."""
    now = now or datetime.now(UTC)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty directory; choose a new one.")
    plan = targets(settings)
    present = [t for t in plan if t.path is not None and t.path.is_file()]
    if not any(t.name == TEMPORAL_DB for t in present):
        raise BackupError(
            f"no {settings.var_dir / TEMPORAL_DB}: this installation's Temporal is not the "
            "embedded dev server (back up its own persistence instead), or `gongkai up` has "
            "never run here."
        )
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.chmod(0o700)  # it may have existed (empty) with looser permissions
    done: list[str] = []
    files: dict[str, dict[str, object]] = {}
    databases = [t for t in present if t.name != CODEC_KEYS]
    with ExitStack() as stack:
        sources = {}
        for t in databases:  # pin every snapshot first, then copy at leisure
            assert t.path is not None
            src = sqlite3.connect(t.path, timeout=30, isolation_level=None)
            stack.callback(src.close)
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            sources[t.name] = src
        for t in databases:
            out = dest / t.name
            _copy_database(sources[t.name], out)
            files[t.name] = _describe(out)
            done.append(f"{t.path} → {out} ({_size(out)}, consistent snapshot)")
    for t in present:
        if t.name == CODEC_KEYS:
            assert t.path is not None
            out = dest / t.name
            shutil.copyfile(t.path, out)
            out.chmod(0o600)
            files[t.name] = _describe(out)
            done.append(f"{t.path} → {out} (the encryption key ring: keep this backup safe)")
    attached = settings.var_dir / ATTACHMENTS
    copied = 0
    for path in sorted(attached.rglob("*") if attached.is_dir() else []):
        if not path.is_file() or path.suffix == ".part":
            continue
        rel = f"{ATTACHMENTS}/{path.relative_to(attached).as_posix()}"
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(path, out)
        out.chmod(0o600)
        files[rel] = _describe(out)
        copied += 1
    if copied:
        done.append(f"{attached} → {dest / ATTACHMENTS} ({copied} attachments, encrypted)")
    notes = [t.why_not for t in plan if t.why_not]
    notes += [
        f"{t.path} does not exist: not in this backup" for t in plan if t.path and t not in present
    ]
    manifest = {
        "format": 1,
        "gongkai_version": gongkai.__version__,
        "created_at": now.isoformat(),
        "files": files,
        "notes": notes,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return done + [f"note: {n}" for n in notes]


def _copy_database(src: sqlite3.Connection, out: Path) -> None:
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # within src's open read transaction: the pinned snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        ok = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
    if ok != "ok":
        raise BackupError(f"the copy of {out.name} failed its integrity check: {ok}")
    partial.chmod(0o600)
    os.replace(partial, out)


@_private
def restore(
    settings: Settings, src: Path, force: bool = False, now: datetime | None = None
) -> list[str]:
    """Put a backup's files back; Gongkai must be stopped. Existing files are kept aside in
    ``var/replaced-<time>/`` (only with ``force``)."""
    now = now or datetime.now(UTC)
    manifest_path = src / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{src} is not a Gongkai backup (no {MANIFEST}).")
    manifest = json.loads(manifest_path.read_text())
    files: dict[str, dict[str, object]] = manifest.get("files", {})
    for name, info in files.items():
        f = src / name
        if not f.is_file() or _describe(f)["sha256"] != info.get("sha256"):
            raise BackupError(
                f"{f} is missing or damaged (its checksum differs from the manifest)."
            )
    for host, port, what in (
        (settings.dev_server_ip, settings.dev_server_port, "the Temporal dev server"),
        (settings.api_host, settings.api_port, "the API"),
    ):
        if _listening(host, port):
            raise BackupError(
                f"{what} answers on {host}:{port}: stop Gongkai (Ctrl-C `gongkai up`) first."
            )
    plan = {t.name: t for t in targets(settings)}
    moves: list[tuple[Path, Path]] = []
    notes: list[str] = []
    for name in files:
        if name.startswith(f"{ATTACHMENTS}/"):  # content-addressed: the same name, the same bytes
            target = settings.var_dir / name
            if not target.exists():
                moves.append((src / name, target))
            continue
        t = plan.get(name)
        if t is None or t.path is None:
            notes.append(f"{name} not restored: {t.why_not if t else 'unknown file'}")
            continue
        moves.append((src / name, t.path))
    in_the_way = [
        p
        for _, target in moves
        for p in (target, *_sidecars(target))
        if p.exists() and not target.is_relative_to(settings.var_dir / ATTACHMENTS)
    ]
    if in_the_way and not force:
        raise BackupError(
            "these files would be replaced: "
            + ", ".join(str(p) for p in in_the_way)
            + "; restore with --force to keep them aside in var/replaced-<time>/."
        )
    done: list[str] = []
    if in_the_way:
        aside = settings.var_dir / f"replaced-{now:%Y%m%dT%H%M%SZ}"
        aside.mkdir(parents=True, exist_ok=True, mode=0o700)
        for p in in_the_way:
            os.replace(p, aside / p.name)
        done.append(f"kept the replaced files in {aside}")
    for source, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        partial.chmod(0o600)
        os.replace(partial, target)
        done.append(f"{source} → {target}")
    return done + [f"note: {n}" for n in notes]


def _sidecars(db: Path) -> list[Path]:
    """A restored database must not meet its predecessor's WAL."""
    return [db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal")]


def _listening(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _describe(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _size(path: Path) -> str:
    n = float(path.stat().st_size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
