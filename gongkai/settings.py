"""All configuration in one place: environment variables prefixed ``GONGKAI_``.

Defaults run everything on one machine with files under ``./var/``; production changes only
configuration (Temporal address/namespace/TLS, database URL), never code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the read model; default sqlite:///<var_dir>/gongkai.db",
    )

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "gongkai"
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: str | None = None
    # How long Temporal keeps a closed case's history (the dev server's default is 1 day).
    temporal_retention_hours: int = 24 * 366

    # Embedded dev server (`gongkai up`)
    dev_server_ip: str = "127.0.0.1"
    dev_server_port: int = 7233
    dev_server_ui_port: int = 8233

    temporal_ui_origins: str | None = None
    # Where people open the Temporal UI (links from the dashboard). Default: through the API at
    # /temporal when it proxies a UI (below), else the dev server's own UI.
    temporal_ui_public_url: str | None = None
    # A Temporal UI the API serves, read-only and to signed-in staff, under /temporal (started
    # with --ui-public-path /temporal): the UI is then on the API's origin, so its calls to the
    # codec endpoint carry the dashboard session and a supervisor sees decoded payloads.
    # `gongkai up` sets it to its dev server's UI.
    temporal_ui_upstream: str | None = None

    # HTTP API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str | None = None
    # An action on a case: at most this many in flight per case in one API process (more are
    # answered 429 at once), and a definite answer within this many seconds (else 503).
    case_actions_in_flight: int = 3
    action_timeout_seconds: float = 4.0
    # Dashboard sessions (server-side, revoked at logout) expire after this many hours.
    session_hours: int = 12

    # Public comments on draft decisions (POST /v1/consultations/{case_no}/comments), per API
    # process: how many one client address (an IPv6 /64) and one case may send per window, and
    # how many comments a case takes in all (the rest go by letter or e-mail, as the notice says).
    comment_limit_per_address: int = Field(default=10, ge=1)
    comment_limit_per_case: int = Field(default=60, ge=1)
    comment_limit_window_seconds: float = Field(default=60, gt=0)
    comment_max_per_case: int = Field(default=2000, ge=1)

    # The public portal (/public): attachments (checked by content, stored encrypted under
    # var/files) and, per API process and client address (an IPv6 /64), how many applications
    # or messages, 查询码 attempts and other posts it takes in a window.
    attachment_max_mb: int = Field(default=20, ge=1, le=200)
    attachment_case_max_mb: int = Field(default=50, ge=1, le=1000)
    portal_new_cases_per_address: int = Field(default=5, ge=1)
    portal_new_cases_window_seconds: float = Field(default=600, gt=0)
    portal_tracking_per_address: int = Field(default=20, ge=1)
    portal_posts_per_address: int = Field(default=30, ge=1)
    portal_window_seconds: float = Field(default=60, gt=0)
    # Public pages name the officer who handled a case only if the agency wants it.
    portal_show_officer_names: bool = False

    # Payload encryption (AES-GCM): "id:base64key,..."; default: var/codec.keys (created once)
    codec_keys: str | None = None
    codec_current_key: str | None = None

    # Statutory rules
    jurisdiction: str = "CN"
    calendar_region: str = "CN"

    # Notifications: kept in the outbox table; delivered by SMTP when a host is configured.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "gongkai@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # SMS to applicants through an HTTP gateway (docs/operations.md: POST JSON {"to", "text",
    # "id"} with the token as a bearer); none is sent between 22:00 and 08:00 Beijing time but
    # for emergencies: those wait in the outbox and go out at 08:00.
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = None
    # Administrators' address: operational alerts (e.g. next year's holiday notice still missing).
    admin_email: str = ""

    # Metrics (docs/operations.md). The worker serves the Temporal SDK's metrics and its own
    # escalation metrics on one Prometheus endpoint (0 = off); the API serves GET /metrics to
    # supervisors/admins or to a scraper holding the metrics token.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = 9464
    metrics_token: str | None = None

    # Logging
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'gongkai.db').as_posix()}"

    @property
    def api_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def ui_origins(self) -> list[str]:
        """Browser origins allowed to call the codec endpoint (the Temporal UI)."""
        if self.temporal_ui_origins:
            return [o.strip() for o in self.temporal_ui_origins.split(",") if o.strip()]
        port = self.dev_server_ui_port
        return [f"http://{self.dev_server_ip}:{port}", f"http://localhost:{port}"]

    @property
    def temporal_ui_url(self) -> str:
        if self.temporal_ui_public_url:
            return self.temporal_ui_public_url.rstrip("/")
        if self.temporal_ui_upstream:
            return f"{self.api_url}{UI_PATH}"
        return f"http://{self.dev_server_ip}:{self.dev_server_ui_port}{UI_PATH}"


# The dev server's UI lives under this path (--ui-public-path), on its own port and behind the API.
UI_PATH = "/temporal"


@lru_cache
def get_settings() -> Settings:
    return Settings()
