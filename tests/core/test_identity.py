from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from kiosk.identity import (
    ID_KINDS_WITH_BIRTH_DATE,
    ID_TYPE_LABELS,
    IdCheck,
    IdType,
    check_char,
    check_id,
    check_id_type,
    check_mobile,
    mask_id,
    mask_name,
    mask_phone,
    normalize,
)
from kiosk.problems import Problem

TODAY = date(2025, 6, 1)
PROVINCES = [
    *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
    *range(50, 55), *range(61, 66), 71, 81, 82,
]  # fmt: skip
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check(body17: str) -> str:
    """Written from the standard's formula, independently of the module under test."""
    return (
        body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True)) % 11]
    )


def make_id(area: str, born: date, seq: int) -> str:
    return with_check(f"{area}{born:%Y%m%d}{seq:03d}")


def stdnum_accepts(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # python-stdnum 2.2 fails this way on a county it does not know
        return False


def codes(result: IdCheck) -> list[str]:
    return [p.code for p in result.problems]


def check(kind: IdType, raw: str) -> IdCheck:
    return check_id(kind, raw, today=TODAY)


# Published sample number of GB 11643-1999: Beijing Chaoyang, born 1949-12-31, female.
SAMPLE = "11010519491231002X"


# ---- resident ID: examples -------------------------------------------------------------


def test_sample_number_is_accepted_and_decoded():
    result = check(IdType.RESIDENT_ID, SAMPLE)
    assert result.ok
    assert result.problems == []
    assert result.number == SAMPLE
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "female"


def test_stdnum_example_is_male():
    result = check(IdType.RESIDENT_ID, "360426199101010071")
    assert result.ok and result.problems == []
    assert result.sex == "male"
    assert result.birth_date == date(1991, 1, 1)


def test_lower_case_x_and_full_width_digits_are_accepted():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in SAMPLE[:-1]) + "ｘ"
    result = check(IdType.RESIDENT_ID, f"　{full_width} ")
    assert result.ok
    assert result.number == SAMPLE


def test_empty_number():
    result = check(IdType.RESIDENT_ID, "  　")
    assert codes(result) == ["id.empty"]
    assert not result.ok
    assert result.problems[0].message == "请输入身份证号码"


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002A", "1101051949123X0021", "张三", "１１０１０５ABC"],
)
def test_bad_characters(raw):
    assert codes(check(IdType.RESIDENT_ID, raw)) == ["id.format"]


def test_digits_of_other_scripts_are_not_digits():
    # str.isdigit() and `\d` accept these; an ID number must not.
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in SAMPLE[:-1]) + "X"
    assert codes(check(IdType.RESIDENT_ID, arabic_indic)) == ["id.format"]


def test_wrong_length_gets_one_message_with_the_count():
    result = check(IdType.RESIDENT_ID, SAMPLE[:17])
    assert codes(result) == ["id.length"]
    assert result.problems[0].message.startswith("身份证号码应为18位，您输入了17位")
    result = check(IdType.RESIDENT_ID, "3604261991010100711")
    assert codes(result) == ["id.length"]
    assert "您输入了19位" in result.problems[0].message


def test_old_15_digit_number_is_refused_with_its_own_message():
    result = check(IdType.RESIDENT_ID, "110105491231002")
    assert codes(result) == ["id.old_15_digit"]
    assert "18位" in result.problems[0].message
    assert result.birth_date is None and result.sex is None


def test_bad_province():
    number = make_id("001234", date(1980, 5, 6), 12)
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.province"]
    number = make_id("721234", date(1980, 5, 6), 12)
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.province"]


def test_foreigner_number_under_resident_id_points_to_the_type():
    number = make_id("911156", date(1980, 5, 6), 12)
    result = check(IdType.RESIDENT_ID, number)
    assert codes(result) == ["id.wrong_type"]
    assert result.problems[0].severity == "error"
    # The same number is a valid foreigner card.
    assert check(IdType.FOREIGNER_PERMANENT, number).ok


def test_taiwan_permit_under_resident_id_is_refused():
    number = make_id("830000", date(1980, 5, 6), 12)
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.wrong_type"]


def test_hong_kong_permit_prefix_under_resident_id_is_only_a_warning():
    number = make_id("810000", date(1960, 5, 6), 12)
    result = check(IdType.RESIDENT_ID, number)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("id.wrong_type", "warning")]


