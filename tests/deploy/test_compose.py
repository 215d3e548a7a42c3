"""compose.yaml and the Dockerfile, read as an operator's reference: the services are there, the
images pinned, every GONGKAI_* name a real setting, each service pointed at the right neighbour,
no secret written down, and every `gongkai` command the stack runs one the CLI has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from console.cli import app
from gongkai.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
INIT_SQL = (ROOT / "deploy/postgres/init-databases.sh").read_text(encoding="utf-8")

PREFIX = Settings.model_config.get("env_prefix") or ""
SETTING_NAMES = {f"{PREFIX}{name}".upper(): name for name in Settings.model_fields}
GONGKAI_SERVICES = ("setup", "worker", "api")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
_VAR = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: Any) -> str:
    """What compose substitutes: the default where one is given, a placeholder otherwise."""
    return _VAR.sub(lambda m: m["arg"] if m["op"] in ("-", ":-") else f"<{m['name']}>", str(value))


def env(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("environment") or {}
    assert isinstance(raw, dict), f"{service}: write environment as a mapping"
    return {key: interpolate(value) for key, value in raw.items()}


def image(service: str) -> tuple[str, str]:
    name, _, tag = SERVICES[service]["image"].rpartition(":")
    return name, tag


def command(service: str) -> list[str]:
    cmd = SERVICES[service].get("command", [])
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def dockerfile_entrypoint() -> list[str]:
    found = re.findall(r"^ENTRYPOINT\s+(\[.*\])\s*$", DOCKERFILE, re.MULTILINE)
    assert found, "the Dockerfile has no exec-form ENTRYPOINT"
    return yaml.safe_load(found[-1])


def service_with_image(name: str) -> str:
    found = [s for s in SERVICES if image(s)[0] == name]
    assert len(found) == 1, f"expected one service running {name}, found {found}"
    return found[0]


def test_expected_services() -> None:
    assert {
        "postgres",
        "temporal-schema",
        "temporal",
        "temporal-ui",
        "setup",
        "worker",
        "api",
    } <= set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_image_is_pinned(service: str) -> None:
    name, tag = image(service)
    assert name and tag, f"{service}: name a tag"
    assert tag != "latest" and re.search(r"\d", tag), f"{service}: pin a version, not {tag!r}"
    if name.startswith("temporalio/"):
        assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"{service}: pin Temporal's full version"


def test_schema_tool_matches_server() -> None:
    """The admin-tools image migrates the schema the server of the same version expects."""
    assert image(service_with_image("temporalio/admin-tools"))[1] == image("temporal")[1]


def test_gongkai_services_run_the_built_image() -> None:
    built = {SERVICES[s]["image"] for s in GONGKAI_SERVICES}
    assert len(built) == 1
    for service in GONGKAI_SERVICES:
        assert SERVICES[service].get("build") == ".", f"{service}: built from the Dockerfile"
    assert dockerfile_entrypoint() == ["gongkai"]


def test_workers_are_two_replicas_of_gongkai_worker() -> None:
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    assert dockerfile_entrypoint() + command("worker") == ["gongkai", "worker"]
    assert "container_name" not in SERVICES["worker"]  # it would forbid replicas


def test_api_runs_gongkai_api() -> None:
    assert dockerfile_entrypoint() + command("api") == ["gongkai", "api"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_gongkai_variable_is_a_setting(service: str) -> None:
    names = [k for k in env(service) if k.upper().startswith(PREFIX.upper())]
    unknown = sorted(set(names) - set(SETTING_NAMES))
    assert not unknown, f"{service}: not fields of gongkai.settings.Settings: {unknown}"


@pytest.mark.parametrize("service", GONGKAI_SERVICES)
def test_settings_parse_and_point_at_the_stack(service: str) -> None:
    values = {SETTING_NAMES[k]: v for k, v in env(service).items() if k in SETTING_NAMES}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]

    db = urlsplit(settings.db_url)
    assert db.scheme == "postgresql+psycopg", f"{service}: {settings.db_url}"
    assert image(db.hostname or "")[0] == "postgres", f"{service}: {db.hostname} is no PostgreSQL"
    database = db.path.lstrip("/")
    assert re.search(rf"CREATE DATABASE {database}\b", INIT_SQL), f"{database} is never created"

    host, _, port = settings.temporal_address.partition(":")
    assert image(host)[0] == "temporalio/server" and port == "7233", settings.temporal_address
    for required in ("temporal_namespace", "temporal_task_queue", "codec_keys"):
        assert required in values, f"{service}: set {PREFIX.upper()}{required.upper()}"
    assert settings.temporal_namespace == env("temporal-ui")["TEMPORAL_DEFAULT_NAMESPACE"]


def test_all_gongkai_processes_share_namespace_queue_and_keys() -> None:
    keys = ("GONGKAI_TEMPORAL_NAMESPACE", "GONGKAI_TEMPORAL_TASK_QUEUE", "GONGKAI_CODEC_KEYS")
    seen = {tuple(env(s)[k] for k in keys) for s in GONGKAI_SERVICES}
    assert len(seen) == 1, seen


def test_secrets_come_from_the_environment() -> None:
    """Passwords and keys are `${VAR:?...}` references to .env, never values in the file."""
    raw = {s: SERVICES[s].get("environment") or {} for s in SERVICES}
    secrets = [
        (s, k, v)
        for s, variables in raw.items()
        for k, v in variables.items()
        if re.search(r"PASSWORD|PWD|KEYS", k) and "SMTP" not in k
    ]
    assert len(secrets) >= 5
    for service, key, value in secrets:
        assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", str(value)), f"{service}: {key} is written out"
    url = raw["api"]["GONGKAI_DATABASE_URL"]
    assert re.search(r"://\w+:\$\{\w+:\?[^}]*\}@", url), "the database password is written out"


def test_env_example_names_every_required_variable() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "compose.yaml").read_text()))
    example = (ROOT / "deploy/.env.example").read_text(encoding="utf-8")
    given = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    assert required <= given, f"missing from deploy/.env.example: {sorted(required - given)}"


def test_ui_decodes_through_the_api_codec_endpoint() -> None:
    from api.routes.codec import router

    ui, api = env("temporal-ui"), env("api")
    assert ui["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == f"{api['GONGKAI_PUBLIC_URL']}{router.prefix}"
    # The browser calls it with the dashboard's session cookie; the API admits the UI's origin.
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert ui["TEMPORAL_CORS_ORIGINS"] in api["GONGKAI_TEMPORAL_UI_ORIGINS"].split(",")
    # ... and the public URL is where the API service is published.
    published = {
        p.rsplit(":", 2)[-2] + ":" + p.rsplit(":", 1)[-1] for p in SERVICES["api"]["ports"]
    }
    public_port = str(urlsplit(api["GONGKAI_PUBLIC_URL"]).port)
    assert f"{public_port}:{api['GONGKAI_API_PORT']}" in published
    assert api["GONGKAI_API_HOST"] == "0.0.0.0"


def test_temporal_persists_in_postgres() -> None:
    temporal = env("temporal")
    assert temporal["DB"] in ("postgres12", "postgres12_pgx")
    assert image(temporal["POSTGRES_SEEDS"])[0] == "postgres"
    assert temporal.get("ENABLE_ES", "false").lower() != "true"  # visibility in PostgreSQL too
    for database in (temporal["DBNAME"], temporal["VISIBILITY_DBNAME"]):
        assert re.search(
            rf"CREATE DATABASE {database} OWNER {temporal['POSTGRES_USER']}\b", INIT_SQL
        )
    schema = (ROOT / "deploy/temporal/setup-schema.sh").read_text(encoding="utf-8")
    for database in (temporal["DBNAME"], temporal["VISIBILITY_DBNAME"]):
        assert f"--db {database} update-schema" in schema


def test_start_order() -> None:
    def waits_for(service: str) -> dict[str, str]:
        return {d: c["condition"] for d, c in SERVICES[service]["depends_on"].items()}

    assert waits_for("temporal")["temporal-schema"] == "service_completed_successfully"
    assert waits_for("setup") == {"postgres": "service_healthy", "temporal": "service_healthy"}
    for service in ("worker", "api"):
        assert waits_for(service)["setup"] == "service_completed_successfully"


def test_dockerfile_installs_the_lock_with_hashes() -> None:
    runs = [" ".join(r.split()) for r in re.findall(r"^RUN\s+(.+)$", DOCKERFILE, re.MULTILINE)]
    assert any(
        "pip install" in r and "--require-hashes" in r and "-r requirements.lock" in r for r in runs
    ), runs
    assert any("pip install --no-deps --no-build-isolation ." in r for r in runs), runs
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert bases and all(b == "python:3.11-slim" for b in bases), bases
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0"), users


def test_dockerignore_keeps_secrets_and_local_data_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", "var/", ".venv/", ".git/"} <= ignored


@pytest.mark.parametrize("service", GONGKAI_SERVICES)
def test_the_command_exists_in_the_cli(service: str) -> None:
    args = command(service)
    result = CliRunner().invoke(app, [*args, "--help"], prog_name="gongkai")
    assert result.exit_code == 0, f"gongkai {' '.join(args)}: {result.output}"
    assert f"Usage: gongkai {args[0]} " in " ".join(result.output.split())


def test_deployment_doc_names_the_real_settings() -> None:
    """docs/deployment.md stays current: it names what compose sets, and nothing that is not."""
    doc = (ROOT / "docs/deployment.md").read_text(encoding="utf-8")
    # GONGKAI_TEMPORAL_TLS* and GONGKAI_DEV_SERVER_* name families, not settings.
    named = {m[0] for m in re.finditer(r"GONGKAI_[A-Z0-9_]+", doc) if doc[m.end()] != "*"}
    assert named <= set(SETTING_NAMES), sorted(named - set(SETTING_NAMES))
    in_compose = {k for s in SERVICES for k in env(s) if k in SETTING_NAMES}
    assert in_compose <= named, sorted(in_compose - named)


def test_temporal_frontend_requires_client_certificates() -> None:
    """Finding 2: anyone who reaches the frontend can send Updates; mutual TLS closes it."""
    env = COMPOSE["services"]["temporal"]["environment"]
    assert env["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert env["TEMPORAL_TLS_CLIENT1_CA_CERT"].endswith("ca.pem")
    for service in ("setup", "worker", "api"):
        settings = COMPOSE["services"][service]["environment"]
        assert settings["GONGKAI_TEMPORAL_TLS"] == "true"
        mounted = " ".join(COMPOSE["services"][service]["volumes"])
        for name in ("ca.pem", "gongkai.pem", "gongkai.key"):
            assert name in mounted and settings["GONGKAI_TEMPORAL_TLS_CA"].endswith("ca.pem")
    ui = COMPOSE["services"]["temporal-ui"]["environment"]
    assert ui["TEMPORAL_AUTH_ENABLED"] == "true" and ui["TEMPORAL_TLS_CERT"].endswith("ui.pem")
    assert COMPOSE["services"]["temporal"]["ports"] == ["127.0.0.1:7233:7233"]


def test_make_certs_issues_a_chain_the_services_can_use(tmp_path: Path) -> None:
    import subprocess

    script = ROOT / "deploy" / "temporal" / "make-certs.sh"
    subprocess.run(["sh", str(script), str(tmp_path)], check=True, capture_output=True)
    names = ("server", "gongkai", "ui", "operator")
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", "ca.pem", *(f"{n}.pem" for n in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert verified.stdout.count(": OK") == len(names)
    san = subprocess.run(
        ["openssl", "x509", "-in", "server.pem", "-noout", "-ext", "subjectAltName"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DNS:temporal" in san  # the name the services connect to inside compose
    for key in tmp_path.glob("*.key"):
        assert key.stat().st_mode & 0o077 == 0, key
    assert "deploy/certs/" in (ROOT / ".gitignore").read_text()


def test_the_dev_server_and_its_ui_listen_on_loopback() -> None:
    from gongkai.settings import Settings
    from workers.launcher import dev_server_command

    cmd = dev_server_command(Settings(), Path("/tmp/t.db"))
    assert cmd[cmd.index("--ip") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--ui-ip") + 1] == "127.0.0.1"
