"""AES-GCM payload encryption: applicants' personal data never reaches Temporal in plaintext.

Wire format as in temporalio/samples-python ``encryption``: metadata ``encoding`` =
``binary/encrypted`` and ``encryption-key-id``; data = 12-byte nonce + ciphertext of the
serialized original payload. Key rotation: encode with the current key, decode with any key
still configured (keep retired keys until every history using them has expired).

Keys come from ``GONGKAI_CODEC_KEYS`` (``id:base64key,id:base64key``; the last, or
``GONGKAI_CODEC_CURRENT_KEY``, encodes) or, for a local install, from ``var/codec.keys``, which
is created with a fresh random key on first use. Nothing secret is in the repository.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class CodecKeyError(ValueError):
    pass


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise CodecKeyError(f"current key {current!r} is not among the configured keys")
        for kid, key in keys.items():
            if len(key) != 32:
                raise CodecKeyError(f"key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current = current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.current]
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: self.current.encode()},
                    data=nonce + cipher.encrypt(nonce, p.SerializeToString(), None),
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                out.append(p)
                continue
            kid = p.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise CodecKeyError(f"payload encrypted with unknown key {kid!r}")
            out.append(Payload.FromString(cipher.decrypt(p.data[:12], p.data[12:], None)))
        return out


def parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, b64 = item.partition(":")
        if not sep or not kid:
            raise CodecKeyError("codec keys look like 'id:base64key,id:base64key'")
        keys[kid] = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    if not keys:
        raise CodecKeyError("no codec keys configured")
    return keys


def new_key_spec(kid: str = "k1") -> str:
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def local_key_spec(var_dir: Path) -> str:
    """The local install's key ring, created on first use (mode 0600)."""
    path = var_dir / "codec.keys"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key_spec() + "\n")
    return path.read_text().strip()


def build_codec(keys_spec: str, current: str | None = None) -> EncryptionCodec:
    keys = parse_keys(keys_spec)
    return EncryptionCodec(keys, current or list(keys)[-1])