@pytest.mark.parametrize("ymd", ["19900230", "19901301", "19900001", "19000229", "19900100"])
def test_impossible_birth_date(ymd):
    number = with_check(f"110105{ymd}002")
    result = check(IdType.RESIDENT_ID, number)
    assert codes(result) == ["id.birth_date"]
    assert result.birth_date is None


def test_leap_day_is_a_real_date():
    assert check(IdType.RESIDENT_ID, with_check("11010520000229002")).ok


def test_birth_date_in_the_future():
    number = make_id("110105", date(2025, 6, 2), 2)
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.birth_date_future"]
    # Born today is possible (a newborn's number).
    assert check(IdType.RESIDENT_ID, make_id("110105", TODAY, 2)).ok


def test_future_is_relative_to_today_argument():
    number = make_id("110105", date(2025, 6, 2), 2)
    assert check_id(IdType.RESIDENT_ID, number, today=date(2025, 6, 2)).ok


def test_birth_date_before_1900():
    number = make_id("110105", date(1899, 12, 31), 2)
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.birth_date_too_early"]
    assert check(IdType.RESIDENT_ID, make_id("110105", date(1900, 1, 1), 2)).ok


def test_bad_check_digit_message():
    result = check(IdType.RESIDENT_ID, SAMPLE[:-1] + "1")
    assert codes(result) == ["id.check_digit"]
    assert result.problems[0].message == "身份证号码最后一位校验码不对，请核对后重新输入"
    assert result.birth_date is None and result.sex is None


def test_impossible_date_is_reported_before_check_digit():
    number = "110105199002300021"  # check character not recomputed
    assert codes(check(IdType.RESIDENT_ID, number)) == ["id.birth_date"]


def test_county_unknown_to_stdnum_is_accepted_with_a_warning():
    number = make_id("112000", date(1990, 1, 1), 1)
    assert not stdnum_accepts(number)
    result = check(IdType.RESIDENT_ID, number)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("id.unknown_area", "warning")]
    assert result.birth_date == date(1990, 1, 1)
    assert result.sex == "male"


def test_county_unknown_in_unknown_prefecture_is_a_warning():
    number = make_id("659999", date(1990, 1, 1), 1)
    assert not stdnum_accepts(number)
    result = check(IdType.RESIDENT_ID, number)
    assert result.ok
    assert codes(result) == ["id.unknown_area"]


def test_county_code_newer_than_birth_year_is_only_a_warning():
    # 110112 (Tongzhou district) dates from 1997; a number issued later can carry it
    # for someone born before, and the library refuses that.
    number = make_id("110112", date(1950, 1, 1), 1)
    assert not stdnum_accepts(number)
    result = check(IdType.RESIDENT_ID, number)
    assert result.ok
    assert [(p.code, p.severity) for p in result.problems] == [("id.area_not_in_use", "warning")]


def test_problem_paths_follow_the_argument():
    result = check_id(IdType.RESIDENT_ID, SAMPLE[:10], path="applicants[1].id_number")
    assert [p.path for p in result.problems] == ["applicants[1].id_number"]
    result = check_id("nonsense", SAMPLE, path="agent.id_number")
    assert [(p.path, p.code) for p in result.problems] == [("agent.id_number", "id_type.unknown")]


def test_plain_string_type_is_accepted():
    assert check_id("resident_id", SAMPLE, today=TODAY).ok


def test_module_check_char_agrees_with_stdnum():
    for body in ["11010519491231002", "36042619910101007", "91115619800506012"]:
        assert check_char(body) == ric.calc_check_digit(body + "0")


# ---- the other types -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit(prefix):
    number = make_id(prefix, date(1985, 3, 4), 35)
    result = check(IdType.HMT_RESIDENCE_PERMIT, number)
    assert result.ok and result.problems == []
    assert result.birth_date == date(1985, 3, 4)
    assert result.sex == "male"


def test_hmt_permit_holder_born_before_handover_has_no_warning():
    # The library dates 810000 from 1997; permits do not go through its area table.
    result = check(IdType.HMT_RESIDENCE_PERMIT, make_id("810000", date(1950, 1, 1), 2))
    assert result.ok and result.problems == []


