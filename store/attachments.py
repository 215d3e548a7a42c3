"""Files attached to a case: checked by their content (not their name), limited in size, stored
under ``var/files/<aa>/<digest>`` encrypted with the codec keys (the digest, the SHA-256 of the
content, is authenticated with it), and listed in the read model. Temporal's histories hold only
the reference (:class:`schemas.disclosure.AttachmentRef`)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from gongkai.codec import EncryptionCodec
from gongkai.files import make_private_dir
from schemas.case import AttachmentRef
from store.db import session_scope
from store.models import AttachmentRow

# What an applicant may attach, by the first bytes (a ZIP is a DOCX or an OFD by its entries).
KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/ofd": "OFD",
}
ALLOWED = "、".join(KINDS.values())


class AttachmentRefused(ValueError):
    """The file is not taken (its type, its size, the case's total): the message says why."""


def sniff(data: bytes) -> str | None:
    """The file's type by its content, or None if it is none Gongkai takes."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "OFD.xml" in names:
            return "application/ofd"
    return None


def _path(root: Path, digest: str) -> Path:
    return root / digest[:2] / digest


def case_total(engine: Engine, case_no: str) -> int:
    with Session(engine) as s:
        total = s.exec(
            select(func.coalesce(func.sum(AttachmentRow.size), 0)).where(
                AttachmentRow.case_no == case_no
            )
        ).one()
    return int(total)


def check(data: bytes, name: str, *, max_bytes: int) -> str:
    """The file's media type, or AttachmentRefused saying what is wrong with it."""
    if not data:
        raise AttachmentRefused(f"附件“{name}”是空文件。")
    if len(data) > max_bytes:
        raise AttachmentRefused(
            f"附件“{name}”大小为{len(data) / 2**20:.1f} MB，"
            f"超过单个文件{max_bytes // 2**20} MB的上限。"
        )
    media = sniff(data)
    if media is None:
        raise AttachmentRefused(
            f"附件“{name}”不是可接收的文件类型（按文件内容判断，不看扩展名）：只接收{ALLOWED}。"
        )
    return media


def save(
    engine: Engine,
    root: Path,
    codec: EncryptionCodec,
    case_no: str,
    files: list[tuple[str, bytes]],
    *,
    purpose: str,
    uploaded_by: str,
    at: datetime,
    max_bytes: int,
    case_max_bytes: int,
) -> list[AttachmentRef]:
    """Check every file first, then store them all (nothing is kept if one is refused)."""
    checked = [
        (name[:200] or "附件", data, check(data, name, max_bytes=max_bytes)) for name, data in files
    ]
    total = case_total(engine, case_no) + sum(len(d) for _, d, _ in checked)
    if total > case_max_bytes:
        raise AttachmentRefused(
            f"本案附件合计将达{total / 2**20:.1f} MB，超过每案{case_max_bytes // 2**20} MB的上限。"
        )
    refs = []
    for name, data, media in checked:
        digest = hashlib.sha256(data).hexdigest()
        path = _path(root, digest)
        if not path.exists():
            make_private_dir(path.parent)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(codec.seal(data, digest))
            os.replace(tmp, path)
        with session_scope(engine) as s:
            if _row(s, case_no, digest) is None:
                s.add(
                    AttachmentRow(
                        case_no=case_no,
                        digest=digest,
                        name=name,
                        media_type=media,
                        size=len(data),
                        purpose=purpose,
                        uploaded_by=uploaded_by,
                        uploaded_at=at,
                    )
                )
        refs.append(AttachmentRef(digest=digest, name=name, size=len(data), media_type=media))
    return refs


def _row(s: Session, case_no: str, digest: str) -> AttachmentRow | None:
    """The case's attachment with this digest (a file attached to two cases has a row each)."""
    query = select(AttachmentRow).where(
        AttachmentRow.case_no == case_no, AttachmentRow.digest == digest
    )
    return s.exec(query).first()


def listed(engine: Engine, case_no: str) -> list[AttachmentRow]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AttachmentRow)
                .where(AttachmentRow.case_no == case_no)
                .order_by(col(AttachmentRow.uploaded_at), col(AttachmentRow.id))
            )
        )


def load(
    engine: Engine, root: Path, codec: EncryptionCodec, case_no: str, digest: str
) -> tuple[AttachmentRow, bytes] | None:
    """The attachment of this case with this digest, decrypted (None if the case has none)."""
    if len(digest) != 64:
        return None
    with Session(engine) as s:
        row = _row(s, case_no, digest)
    if row is None:
        return None
    return row, codec.unseal(_path(root, digest).read_bytes(), digest)


def files_dir(var_dir: Path) -> Path:
    return var_dir / "files"


def release(
    engine: Engine, case_no: str, digest: str, by: str | None, at: datetime
) -> AttachmentRow | None:
    """Make an agency's file of this case available to the applicant (``by``), or withdraw it
    (``by`` None). Applicants' own files are theirs already; None if there is no such file."""
    with session_scope(engine) as s:
        row = s.exec(
            select(AttachmentRow).where(
                AttachmentRow.case_no == case_no, AttachmentRow.digest == digest[:64]
            )
        ).first()
        if row is None or row.uploaded_by == "applicant":
            return None
        row.released_by, row.released_at = (by, at) if by else (None, None)
        s.add(row)
        return row


def for_applicant(row: AttachmentRow) -> bool:
    """The applicant may open it: their own, or one the agency released to them."""
    return row.uploaded_by == "applicant" or row.released_at is not None
