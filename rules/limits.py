"""Limits on everything a person types or sends, in one place.

Every text field has a length limit and refuses what no clerk types on purpose but an attacker
or a broken client sends: NUL and other control characters (PostgreSQL refuses NUL outright),
the bidirectional overrides that make a line display differently from what it is (U+202E), and
names made only of spaces or zero-width characters. Every instant and date lies between 2000 and
2100: beyond that no statutory date is meaningful and ``datetime`` arithmetic overflows.
Messages are Chinese: they reach the officer or applicant as they are.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from rules.calendar import SHANGHAI

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# Explicit directional formatting (Unicode bidi algorithm, UAX #9): embeddings, overrides,
# isolates and the implicit marks.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u3000 \t\r\n")


def _no_hostile_characters(value: str, *, multiline: bool) -> str:
    if "\x00" in value:
        raise ValueError("不能含有空字符（NUL）")
    for ch in value:
        if ch in BIDI:
            raise ValueError(f"不能含有改变文字显示方向的控制符（U+{ord(ch):04X}）")
        if unicodedata.category(ch) in ("Cc", "Cs") and not (multiline and ch in "\n\r\t"):
            raise ValueError(f"不能含有控制字符（U+{ord(ch):04X}）")
    return value


def _line(value: str) -> str:
    return _no_hostile_characters(value, multiline=False)


def _text(value: str) -> str:
    return _no_hostile_characters(value, multiline=True)


def _visible(value: str) -> str:
    if value and all(ch in INVISIBLE for ch in value):
        raise ValueError("不能只含空白或不可见字符")
    return value


def _required(value: str) -> str:
    if not value.strip("".join(INVISIBLE)):
        raise ValueError("不能为空")
    return value


def _beijing(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value


def _instant_in_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    if not EARLIEST <= value < LATEST:
        raise ValueError("时间须在2000年至2099年之间")
    return value


def _day_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("日期须在2000年至2099年之间")
    return value


# An instant (Beijing time when given without an offset) and a date, both within 2000–2099.
Instant = Annotated[datetime, BeforeValidator(_beijing), AfterValidator(_instant_in_range)]
Day = Annotated[date, AfterValidator(_day_in_range)]

_LINE = (AfterValidator(_line), AfterValidator(_visible))
_TEXT = (AfterValidator(_text), AfterValidator(_visible))
_REQ = AfterValidator(_required)

# The lengths used across the schemas; ``…Req`` may not be blank.
Name = Annotated[str, StringConstraints(max_length=50), *_LINE, _REQ]  # a person's name
Short = Annotated[str, StringConstraints(max_length=100), *_LINE]  # a unit, a method, a phone
ShortReq = Annotated[str, StringConstraints(max_length=100), *_LINE, _REQ]
Place = Annotated[str, StringConstraints(max_length=200), *_LINE]  # an address, a party
PlaceReq = Annotated[str, StringConstraints(max_length=200), *_LINE, _REQ]
Brief = Annotated[str, StringConstraints(max_length=500), *_TEXT]  # a reason, comments
BriefReq = Annotated[str, StringConstraints(max_length=500), *_TEXT, _REQ]
Note = Annotated[str, StringConstraints(max_length=1000), *_TEXT]  # a note, an answer
NoteReq = Annotated[str, StringConstraints(max_length=1000), *_TEXT, _REQ]
Long = Annotated[str, StringConstraints(max_length=2000), *_TEXT]  # a description, the facts
LongReq = Annotated[str, StringConstraints(max_length=2000), *_TEXT, _REQ]

# An agency's code (case numbers, search attributes): letters, digits, dash, underscore.
AgencyCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
]


def line_problem(value: str, max_length: int, required: bool = False) -> str | None:
    """What is wrong with one line of text typed outside a schema (a command-line option), by
    the rules the schemas' types apply; None when nothing is."""
    if len(value) > max_length:
        return f"不超过{max_length}个字符（现为{len(value)}个）"
    try:
        _visible(_line(value))
        if required:
            _required(value)
    except ValueError as exc:
        return str(exc)
    return None


# -- what a clerk can mistype ---------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def phone_problem(value: str) -> str | None:
    """A mainland mobile (11 digits) or landline (area code, number, extension), spaces and a
    +86 prefix allowed; None when it is one."""
    digits = value.replace(" ", "").removeprefix("+86").removeprefix("86-")
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return None
    return "电话号码格式不对：手机号为11位（如13800138000），固定电话带区号（如010-12345678）"


def email_problem(value: str) -> str | None:
    if _EMAIL.fullmatch(value.strip()):
        return None
    return "电子邮箱格式不对（如 zhangsan@example.com）"


def resident_id_problem(value: str) -> str | None:
    """居民身份证号码 (GB 11643-1999): 18 characters, a real birth date, and the check character
    of ISO 7064 MOD 11-2. None when it is valid."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "居民身份证号码应为18位（最后一位可为X）"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期不存在，请核对"
    if not date(1900, 1, 1) <= born <= date(2100, 1, 1):
        return "居民身份证号码中的出生日期不合理，请核对"
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != check:
        return "居民身份证号码校验位不对，请核对是否输错"
    return None