def test_hmt_permit_errors():
    assert codes(check(IdType.HMT_RESIDENCE_PERMIT, SAMPLE)) == ["id.prefix"]
    assert codes(check(IdType.HMT_RESIDENCE_PERMIT, "81000019850304")) == ["id.length"]
    bad = make_id("810000", date(1985, 3, 4), 35)
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    assert codes(check(IdType.HMT_RESIDENCE_PERMIT, bad)) == ["id.check_digit"]
    assert codes(check(IdType.HMT_RESIDENCE_PERMIT, with_check("81000019851304035"))) == [
        "id.birth_date"
    ]


def test_foreigner_card_new_layout():
    number = make_id("911156", date(1975, 8, 9), 24)
    result = check(IdType.FOREIGNER_PERMANENT, number)
    assert result.ok and result.problems == []
    assert result.birth_date == date(1975, 8, 9)
    assert result.sex == "female"


def test_foreigner_card_errors():
    assert codes(check(IdType.FOREIGNER_PERMANENT, SAMPLE)) == ["id.prefix"]
    number = make_id("911156", date(1975, 8, 9), 24)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert codes(check(IdType.FOREIGNER_PERMANENT, wrong)) == ["id.check_digit"]
    future = make_id("911156", date(2030, 1, 1), 24)
    assert codes(check(IdType.FOREIGNER_PERMANENT, future)) == ["id.birth_date_future"]
    assert codes(check(IdType.FOREIGNER_PERMANENT, number[:16])) == ["id.length"]


def test_foreigner_card_old_layout_still_accepted():
    result = check(IdType.FOREIGNER_PERMANENT, "usa110075080912")
    assert result.ok and result.number == "USA110075080912"
    assert result.birth_date is None and result.sex is None
    assert codes(check(IdType.FOREIGNER_PERMANENT, "US1110075080912")) == ["id.format"]


@pytest.mark.parametrize("raw", ["H12345678", "M1234567890", "h 1234 5678"])
def test_hk_macau_permit_valid(raw):
    result = check(IdType.HK_MACAU_PERMIT, raw)
    assert result.ok and result.problems == []
    assert result.birth_date is None and result.sex is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("A12345678", "id.prefix"),
        ("12345678", "id.prefix"),
        ("H1234567", "id.length"),
        ("H123456789", "id.length"),
        ("H1234A678", "id.format"),
        ("H1234567.", "id.format"),
    ],
)
def test_hk_macau_permit_errors(raw, code):
    assert codes(check(IdType.HK_MACAU_PERMIT, raw)) == [code]


def test_hk_macau_permit_length_message_counts_digits():
    result = check(IdType.HK_MACAU_PERMIT, "H1234567")
    assert "您输入了7位数字" in result.problems[0].message


@pytest.mark.parametrize("raw", ["12345678", "1234567890", "１２３４５６７８"])
def test_taiwan_permit_valid(raw):
    assert check(IdType.TAIWAN_PERMIT, raw).ok


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1234567", "id.length"), ("123456789", "id.length"), ("T1234567", "id.format")],
)
def test_taiwan_permit_errors(raw, code):
    assert codes(check(IdType.TAIWAN_PERMIT, raw)) == [code]


@pytest.mark.parametrize("raw", ["E12345678", "g1234567", "AB123", "A" * 20])
def test_passport_valid(raw):
    assert check(IdType.PASSPORT, raw).ok


@pytest.mark.parametrize(
    ("raw", "code"),
    [("AB12", "id.length"), ("A" * 21, "id.length"), ("E1234567/", "id.format"), ("", "id.empty")],
)
def test_passport_errors(raw, code):
    assert codes(check(IdType.PASSPORT, raw)) == [code]


def test_every_type_has_a_label_and_birth_date_kinds_are_the_18_char_ones():
    assert set(ID_TYPE_LABELS) == set(IdType)
    assert ID_TYPE_LABELS[IdType.RESIDENT_ID] == "居民身份证"
    assert ID_KINDS_WITH_BIRTH_DATE == {
        IdType.RESIDENT_ID,
        IdType.HMT_RESIDENCE_PERMIT,
        IdType.FOREIGNER_PERMANENT,
    }


