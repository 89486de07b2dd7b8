"""What a resident ID card says: the 256-byte text block of the read answer.

The block is UCS-2 little-endian in fixed fields (GA 467's machine-readable text;
the same offsets every public driver uses): name 15 characters, sex code 1, nation
code 2, birth date 8 (YYYYMMDD), address 35, ID number 18, issuing authority 15,
valid from 8, valid until 8 (or 长期), then 18 reserved, whose first character marks
the other cards with this layout ('J': 港澳台居民居住证; 'I': the foreigner's permanent
residence card, whose fields differ and are not read here).

The photo (1024 bytes, wlt) that follows the text is dropped in `from_read_answer`:
it is never decoded, shown or kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk import identity

TEXT_BYTES = 256
PHOTO_BYTES = 1024
# (field, characters), in order; 128 characters in all.
LAYOUT = (("name", 15), ("sex", 1), ("nation", 2), ("birth", 8), ("address", 35),
          ("id_number", 18), ("authority", 15), ("valid_from", 8), ("valid_until", 8),
          ("reserved", 18))
SEXES = {"1": "male", "2": "female"}  # GB/T 2261.1; 0 unknown and 9 unstated have no answer
SEX_WORDS = {"male": "男", "female": "女"}
# GB/T 3304 (民族), codes 01–56; 97 其他, 98 外国血统中国籍人士.
NATIONS = ("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
           "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
           "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
OTHER_NATIONS = {"97": "其他", "98": "外国血统中国籍人士"}


class CardError(Exception):
    """The reader answered, but what it read is not a card this kiosk can use."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind  # unreadable | unsupported


@dataclass(frozen=True, repr=False)
class Card:
    """The card's text, in memory only. Its repr is masked: a card that reaches a log
    line or a traceback by mistake still shows no personal data."""

    name: str
    sex: str | None  # male | female | None (not stated)
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date | None
    valid_until: date | None  # None: 长期 (valid for life)
    id_type: str = identity.IdType.RESIDENT_ID.value

    def __repr__(self) -> str:
        return f"Card({self.masked()})"

    __str__ = __repr__

    def masked(self) -> dict[str, str]:
        """What may be shown or printed for a technician: masked where the app masks."""
        return {"name": identity.mask_name(self.name), "sex": SEX_WORDS.get(self.sex or "", "未说明"),
                "birth_date": f"{self.birth_date.year}-**-**", "id_number": identity.mask_id(self.id_number),
                "address": self.address[:6] + "…" if len(self.address) > 6 else self.address,
                "id_type": self.id_type}


def _date(text: str, field: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise CardError("unreadable", f"{field} is not a date") from None


def _nation(code: str) -> str:
    if code in OTHER_NATIONS:
        return OTHER_NATIONS[code]
    if code.isdigit() and 1 <= int(code) <= len(NATIONS):
        return NATIONS[int(code) - 1]
    return ""


def parse_text(block: bytes) -> Card:
    """The 256-byte text block as a Card; CardError when it is not one."""
    if len(block) != TEXT_BYTES:
        raise CardError("unreadable", f"text block of {len(block)} bytes, not {TEXT_BYTES}")
    try:
        text = block.decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardError("unreadable", "text block is not UCS-2") from None
    fields: dict[str, str] = {}
    at = 0
    for name, width in LAYOUT:
        fields[name] = text[at:at + width].rstrip(" \0")
        at += width
    marker = fields["reserved"][:1]
    if marker == "I":
        raise CardError("unsupported", "a foreigner's permanent residence card")
    number = identity.normalize(fields["id_number"])
    if len(number) != 18 or not fields["name"]:
        raise CardError("unreadable", "no name or no 18-character number in the text block")
    until = fields["valid_until"]
    return Card(
        name=fields["name"], sex=SEXES.get(fields["sex"]), nation=_nation(fields["nation"]),
        birth_date=_date(fields["birth"], "birth"), address=fields["address"],
        id_number=number, authority=fields["authority"],
        valid_from=_date(fields["valid_from"], "valid_from") if fields["valid_from"] else None,
        valid_until=_date(until, "valid_until") if until[:1].isdigit() else None,
        id_type=(identity.IdType.HMT_RESIDENCE_PERMIT if marker == "J"
                 else identity.IdType.RESIDENT_ID).value,
    )


def from_read_answer(data: bytes) -> Card:
    """The data of a read answer: text length (2), photo length (2), text, photo. The
    photo is skipped over, never copied out."""
    if len(data) < 4:
        raise CardError("unreadable", "read answer too short")
    text_len = int.from_bytes(data[0:2], "big")
    if text_len != TEXT_BYTES or len(data) < 4 + text_len:
        raise CardError("unreadable", f"text length {text_len} in a {len(data)}-byte answer")
    return parse_text(data[4:4 + text_len])


def text_block(card: Card, *, marker: str = "") -> bytes:
    """The text block a card carries (the simulator's side, and the tests')."""
    sex = {"male": "1", "female": "2"}.get(card.sex or "", "9")
    nation = f"{NATIONS.index(card.nation) + 1:02d}" if card.nation in NATIONS else "97"
    values = {"name": card.name, "sex": sex, "nation": nation,
              "birth": card.birth_date.strftime("%Y%m%d"), "address": card.address,
              "id_number": card.id_number, "authority": card.authority,
              "valid_from": card.valid_from.strftime("%Y%m%d") if card.valid_from else "",
              "valid_until": card.valid_until.strftime("%Y%m%d") if card.valid_until else "长期",
              "reserved": marker}
    text = "".join(values[name][:width].ljust(width) for name, width in LAYOUT)
    return text.encode("utf-16-le")
