"""AES-GCM payload encryption: applicants' personal data never reaches Temporal in plaintext, and
nothing reaches a workflow that Gongkai did not write.

Wire format as in temporalio/samples-python ``encryption``: metadata ``encoding`` =
``binary/encrypted`` and ``encryption-key-id``; data = 12-byte nonce + ciphertext of the
serialized original payload. Key rotation: encode with the current key, decode with any key
still configured (keep retired keys until every history using them has expired).

**Scope.** Every payload is bound to the workflow it belongs to (its case number): the SDK tells
the codec which workflow a payload is for (serialization context), the ID goes into the metadata
(``gk-scope``) and into the AES-GCM associated data, so it cannot be changed without the key. On
decode, a payload scoped to another workflow is refused (a payload copied from case A's history
into an update of case B), and the codec endpoint decrypts a payload only for a supervisor of the
agency that holds that case.

**Refusal.** Anyone who reaches Temporal's frontend can send an Update; authenticated encryption
proves the sender holds the key. A payload that is not encrypted, uses an unknown key, fails the
tag or belongs to another workflow is not decoded: it is replaced by a payload of encoding
``binary/gongkai-refused``, which no converter accepts, so the SDK rejects the Update (or drops the
signal) without failing the workflow task — a forged message can neither act nor freeze a case.

Keys come from ``GONGKAI_CODEC_KEYS`` (``id:base64key,id:base64key``; the last, or
``GONGKAI_CODEC_CURRENT_KEY``, encodes) or, for a local install, from ``var/codec.keys``, which
is created with a fresh random key on first use. Nothing secret is in the repository.
"""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from gongkai.logs import get_logger

ENCODING = b"binary/encrypted"
REFUSED = b"binary/gongkai-refused"
KEY_ID = "encryption-key-id"
SCOPE = "gk-scope"
log = get_logger(__name__)


class CodecKeyError(ValueError):
    pass


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, keys: dict[str, bytes], current: str, scope: str | None = None) -> None:
        if current not in keys:
            raise CodecKeyError(f"current key {current!r} is not among the configured keys")
        for kid, key in keys.items():
            if len(key) != 32:
                raise CodecKeyError(f"key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        self._keys = keys
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current = current
        # The workflow these payloads belong to (None outside any workflow context).
        self.scope = scope

    def with_context(self, context: SerializationContext) -> Self:
        scope = getattr(context, "workflow_id", None)
        if scope == self.scope:
            return self
        bound = copy.copy(self)  # the same keys and ciphers, bound to another workflow
        bound.scope = scope
        return bound

    def seal(self, data: bytes, label: str) -> bytes:
        """Encrypt a file (an attachment) for storage: ``key id \\n nonce ciphertext``, the
        ``label`` (its digest) authenticated with it, so a file cannot be passed off as
        another."""
        nonce = os.urandom(12)
        sealed = self._ciphers[self.current].encrypt(nonce, data, f"gk-file:{label}".encode())
        return self.current.encode() + b"\n" + nonce + sealed

    def unseal(self, blob: bytes, label: str) -> bytes:
        """The file ``seal`` stored under ``label`` (raises on a wrong key, label or byte)."""
        kid, _, rest = blob.partition(b"\n")
        cipher = self._ciphers.get(kid.decode(errors="replace"))
        if cipher is None:
            raise CodecKeyError(f"the file is sealed with key {kid!r}, which is not configured")
        return cipher.decrypt(rest[:12], rest[12:], f"gk-file:{label}".encode())

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.current]
        aad = self.scope.encode() if self.scope else None
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            metadata = {"encoding": ENCODING, KEY_ID: self.current.encode()}
            if aad is not None:
                metadata[SCOPE] = aad
            out.append(
                Payload(
                    metadata=metadata,
                    data=nonce + cipher.encrypt(nonce, p.SerializeToString(), aad),
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt what Gongkai wrote for this workflow; refuse (never raise on) the rest."""
        out = []
        for p in payloads:
            try:
                out.append(self.open(p, expected_scope=self.scope))
            except CodecKeyError as exc:
                log.warning("payload refused", workflow=self.scope, reason=str(exc))
                out.append(refused(str(exc)))
        return out

    def open(self, p: Payload, expected_scope: str | None) -> Payload:
        """Verify and decrypt one payload, or raise :class:`CodecKeyError` saying why not."""
        if p.metadata.get("encoding", b"") != ENCODING:
            raise CodecKeyError("payload is not encrypted with a Gongkai key")
        kid = p.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise CodecKeyError(f"payload encrypted with unknown key {kid!r}")
        scope = p.metadata.get(SCOPE)
        if (
            scope is not None
            and expected_scope is not None
            and not _same_workflow(scope.decode(errors="replace"), expected_scope)
        ):
            raise CodecKeyError("payload belongs to another workflow")
        if len(p.data) < 28:
            raise CodecKeyError("payload too short to be encrypted")
        try:
            plain = cipher.decrypt(p.data[:12], p.data[12:], scope)
        except InvalidTag as exc:
            raise CodecKeyError("payload failed authentication") from exc
        return Payload.FromString(plain)

    def decode_readable(
        self, payloads: Sequence[Payload], may_read: Callable[[str | None], bool]
    ) -> tuple[list[Payload], int]:
        """For the codec endpoint: decrypt the payloads whose workflow the caller may read;
        leave the others as they are (still encrypted). Returns them and how many were left."""
        out, withheld = [], 0
        for p in payloads:
            scope = p.metadata.get(SCOPE)
            owner = scope.decode(errors="replace") if scope is not None else None
            if p.metadata.get("encoding", b"") != ENCODING or not may_read(owner):
                out.append(p)
                withheld += p.metadata.get("encoding", b"") == ENCODING
                continue
            try:
                out.append(self.open(p, expected_scope=None))
            except CodecKeyError:
                out.append(p)
                withheld += 1
        return out, withheld


def _same_workflow(scope: str, workflow_id: str) -> bool:
    # A Temporal Schedule starts its workflow under its action's ID plus a timestamp suffix.
    return workflow_id == scope or workflow_id.startswith(scope + "-")


def refused(reason: str) -> Payload:
    return Payload(metadata={"encoding": REFUSED}, data=reason.encode()[:200])


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


def derived_keys(keys_spec: str, purpose: str) -> dict[str, bytes]:
    """Keys for another use than encryption, one per configured codec key (HMAC-SHA256 of the
    purpose under the codec key): whoever lacks the codec keys cannot compute them, and a key
    kept for decoding old histories keeps the digests made under it comparable."""
    import hashlib
    import hmac

    return {
        kid: hmac.new(key, purpose.encode(), hashlib.sha256).digest()
        for kid, key in parse_keys(keys_spec).items()
    }