def test_check_id_type():
    assert check_id_type("passport") == []
    assert check_id_type(IdType.RESIDENT_ID) == []
    [problem] = check_id_type("driving_licence", path="applicants[0].id_type")
    assert (problem.code, problem.path, problem.severity) == (
        "id_type.unknown",
        "applicants[0].id_type",
        "error",
    )
    assert [p.code for p in check_id_type("")] == ["id_type.missing"]


# ---- phone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "１３８１２３４５６７８"],
)
def test_mobile_valid(raw):
    assert check_mobile(raw) == ("13812345678", [])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone.empty"),
        ("+86", "phone.empty"),
        ("1381234567", "phone.length"),
        ("138123456789", "phone.length"),
        ("12812345678", "phone.prefix"),
        ("23812345678", "phone.prefix"),
        ("138123456７8", None),
        ("1381234567a", "phone.format"),
        ("+852 6123 4567", "phone.country"),
        ("00852 6123 4567", "phone.country"),
    ],
)
def test_mobile_problems(raw, code):
    number, problems = check_mobile(raw, path="agent.phone")
    assert [p.code for p in problems] == ([code] if code else [])
    assert all(p.path == "agent.phone" for p in problems)


def test_mobile_length_message_counts_digits():
    _, [problem] = check_mobile("1381234567")
    assert problem.message.startswith("手机号码应为11位，您输入了10位")


# ---- masks -----------------------------------------------------------------------------


def test_mask_examples():
    assert mask_id(SAMPLE) == "110105********002X"
    assert mask_id("H1234567890") == "H1*******90"
    assert mask_id("12345678") == "12****78"
    assert mask_id("AB123") == "A***3"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳明华") == "欧**华"
    assert mask_name("John Smith") == "J********h"
    assert mask_name("") == ""


# ---- properties ------------------------------------------------------------------------


@st.composite
def resident_ids(draw) -> tuple[str, date, int]:
    province = draw(st.sampled_from(PROVINCES))
    county = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    return make_id(f"{province:02d}{county:04d}", born, seq), born, seq


@given(resident_ids())
def test_any_valid_resident_id_is_accepted_and_decoded(case):
    number, born, seq = case
    result = check(IdType.RESIDENT_ID, number)
    assert result.ok, result.problems
    assert result.number == number
    assert result.birth_date == born
    assert result.sex == ("male" if seq % 2 else "female")
    # Whatever the library's table says about the county, it can only warn.
    assert all(p.severity == "warning" for p in result.problems)
    assert set(codes(result)) <= {"id.unknown_area", "id.area_not_in_use", "id.wrong_type"}


def test_checksum_catches_every_single_substitution_exhaustively():
    # The claim behind the next property: every weight is non-zero mod 11 and a digit changes
    # by 1..9, so the weighted sum mod 11 always moves.
    body = SAMPLE[:17]
    for i in range(17):
        for d in "0123456789":
            if d != body[i]:
                assert check_char(body[:i] + d + body[i + 1 :]) != SAMPLE[17]


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_single_character_is_refused(case, position, replacement):
    number = case[0]
    assume(replacement != number[position])
    changed = number[:position] + replacement + number[position + 1 :]
    assert not check(IdType.RESIDENT_ID, changed).ok


@given(st.text())
def test_normalize_is_idempotent(raw):
    once = normalize(raw)
    assert normalize(once) == once


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_normalize_of_ascii_keeps_only_visible_upper_case(raw):
    out = normalize(raw)
    assert out == "".join(c for c in raw if not c.isspace() and c != "-").upper()


@given(
    resident_ids(),
    st.lists(st.booleans(), min_size=18, max_size=18),
    st.lists(st.sampled_from([" ", "\u3000", "-", "\t", "－"]), min_size=18, max_size=18),
    st.lists(st.booleans(), min_size=18, max_size=18),
)
def test_typing_variants_give_the_same_result(case, widen, seps, insert):
    number = case[0]
    typed = ""
    for c, w, sep, ins in zip(number, widen, seps, insert, strict=True):
        c = c.lower()
        typed += (chr(ord(c) + 0xFEE0) if w else c) + (sep if ins else "")
    assert normalize(typed) == number
    assert check(IdType.RESIDENT_ID, typed) == check(IdType.RESIDENT_ID, number)


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)


@given(mobiles, st.sampled_from(["", "+86", "0086", "+86 ", "＋８６"]))
def test_generated_mobiles_pass(number, prefix):
    assert check_mobile(prefix + number) == (number, [])


