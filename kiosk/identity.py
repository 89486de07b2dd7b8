"""Identity document numbers, mobile numbers, and masking for screen and paper.

Every check returns `Problem`s whose messages are shown to the citizen as they are,
so each one says what is wrong and what to do, and a number gets one error at a time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from kiosk.problems import Problem

Sex = Literal["male", "female"]


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证, GB 11643-1999
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    FOREIGNER_PERMANENT = "foreigner_permanent_residence"  # 外国人永久居留身份证
    HK_MACAU_PERMIT = "hk_macau_travel_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_travel_permit"  # 台湾居民来往大陆通行证
    PASSPORT = "passport"  # 护照


ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT_ID: "居民身份证",
    IdType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    IdType.FOREIGNER_PERMANENT: "外国人永久居留身份证",
    IdType.HK_MACAU_PERMIT: "港澳居民来往内地通行证",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    IdType.PASSPORT: "护照",
}

# Types whose 18-character number carries birth date (digits 7-14) and sex (digit 17).
# An old 15-character foreigner card has no decoded birth date, so callers still get None.
ID_KINDS_WITH_BIRTH_DATE: frozenset[IdType] = frozenset(
    {IdType.RESIDENT_ID, IdType.HMT_RESIDENCE_PERMIT, IdType.FOREIGNER_PERMANENT}
)

# What the messages call the number, short enough for a large-text screen.
_NOUN: dict[IdType, str] = {
    IdType.RESIDENT_ID: "身份证号码",
    IdType.HMT_RESIDENCE_PERMIT: "居住证号码",
    IdType.FOREIGNER_PERMANENT: "永久居留身份证号码",
    IdType.HK_MACAU_PERMIT: "通行证号码",
    IdType.TAIWAN_PERMIT: "通行证号码",
    IdType.PASSPORT: "护照号码",
}

PROVINCE_CODES: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in [
        *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
        *range(50, 55), *range(61, 66), 71, 81, 82,
    ]
)  # fmt: skip
HMT_PREFIXES: tuple[str, ...] = ("810000", "820000", "830000")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1900

# Dash-like characters a Chinese or Western keyboard may produce between digit groups.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Explicit ASCII classes: `\d` would also accept Arabic-Indic and other digits.
_RE_OLD_FOREIGNER = re.compile(r"[A-Z]{3}[0-9]{12}")
_RE_ALNUM = re.compile(r"[A-Z0-9]+")
_RE_DIGITS = re.compile(r"[0-9]+")
_RE_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize(raw: str) -> str:
    """Full-width to ASCII, no whitespace, dashes or invisible marks, letters upper-case."""
    s = raw
    # Removing a separator can bring a combining mark next to a new base letter, and upper-casing
    # can un-normalise a pair, so repeat until stable; real input settles in one or two rounds.
    for _ in range(5):
        t = unicodedata.normalize("NFKC", s)
        t = "".join(
            c for c in t if not (c.isspace() or c in _DASHES or unicodedata.category(c) == "Cf")
        )
        t = t.upper()
        if t == s:
            break
        s = t
    return s


@dataclass(frozen=True)
class IdCheck:
    number: str  # normalised
    problems: list[Problem] = field(default_factory=list)
    birth_date: date | None = None  # only when the number is accepted and encodes it
    sex: Sex | None = None

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def check_id_type(value: str, *, path: str = "id_type") -> list[Problem]:
    if not value or not value.strip():
        return [Problem(path, "请选择证件类型", "id_type.missing")]
    try:
        IdType(value)
    except ValueError:
        return [Problem(path, "证件类型不对，请重新选择证件类型", "id_type.unknown")]
    return []


def check_id(
    id_type: IdType | str,
    raw: str,
    *,
    path: str = "id_number",
    today: date | None = None,
) -> IdCheck:
    number = normalize(raw)
    try:
        kind = IdType(id_type)
    except ValueError:
        return IdCheck(number, [Problem(path, "请先选择证件类型", "id_type.unknown")])
    noun = _NOUN[kind]
    if not number:
        return IdCheck(number, [Problem(path, f"请输入{noun}", "id.empty")])
    today = today or date.today()

    if kind is IdType.RESIDENT_ID:
        return _check_resident(number, path, today)
    if kind is IdType.HMT_RESIDENCE_PERMIT:
        return _check_hmt_permit(number, path, today)
    if kind is IdType.FOREIGNER_PERMANENT:
        return _check_foreigner(number, path, today)
    if kind is IdType.HK_MACAU_PERMIT:
        return IdCheck(number, _check_hk_macau(number, path))
    if kind is IdType.TAIWAN_PERMIT:
        return IdCheck(number, _check_taiwan(number, path))
    return IdCheck(number, _check_passport(number, path))


def check_char(body17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def _problem(path: str, code: str, message: str) -> list[Problem]:
    return [Problem(path, message, code)]


def _shape_18(number: str, noun: str, path: str) -> list[Problem]:
    """Characters, then length: a mistyped number gets the one message that explains it."""
    if not re.fullmatch(r"[0-9X]+", number) or "X" in number[:-1]:
        return _problem(path, "id.format", f"{noun}只能包含数字，最后一位可以是X，请核对后重新输入")
    if len(number) != 18:
        return _problem(
            path, "id.length", f"{noun}应为18位，您输入了{len(number)}位，请核对后重新输入"
        )
    return []


def _date_and_check(number: str, noun: str, path: str, today: date) -> list[Problem]:
    # The date goes before the check character: when both fail, the typo is in the date,
    # and saying so points the citizen at the right digits.
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return _problem(
            path, "id.birth_date", f"{noun}中的出生日期（第7到14位）不是有效日期，请核对后重新输入"
        )
    if born.year < _EARLIEST_BIRTH_YEAR:
        return _problem(
            path,
            "id.birth_date_too_early",
            f"{noun}中的出生年份（第7到10位）早于1900年，请核对后重新输入",
        )
    if born > today:
        return _problem(
            path,
            "id.birth_date_future",
            f"{noun}中的出生日期（第7到14位）晚于今天，请核对后重新输入",
        )
    if number[17] != check_char(number[:17]):
        return _problem(path, "id.check_digit", f"{noun}最后一位校验码不对，请核对后重新输入")
    return []


def _accepted(number: str, problems: list[Problem]) -> IdCheck:
    """Birth date and sex of an 18-character number that has no error."""
    if any(p.severity == "error" for p in problems):
        return IdCheck(number, problems)
    sex: Sex = "male" if int(number[16]) % 2 else "female"
    return IdCheck(number, problems, ric.get_birth_date(number), sex)


def _check_resident(number: str, path: str, today: date) -> IdCheck:
    noun = _NOUN[IdType.RESIDENT_ID]
    if len(number) == 15 and number.isascii() and number.isdigit():
        return IdCheck(
            number,
            _problem(
                path,
                "id.old_15_digit",
                "15位的老身份证号码已经停用，请输入18位的身份证号码",
            ),
        )
    problems = _shape_18(number, noun, path)
    if problems:
        return IdCheck(number, problems)
    if number.startswith("9"):
        return IdCheck(
            number,
            _problem(
                path,
                "id.wrong_type",
                "这个号码以9开头，像是外国人永久居留身份证号码，请返回重新选择证件类型",
            ),
        )
    if number.startswith("830000"):
        return IdCheck(
            number,
            _problem(
                path,
                "id.wrong_type",
                "这个号码像是港澳台居民居住证号码，请返回重新选择证件类型",
            ),
        )
    if number[:2] not in PROVINCE_CODES:
        return IdCheck(
            number,
            _problem(path, "id.province", "身份证号码开头两位不对，请核对后重新输入"),
        )
    problems = _date_and_check(number, noun, path, today)
    if problems:
        return IdCheck(number, problems)
    if number[:6] in HMT_PREFIXES:
        # 81/82 are valid province codes, but these exact prefixes are the permits' own.
        problems = [
            Problem(
                path,
                "这个号码像是港澳台居民居住证号码；如果是，请返回重新选择证件类型",
                "id.wrong_type",
                "warning",
            )
        ]
    else:
        problems = _area_warnings(number, path)
    return _accepted(number, problems)


def _area_warnings(number: str, path: str) -> list[Problem]:
    """Warn, never refuse, when the library cannot place the county code.

    Its table lags new counties, and it ties a code to the birth year although a number is
    assigned where the person was registered when it was issued, often decades later.
    """
    try:
        ric.get_birth_place(number)
        return []
    except (ValidationError, KeyError):
        # python-stdnum 2.2 raises KeyError, not a ValidationError, for a county code it does
        # not know inside a province it does know.
        pass
    parts = numdb.get("cn/loc").info(number[:6])
    known_county = any("county" in props for _, props in parts)
    code = "id.area_not_in_use" if known_county else "id.unknown_area"
    return [
        Problem(
            path,
            "身份证号码前6位的地区代码未能核对，请再确认一遍号码",
            code,
            "warning",
        )
    ]


def _check_hmt_permit(number: str, path: str, today: date) -> IdCheck:
    noun = _NOUN[IdType.HMT_RESIDENCE_PERMIT]
    problems = _shape_18(number, noun, path)
    if problems:
        return IdCheck(number, problems)
    if number[:6] not in HMT_PREFIXES:
        return IdCheck(
            number,
            _problem(
                path,
                "id.prefix",
                "港澳台居民居住证号码应以810000、820000或830000开头，请核对；"
                "如果您持的是居民身份证，请返回重新选择证件类型",
            ),
        )
    return _accepted(number, _date_and_check(number, noun, path, today))


def _check_foreigner(number: str, path: str, today: date) -> IdCheck:
    noun = _NOUN[IdType.FOREIGNER_PERMANENT]
    # Cards of the 2017 layout (3 letters + 12 digits) stay valid until they expire.
    if len(number) == 15 and number[:1].isalpha():
        if _RE_OLD_FOREIGNER.fullmatch(number):
            return IdCheck(number, [])
        return IdCheck(
            number,
            _problem(
                path,
                "id.format",
                "旧版永久居留身份证号码应为3个英文字母加12位数字，请核对后重新输入",
            ),
        )
    problems = _shape_18(number, noun, path)
    if problems:
        return IdCheck(number, problems)
    # Layout: 9, issuing province (2), nationality (3), birth date (8), sequence (3), check.
    # Only the leading 9, the date and the check character are validated: a wrong guess about
    # the codes in between would refuse a real card.
    if not number.startswith("9"):
        return IdCheck(
            number,
            _problem(
                path,
                "id.prefix",
                "新版永久居留身份证号码应以9开头，请核对；"
                "如果您持的是居民身份证，请返回重新选择证件类型",
            ),
        )
    return _accepted(number, _date_and_check(number, noun, path, today))


def _check_hk_macau(number: str, path: str) -> list[Problem]:
    noun = _NOUN[IdType.HK_MACAU_PERMIT]
    if not _RE_ALNUM.fullmatch(number):
        return _problem(path, "id.format", f"{noun}只能包含英文字母和数字，请核对后重新输入")
    if number[0] not in "HM":
        return _problem(
            path, "id.prefix", "港澳居民来往内地通行证号码应以字母H或M开头，请核对后重新输入"
        )
    digits = number[1:]
    if not _RE_DIGITS.fullmatch(digits):
        return _problem(path, "id.format", f"{noun}在H或M后面应全是数字，请核对后重新输入")
    if len(digits) not in (8, 10):
        return _problem(
            path,
            "id.length",
            f"{noun}应为H或M加8位或10位数字，您输入了{len(digits)}位数字，请核对后重新输入",
        )
    return []


def _check_taiwan(number: str, path: str) -> list[Problem]:
    noun = _NOUN[IdType.TAIWAN_PERMIT]
    if not _RE_DIGITS.fullmatch(number):
        return _problem(path, "id.format", f"{noun}只能包含数字，请核对后重新输入")
    if len(number) not in (8, 10):
        return _problem(
            path,
            "id.length",
            f"{noun}应为8位或10位数字，您输入了{len(number)}位，请核对后重新输入",
        )
    return []


def _check_passport(number: str, path: str) -> list[Problem]:
    noun = _NOUN[IdType.PASSPORT]
    if not _RE_ALNUM.fullmatch(number):
        return _problem(path, "id.format", f"{noun}只能包含英文字母和数字，请核对后重新输入")
    if not 5 <= len(number) <= 20:
        return _problem(
            path,
            "id.length",
            f"{noun}应为5到20位，您输入了{len(number)}位，请核对后重新输入",
        )
    return []


def _drop_country_code(number: str) -> str:
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :]
    return number


def check_mobile(raw: str, *, path: str = "phone") -> tuple[str, list[Problem]]:
    """A mainland mobile number without its +86; operator prefixes change, so only 1[3-9]."""
    number = _drop_country_code(normalize(raw))
    if not number:
        return number, _problem(path, "phone.empty", "请输入手机号码")
    if number.startswith("+") or number.startswith("00"):
        return number, _problem(
            path, "phone.country", "目前只能填写中国大陆的手机号码（11位，以1开头）"
        )
    if not _RE_DIGITS.fullmatch(number):
        return number, _problem(path, "phone.format", "手机号码只能包含数字，请核对后重新输入")
    if len(number) != 11:
        return number, _problem(
            path, "phone.length", f"手机号码应为11位，您输入了{len(number)}位，请核对后重新输入"
        )
    if not _RE_MOBILE.fullmatch(number):
        return number, _problem(
            path, "phone.prefix", "手机号码开头不对，应以13到19开头，请核对后重新输入"
        )
    return number, []


def _mask_middle(s: str) -> str:
    """Keep at most 2 characters at each end and never more than half of them."""
    budget = len(s) // 2
    head = min(2, (budget + 1) // 2)
    tail = min(2, budget - head)
    return s[:head] + "*" * (len(s) - head - tail) + (s[len(s) - tail :] if tail else "")


def mask_id(number: str) -> str:
    n = normalize(number)
    if len(n) == 18:
        return n[:6] + "*" * 8 + n[-4:]
    return _mask_middle(n)


def mask_phone(number: str) -> str:
    n = normalize(number)
    local = _drop_country_code(n)
    if len(local) == 11:
        return local[:3] + "****" + local[-4:]
    return _mask_middle(n)


def mask_name(name: str) -> str:
    """张* / 张*明 / 欧**华: the first character, and the last one from three characters on."""
    n = name.strip()
    if len(n) <= 1:
        return n
    if len(n) == 2:
        return n[0] + "*"
    return n[0] + "*" * (len(n) - 2) + n[-1]
