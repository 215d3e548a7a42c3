"""Personal data in free text (个人信息保护法 Arts. 6, 28; GIDR Art. 15): finding it and masking
it before a text people wrote is published, and the minimum an officer needs to see of an
identity number.

Pure functions: the workbench pre-masks a 留言's public text with :func:`mask_personal`, the
inquiry workflow refuses a public text in which :func:`personal_left` still finds something, and
the officer's view of an applicant shows :func:`mask_id_number`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rules.limits import resident_id_problem

# 18-character 居民身份证 numbers (checked by their check character below) and 15-digit old ones.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mainland mobiles (11 digits from 13–19, spaces or dashes in 3-4-4 allowed, +86 optional) and
# landlines with their area code.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A home address's numbers: building, unit, floor and flat (5号楼302 → *号楼***).
_DOOR = re.compile(
    r"\d+(?=\s*(?:号楼|栋|幢|单元|层|室|号院|号))"  # the number before 号楼, 单元…
    r"|(?:(?<=号楼)|(?<=单元)|(?<=[栋幢]))\d{2,5}"  # a flat's number right after them
)

KIND_ZH = {
    "id_number": "身份证号码",
    "phone": "电话号码",
    "email": "电子邮箱",
    "name": "留言人姓名",
}


def mask_id_number(number: str) -> str:
    """1101011990…1234 → 1101**********1234: the first four (the region) and the last four, the
    rest starred; a short number keeps only its last two."""
    number = number.strip()
    if not number:
        return ""
    if len(number) >= 10:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    return "*" * max(1, len(number) - 2) + number[-2:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳修 → 欧**."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _is_id(candidate: str) -> bool:
    return len(candidate) == 15 or resident_id_problem(candidate) is None


def _names(names: Iterable[str]) -> list[str]:
    """The names to look for, longest first (a two-character name inside a longer one)."""
    return sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """The text with identity numbers, phone numbers, e-mail addresses, the numbers of a home
    address (building, unit, flat) and the given names masked (an officer edits further before
    it is published)."""
    text = _ID.sub(lambda m: mask_id_number(m.group(1)) if _is_id(m.group(1)) else m.group(0), text)
    text = _MOBILE.sub(lambda m: _mask_digits(m.group(0)), text)
    text = _LANDLINE.sub(lambda m: _mask_digits(m.group(0)), text)
    text = _EMAIL.sub(lambda m: m.group(0)[:1] + "***@***", text)
    text = _DOOR.sub(lambda m: "*" * len(m.group(0)), text)
    for name in _names(names):
        text = text.replace(name, mask_name(name))
    return text


def _mask_digits(number: str) -> str:
    """13912345678 → 139****5678; 010-12345678 → 010-****5678."""
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    hide = set(digits[-8:-4]) if len(digits) >= 8 else set(digits[:-2])
    return "".join("*" if i in hide else ch for i, ch in enumerate(number))


def personal_left(text: str, names: Iterable[str] = ()) -> list[str]:
    """What personal data :func:`mask_personal` would still mask in the text, by kind (empty
    when none is left)."""
    found = []
    if any(_is_id(m.group(1)) for m in _ID.finditer(text)):
        found.append("id_number")
    if _MOBILE.search(text) or _LANDLINE.search(text):
        found.append("phone")
    if _EMAIL.search(text):
        found.append("email")
    if any(name in text for name in _names(names)):
        found.append("name")
    return found


def identity_material(
    id_type: str, id_number: str, name: str, phone: str, email: str
) -> tuple[list[str], list[str]]:
    """What identifies an applicant for GIDR Art. 36(6) (不予重复处理 applies only to the same
    applicant, LAW.md §6B): the identity document (its type and number), and — what counts
    where no document was given — the name with each contact (telephone, e-mail). Normalised
    so that spacing, letter case and a +86 prefix do not make two applicants of one; these
    strings are never stored: the read model keeps only their keyed hashes
    (store/applicants.py)."""
    number = "".join(id_number.split()).upper()
    documents = [f"id:{''.join(id_type.split())}:{number}"] if number else []
    person = "".join(name.split())
    contacts = []
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if person and digits:
        contacts.append(f"phone:{person}:{digits}")
    mail = email.strip().lower()
    if person and mail:
        contacts.append(f"email:{person}:{mail}")
    return documents, contacts