@given(st.from_regex(r"1[3-9][0-9]*", fullmatch=True).filter(lambda s: len(s) != 11))
def test_mobile_of_other_length_fails(number):
    _, problems = check_mobile(number)
    assert [p.code for p in problems] == ["phone.length"]


@given(st.sampled_from(["10", "11", "12"]), st.integers(0, 10**9 - 1))
def test_mobile_starting_10_to_12_fails(head, rest):
    _, problems = check_mobile(f"{head}{rest:09d}")
    assert [p.code for p in problems] == ["phone.prefix"]


def revealed(masked: str, original: str) -> list[int]:
    assert len(masked) == len(original)
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert all(masked[i] == original[i] for i in shown)
    return shown


@given(resident_ids())
def test_mask_id_18_shows_first_6_and_last_4_only(case):
    number = case[0]
    assert revealed(mask_id(number), number) == [*range(6), *range(14, 18)]


@given(st.text(alphabet="ABCDEFGHMXZ0123456789", max_size=30).filter(lambda s: len(s) != 18))
def test_mask_id_short_never_reveals_more_than_half(number):
    shown = revealed(mask_id(number), number)
    assert len(shown) <= len(number) // 2
    assert len(shown) <= 4


@given(mobiles)
def test_mask_phone_hides_the_middle_four(number):
    assert revealed(mask_phone(number), number) == [0, 1, 2, 7, 8, 9, 10]


@given(st.text(alphabet="0123456789", max_size=20).filter(lambda s: len(s) != 11))
def test_mask_phone_other_lengths_never_reveal_more_than_half(number):
    shown = revealed(mask_phone(number), number)
    assert len(shown) <= len(number) // 2


@given(
    st.text(
        alphabet=st.characters(categories=["Lo", "Lu", "Ll"], exclude_characters="*"),
        min_size=1,
        max_size=12,
    )
)
def test_mask_name_shows_only_first_and_last(name):
    shown = revealed(mask_name(name), name)
    if len(name) >= 3:
        assert shown == [0, len(name) - 1]
    else:
        assert shown == [0]


# ---- every message, exactly ---------------------------------------------------------------
# The messages are shown to the citizen as they are (module docstring): each one is part of the
# contract, with its code, its severity and the default path of the field it belongs to.

RID = IdType.RESIDENT_ID
HMT = IdType.HMT_RESIDENCE_PERMIT
FOREIGNER = IdType.FOREIGNER_PERMANENT
HK = IdType.HK_MACAU_PERMIT
TW = IdType.TAIWAN_PERMIT
PASSPORT = IdType.PASSPORT
ASK_AGAIN = "，请核对后重新输入"
FOREIGNER_NEW = make_id("911156", date(1975, 8, 9), 24)
HMT_SAMPLE = make_id("810000", date(1985, 3, 4), 35)


