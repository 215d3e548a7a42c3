"""How `gongkai.temporal.connect` turns GONGKAI_TEMPORAL_* settings into a connection: plaintext
for the compose stack, an API key (TLS implied) or mTLS for Temporal Cloud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, TLSConfig

from gongkai.settings import Settings
from gongkai.temporal import connect
from tests.conftest import TEST_KEY


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The arguments connect() hands to the SDK (nothing is dialled)."""
    seen: dict[str, Any] = {}

    async def fake_connect(target_host: str, **kwargs: Any) -> str:
        seen.update(kwargs, target_host=target_host)
        return "client"

    monkeypatch.setattr(Client, "connect", staticmethod(fake_connect))
    return seen


async def test_compose_stack_is_plaintext(connected: dict[str, Any]) -> None:
    await connect(Settings(temporal_address="temporal:7233", codec_keys=TEST_KEY))
    assert connected["target_host"] == "temporal:7233"
    assert not connected["tls"]  # None without an API key: the SDK leaves TLS off
    assert connected["api_key"] is None


async def test_cloud_api_key_implies_tls(connected: dict[str, Any]) -> None:
    await connect(
        Settings(
            temporal_address="ap-northeast-1.aws.api.temporal.io:7233",
            temporal_namespace="gongkai.a1b2c",
            temporal_api_key="secret-key",
            codec_keys=TEST_KEY,
        )
    )
    assert connected["api_key"] == "secret-key"
    assert connected["namespace"] == "gongkai.a1b2c"
    # False would force plaintext, which Temporal Cloud refuses; None lets the SDK enable TLS.
    assert connected["tls"] is None or connected["tls"] is True


async def test_cloud_mtls_reads_cert_and_key(connected: dict[str, Any], tmp_path: Path) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    await connect(
        Settings(
            temporal_address="gongkai.a1b2c.tmprl.cloud:7233",
            temporal_tls_cert=cert,
            temporal_tls_key=key,
            codec_keys=TEST_KEY,
        )
    )
    tls = connected["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key) == (b"CERT", b"KEY")
    assert tls.server_root_ca_cert is None  # Cloud's certificate chains to the system roots


async def test_tls_flag_with_private_ca(connected: dict[str, Any], tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"CA")
    await connect(Settings(temporal_tls=True, temporal_tls_ca=ca, codec_keys=TEST_KEY))
    tls = connected["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == b"CA" and tls.client_cert is None