def _wrong_check_char(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


EXACT_ERRORS = [
    # resident ID
    (RID, "", "id.empty", "请输入身份证号码"),
    (RID, "110105491231002", "id.old_15_digit", "15位的老身份证号码已经停用，请输入18位的身份证号码"),
    (RID, "11010549123100X", "id.length", "身份证号码应为18位，您输入了15位" + ASK_AGAIN),
    # 15 digits of another script are no old number: they are not digits at all
    (RID, "".join(chr(0x0660 + int(c)) for c in "110105491231002"), "id.format",
     "身份证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (RID, "X10105194912310021", "id.format", "身份证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (RID, "1101051949123100X1", "id.format", "身份证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (RID, SAMPLE[:17], "id.length", "身份证号码应为18位，您输入了17位" + ASK_AGAIN),
    (RID, "3604261991010100711", "id.length", "身份证号码应为18位，您输入了19位" + ASK_AGAIN),
    (RID, FOREIGNER_NEW, "id.wrong_type",
     "这个号码以9开头，像是外国人永久居留身份证号码，请返回重新选择证件类型"),
    (RID, make_id("830000", date(1980, 5, 6), 12), "id.wrong_type",
     "这个号码像是港澳台居民居住证号码，请返回重新选择证件类型"),
    (RID, make_id("101234", date(1980, 5, 6), 12), "id.province", "身份证号码开头两位不对" + ASK_AGAIN),
    (RID, with_check("11010519900230002"), "id.birth_date",
     "身份证号码中的出生日期（第7到14位）不是有效日期" + ASK_AGAIN),
    (RID, make_id("110105", date(1899, 12, 31), 2), "id.birth_date_too_early",
     "身份证号码中的出生年份（第7到10位）早于1900年" + ASK_AGAIN),
    (RID, make_id("110105", date(2025, 6, 2), 2), "id.birth_date_future",
     "身份证号码中的出生日期（第7到14位）晚于今天" + ASK_AGAIN),
    (RID, _wrong_check_char(SAMPLE), "id.check_digit", "身份证号码最后一位校验码不对" + ASK_AGAIN),
    # residence permit for HK/Macau/Taiwan residents
    (HMT, "", "id.empty", "请输入居住证号码"),
    (HMT, "8100001985030403A2", "id.format", "居住证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (HMT, "81000019850304", "id.length", "居住证号码应为18位，您输入了14位" + ASK_AGAIN),
    (HMT, SAMPLE, "id.prefix", "港澳台居民居住证号码应以810000、820000或830000开头，请核对；"
     "如果您持的是居民身份证，请返回重新选择证件类型"),
    (HMT, make_id("810001", date(1985, 3, 4), 35), "id.prefix",
     "港澳台居民居住证号码应以810000、820000或830000开头，请核对；如果您持的是居民身份证，请返回重新选择证件类型"),
    (HMT, with_check("81000019851304035"), "id.birth_date",
     "居住证号码中的出生日期（第7到14位）不是有效日期" + ASK_AGAIN),
    (HMT, make_id("820000", date(1899, 1, 1), 35), "id.birth_date_too_early",
     "居住证号码中的出生年份（第7到10位）早于1900年" + ASK_AGAIN),
    (HMT, make_id("830000", date(2025, 6, 2), 35), "id.birth_date_future",
     "居住证号码中的出生日期（第7到14位）晚于今天" + ASK_AGAIN),
    (HMT, _wrong_check_char(HMT_SAMPLE), "id.check_digit", "居住证号码最后一位校验码不对" + ASK_AGAIN),
    # foreigner's permanent residence card
    (FOREIGNER, "", "id.empty", "请输入永久居留身份证号码"),
    (FOREIGNER, "US1110075080912", "id.format",
     "旧版永久居留身份证号码应为3个英文字母加12位数字" + ASK_AGAIN),
    (FOREIGNER, "U11110075080912", "id.format",
     "旧版永久居留身份证号码应为3个英文字母加12位数字" + ASK_AGAIN),
    (FOREIGNER, "USA11007508091", "id.format",
     "永久居留身份证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (FOREIGNER, "USA1100750809123", "id.format",
     "永久居留身份证号码只能包含数字，最后一位可以是X" + ASK_AGAIN),
    (FOREIGNER, FOREIGNER_NEW[:15], "id.length", "永久居留身份证号码应为18位，您输入了15位" + ASK_AGAIN),
    (FOREIGNER, SAMPLE, "id.prefix", "新版永久居留身份证号码应以9开头，请核对；"
     "如果您持的是居民身份证，请返回重新选择证件类型"),
    (FOREIGNER, with_check("91115619750230024"), "id.birth_date",
     "永久居留身份证号码中的出生日期（第7到14位）不是有效日期" + ASK_AGAIN),
    (FOREIGNER, make_id("911156", date(1899, 12, 31), 24), "id.birth_date_too_early",
     "永久居留身份证号码中的出生年份（第7到10位）早于1900年" + ASK_AGAIN),
    (FOREIGNER, make_id("911156", date(2025, 6, 2), 24), "id.birth_date_future",
     "永久居留身份证号码中的出生日期（第7到14位）晚于今天" + ASK_AGAIN),
    (FOREIGNER, _wrong_check_char(FOREIGNER_NEW), "id.check_digit",
     "永久居留身份证号码最后一位校验码不对" + ASK_AGAIN),
    # travel permit for HK and Macau residents
    (HK, "", "id.empty", "请输入通行证号码"),
    (HK, "H1234567.", "id.format", "通行证号码只能包含英文字母和数字" + ASK_AGAIN),
    (HK, "X12345678", "id.prefix", "港澳居民来往内地通行证号码应以字母H或M开头" + ASK_AGAIN),
    (HK, "12345678", "id.prefix", "港澳居民来往内地通行证号码应以字母H或M开头" + ASK_AGAIN),
    (HK, "H1234A678", "id.format", "通行证号码在H或M后面应全是数字" + ASK_AGAIN),
    (HK, "HM12345678", "id.format", "通行证号码在H或M后面应全是数字" + ASK_AGAIN),
    (HK, "H1234567", "id.length", "通行证号码应为H或M加8位或10位数字，您输入了7位数字" + ASK_AGAIN),
    (HK, "M123456789", "id.length", "通行证号码应为H或M加8位或10位数字，您输入了9位数字" + ASK_AGAIN),
    (HK, "H12345678901", "id.length", "通行证号码应为H或M加8位或10位数字，您输入了11位数字" + ASK_AGAIN),
    # travel permit for Taiwan residents
    (TW, "", "id.empty", "请输入通行证号码"),
    (TW, "T1234567", "id.format", "通行证号码只能包含数字" + ASK_AGAIN),
    (TW, "1234567", "id.length", "通行证号码应为8位或10位数字，您输入了7位" + ASK_AGAIN),
    (TW, "123456789", "id.length", "通行证号码应为8位或10位数字，您输入了9位" + ASK_AGAIN),
    (TW, "12345678901", "id.length", "通行证号码应为8位或10位数字，您输入了11位" + ASK_AGAIN),
    # passport
    (PASSPORT, "", "id.empty", "请输入护照号码"),
    (PASSPORT, "E1234567/", "id.format", "护照号码只能包含英文字母和数字" + ASK_AGAIN),
    (PASSPORT, "AB12", "id.length", "护照号码应为5到20位，您输入了4位" + ASK_AGAIN),
    (PASSPORT, "A" * 21, "id.length", "护照号码应为5到20位，您输入了21位" + ASK_AGAIN),
]


@pytest.mark.parametrize(("kind", "raw", "code", "message"), EXACT_ERRORS)
def test_each_refusal_has_its_exact_message(kind, raw, code, message):
    result = check(kind, raw)
    assert result.problems == [Problem("id_number", message, code, "error")]
    assert not result.ok
    assert result.number == normalize(raw)  # what was checked, even when refused
    assert result.birth_date is None and result.sex is None


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (HK, "H12345678"), (HK, "M12345678"), (HK, "H1234567890"), (HK, "M1234567890"),
        (TW, "12345678"), (TW, "1234567890"),
        (PASSPORT, "A1234"), (PASSPORT, "A" * 20),
        (FOREIGNER, "USA110075080912"), (FOREIGNER, "ABC000000000000"),
    ],
)
def test_numbers_at_each_boundary_of_their_rule_are_accepted(kind, raw):
    result = check(kind, raw)
    assert result.problems == [] and result.ok
    assert result.number == raw
    assert result.birth_date is None and result.sex is None


def test_resident_id_warnings_have_their_exact_messages():
    result = check(RID, make_id("810000", date(1960, 5, 6), 12))
    assert result.problems == [Problem(
        "id_number", "这个号码像是港澳台居民居住证号码；如果是，请返回重新选择证件类型",
        "id.wrong_type", "warning")]
    assert result.birth_date == date(1960, 5, 6) and result.sex == "female"
    for area, code in [("112000", "id.unknown_area"), ("110112", "id.area_not_in_use")]:
        result = check(RID, make_id(area, date(1950, 1, 1), 1))
        assert result.problems == [Problem(
            "id_number", "身份证号码前6位的地区代码未能核对，请再确认一遍号码", code, "warning")]
        assert result.birth_date == date(1950, 1, 1) and result.sex == "male"


def test_every_province_code_and_only_those_are_accepted():
    for n in range(100):
        result = check(RID, make_id(f"{n:02d}0000", date(1980, 5, 6), 12))
        if n in PROVINCES:
            # 810000 and 820000 are the permits' own prefixes: a warning, never a refusal
            assert result.ok, (n, result.problems)
        elif n >= 90 or n == 83:  # a foreigner's card, a Taiwan resident's permit (830000)
            assert codes(result) == ["id.wrong_type"], n
        else:
            assert codes(result) == ["id.province"], n


def test_sex_comes_from_the_parity_of_the_17th_digit():
    for seq in range(10):
        result = check(RID, make_id("110105", date(1980, 5, 6), seq))
        assert result.sex == ("male" if seq % 2 else "female"), seq
    for seq in (0, 1, 3, 5):  # the same rule on the permits that encode it
        assert check(HMT, make_id("820000", date(1980, 5, 6), seq)).sex == (
            "male" if seq % 2 else "female")
        assert check(FOREIGNER, make_id("911156", date(1980, 5, 6), seq)).sex == (
            "male" if seq % 2 else "female")


def test_without_a_today_argument_the_real_today_is_the_limit():
    real_today = date.today()
    assert check_id(RID, make_id("110105", real_today, 2)).ok
    tomorrow = date.fromordinal(real_today.toordinal() + 1)
    assert codes(check_id(RID, make_id("110105", tomorrow, 2))) == ["id.birth_date_future"]
    assert codes(check_id(HMT, make_id("810000", tomorrow, 2))) == ["id.birth_date_future"]


def test_unknown_type_has_its_exact_message_and_default_path():
    result = check_id("driving_licence", SAMPLE, today=TODAY)
    assert result.problems == [Problem("id_number", "请先选择证件类型", "id_type.unknown")]
    assert result.number == SAMPLE and not result.ok


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", [Problem("id_type", "请选择证件类型", "id_type.missing")]),
        ("  　", [Problem("id_type", "请选择证件类型", "id_type.missing")]),
        ("driving_licence", [Problem("id_type", "证件类型不对，请重新选择证件类型", "id_type.unknown")]),
        ("Passport", [Problem("id_type", "证件类型不对，请重新选择证件类型", "id_type.unknown")]),
        *[(kind.value, []) for kind in IdType],
    ],
)
def test_check_id_type_exactly(value, expected):
    assert check_id_type(value) == expected
    assert check_id_type(value, path="agent.id_type") == [
        Problem("agent.id_type", p.message, p.code, p.severity) for p in expected
    ]


@pytest.mark.parametrize(
    ("raw", "number", "code", "message"),
    [
        ("", "", "phone.empty", "请输入手机号码"),
        ("0086", "", "phone.empty", "请输入手机号码"),
        ("+852 6123 4567", "+85261234567", "phone.country",
         "目前只能填写中国大陆的手机号码（11位，以1开头）"),
        ("00852 6123 4567", "0085261234567", "phone.country",
         "目前只能填写中国大陆的手机号码（11位，以1开头）"),
        ("1381234567a", "1381234567A", "phone.format", "手机号码只能包含数字" + ASK_AGAIN),
        ("138 1234 567", "1381234567", "phone.length", "手机号码应为11位，您输入了10位" + ASK_AGAIN),
        ("+86 138 1234 56789", "138123456789", "phone.length",
         "手机号码应为11位，您输入了12位" + ASK_AGAIN),
        ("12812345678", "12812345678", "phone.prefix", "手机号码开头不对，应以13到19开头" + ASK_AGAIN),
    ],
)
def test_each_mobile_refusal_has_its_exact_message(raw, number, code, message):
    assert check_mobile(raw) == (number, [Problem("phone", message, code)])


def test_only_the_country_code_is_dropped_from_a_mobile():
    assert check_mobile("+8613812345678") == ("13812345678", [])
    assert check_mobile("008613812345678") == ("13812345678", [])
    # "86" alone is no country code: an 11-digit number starting 86 is refused, not cut
    assert check_mobile("8613812345678")[1][0].code == "phone.length"
    assert check_mobile("19912345678") == ("19912345678", [])


def test_invisible_format_marks_are_dropped():
    # zero-width space, soft hyphen, word joiner, byte-order mark: category Cf, nothing to see
    typed = "\u200b110105\u00ad19491231\u2060002x\ufeff"
    assert normalize(typed) == SAMPLE
    assert check(RID, typed).ok
    assert normalize("H\u200d1234\u200c5678") == "H12345678"


@pytest.mark.parametrize("body", [SAMPLE[:16], SAMPLE[:17] + "0", ""])
def test_check_char_needs_exactly_17_digits(body):
    # a body cut short or too long would otherwise get a check character of its own
    with pytest.raises(ValueError):
        check_char(body)
