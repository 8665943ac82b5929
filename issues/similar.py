"""The duplicate suggestion: open issues a resident about to file may be reporting again.

Issue #4: as the resident picks category, district and 小区, the form shows
the open issues of that category in that 小区 filed in the last 7 days, so
"这也是我的问题" can make them a follower instead of a second filing. A wrong
match costs more than a missed one: a resident who follows another
compound's issue has their own problem filed nowhere, while a missed one is
a duplicate the dispatcher merges. So the rule is narrow.

People type one 小区 many ways: "锦绣花园", "锦绣花园小区", "甘州区锦绣花园",
"锦绣花园 （小区）", "锦绣花园3号楼", full-width "ＸＸ" letters.
``community_key`` reduces a 小区 to what names it, and two 小区 match when
their keys are equal, or when one is the other with a place in front (a
district, town, street or road: "南关街道锦绣花园") or a building behind
("锦绣花园3号楼", "锦绣花园十二栋"), and two buildings of one 小区 match
("锦绣花园3号楼", "锦绣花园13号楼"). "新世纪花园" is not "世纪花园", "十三号院"
is not "三号院", "锦绣花园南区" is not "锦绣花园", and numbers behind a road,
a numbered 院 or a generic word ("康乐路3号楼", "电力局1号院", "家属院3号楼")
or alone ("3号楼", "88号") match no other. Equal keys are listed first. Only the 小区 text of issues already open in that category and
district is compared, so the work is bounded by that district's compounds,
not by the table.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import Issue

# What Open311 stores as the 小区 of a request that named none: filed with lat and long only, or with an
# address_string that starts at the building. Each stands for "unknown", so matches nothing, itself included
# (breaker: every coordinates-only request was "the same 小区" as every other in the district).
NO_ADDRESS = "（未填地址，仅有坐标）"
NO_COMMUNITY = "（地址未写小区名称）"
UNNAMED = (NO_ADDRESS, NO_COMMUNITY)

WINDOW_DAYS = 7  # how far back suggestions reach (issue #4)
MAX_ITEMS = 5  # at most this many suggestions
MIN_KEY_CHARS = 2  # a key shorter than this (one character) matches only itself
# Generic words that end a 小区 name without telling one compound from another (longest first).
_GENERIC_ENDINGS = ("住宅小区", "生活小区", "家属小区", "家属院", "家属区", "生活区", "住宅区", "小区")
_NOT_A_NAME = re.compile(r"[\W_]+")  # spaces, punctuation and symbols: ·, （）, -, #
# What may stand in front of a name and still be that name: a place it lies in, ending as places do.
_PLACE = re.compile(r".+(省|市|州|县|区|旗|镇|乡|街道|街|大道|道|路|巷|村|社区)")
# A road or street: its name with a generic word ("康乐路小区", "康乐路家属院") is not the road, nor one another.
_ROAD = re.compile(r".+(街道|街|大道|道|路|巷)")
_CHINESE_NUMERALS = "[一二三四五六七八九十百零〇两]{1,12}"  # bounded: a count, not a string of 5,000 (int's limit)
# What may stand behind it: buildings, entrances, rooms ("3号楼", "十二栋", "2单元", "5幢301"). Not a bare
# "号" or "号院": "滨河大道12号" is a street number and "电力局1号院" a compound of its own (breaker).
_NUMERAL = rf"(?:\d+|{_CHINESE_NUMERALS})"
_BUILDING = re.compile(rf"(?:第?{_NUMERAL}(?:号楼|栋|幢|座|单元|楼|室|户))+{_NUMERAL}?")
# Two buildings match only behind a name this long that is not a generic word ("家属院", "花园"): "城南3号楼"
# and "城南5号楼" may be anywhere south of town.
MIN_COMPOUND_CHARS = 3
_GENERIC_NAMES = frozenset(_GENERIC_ENDINGS) | {
    "花园", "家园", "公寓", "新村", "大院", "宿舍", "住宅", "小区", "职工宿舍", "教师宿舍", "单位宿舍", "宿舍楼", "职工楼",
    "家属楼", "教师公寓", "公租房", "廉租房", "安置房", "回迁楼", "商品房", "经济适用房", "保障房", "职工家属院"}
# A building or a house number alone in digits ("3号楼", "5栋", "88号"): no 小区 at all, so it matches nothing,
# not even itself: two such filings in a district are most likely two compounds (breaker). A name in Chinese
# numerals ("八一楼") still matches itself.
_ONLY_A_NUMBER = re.compile(r"\d+号|(?:\d+(?:号楼|栋|幢|座|单元|楼|室|户))+\d*")
# A count in Chinese numerals where a phase, building, entrance or area is numbered, and "第" before a number.
_CHINESE_COUNT = re.compile(rf"({_CHINESE_NUMERALS})(?=期|号|栋|幢|座|单元|楼|排|组|区)")
_ORDINAL = re.compile(r"第(?=\d)")
# A Roman numeral (Ⅱ, which NFKC writes "II", case folded "ii") before a phase or a building, not inside a word.
# Before 区, 排, 组 only of two letters or more: "X区", "V区" are lettered areas more often than numbered ones
# (breaker), "IV区" is the fourth.
_ROMAN_COUNT = re.compile(r"(?<![a-z])(?=[ivx])(x{0,3}(?:ix|iv|v?i{0,3}))(?=期|号|栋|幢|座|单元|楼)"
                          r"|(?<![a-z])(?=[ivx]{2})(x{0,3}(?:ix|iv|v?i{0,3}))(?=区|排|组)")
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ROMAN_CHARACTER = re.compile("[\u2160-\u2188]")  # the Number Forms block's Roman numerals
# A name's buildings at its end ("锦绣花园" + "13号楼2单元"): the first place where _BUILDING runs to the end.
_BUILDING_AT_END = re.compile(rf"(?:{_BUILDING.pattern})$")
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(text: str) -> int:
    # "十二" → 12, "二十一" → 21, "一百零五" → 105, "三" → 3; digits read one by one where no 十/百 stands ("一〇" → 10).
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGIT[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif char == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _DIGIT[char]
    return total + digit


def _roman_number(text: str) -> int:
    # "ii" → 2, "iv" → 4, "xii" → 12 (a well-formed numeral below 40, lower case).
    values = [_ROMAN[c] for c in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def community_key(community: str) -> str:
    """What names a 小区 (str → str, possibly ""): the text compared by ``matches``.

    NFKC (full-width letters and digits become ASCII ones, compatibility
    characters their usual form), case folded, every character that is not
    a letter, digit or ideograph dropped (spaces, brackets, dots, dashes),
    "小区" taken out wherever it stands, then one generic ending (家属院,
    生活区…) removed, unless nothing would be left. "锦绣花园小区", "锦绣 花园",
    "锦绣花园（小区）" all give "锦绣花园"; a count in Chinese numerals before
    期, 号, 栋, 楼… is written in digits and "第" before it dropped, so
    "阳光花园小区第二期", "阳光花园Ⅱ期" and "阳光花园2期" all give "阳光花园2期".
    """
    # Ⅰ…ⅿ are numerals whatever follows ("Ⅰ区" is "1区"), unlike the letters NFKC would make of them.
    community = _ROMAN_CHARACTER.sub(lambda m: str(int(unicodedata.numeric(m.group()))), community)
    key = _NOT_A_NAME.sub("", unicodedata.normalize("NFKC", community).casefold())
    # "二期", "第2期", "2期" are one phase; "十二栋" and "12栋" one building.
    key = _CHINESE_COUNT.sub(lambda m: str(_chinese_number(m.group(1))), key)
    key = _ROMAN_COUNT.sub(lambda m: str(_roman_number(m.group(1) or m.group(2))), key)
    key = _ORDINAL.sub("", key)
    whole = key
    without_xiaoqu = key.replace("小区", "") or key
    plain = without_xiaoqu
    for ending in _GENERIC_ENDINGS:
        if plain.endswith(ending) and len(plain) > len(ending):
            plain = plain[: -len(ending)]
            break
    # The generic words go unless a road would be left bare: "康乐路小区" and "康乐路家属院" are not one 小区,
    # nor the road itself (breaker), while "南街家属院小区" is "南街家属院" and "幸福新村小区" "幸福新村".
    for key in (plain, without_xiaoqu):
        if key == whole or not _ROAD.fullmatch(_name_part(key)):
            return key
    return whole


def _name_part(key: str) -> str:
    # ``key`` without the buildings at its end ("康乐路3号楼" → "康乐路"), or whole when nothing stands before them.
    found = _BUILDING_AT_END.search(key)
    return key[: found.start()] if found and found.start() > 0 else key


def matches(typed_key: str, stored_key: str) -> int:
    """How a stored 小区 matches the typed one, both ``community_key``s: 2 same, 1 the same with more, 0 no.

    1 when the longer key is the shorter (of at least MIN_KEY_CHARS
    characters) with a place in front ("甘州区" + "康乐") or a building
    behind ("锦绣花园" + "13号楼"), or when both name buildings of one 小区
    ("锦绣花园3号楼" and "滨河新区锦绣花园13号楼": what stands before the
    buildings matches so), nothing else.
    """
    if not typed_key or not stored_key:
        return 0
    if _ONLY_A_NUMBER.fullmatch(typed_key) or _ONLY_A_NUMBER.fullmatch(stored_key):
        return 0
    if typed_key == stored_key:
        return 2
    shorter, longer = sorted((typed_key, stored_key), key=len)
    if len(shorter) < MIN_KEY_CHARS:
        return 0
    if longer.endswith(shorter) and _PLACE.fullmatch(longer[: -len(shorter)]):
        return 1
    # A building behind a compound's name, not behind a road's ("康乐路" is not "康乐路3号楼").
    if longer.startswith(shorter) and _BUILDING.fullmatch(longer[len(shorter):]) and not _ROAD.fullmatch(shorter):
        return 1
    typed_compound, stored_compound = _compound(typed_key), _compound(stored_key)
    if (typed_compound, stored_compound) != (typed_key, stored_key):
        return 1 if matches(typed_compound, stored_compound) else 0
    return 0


def _compound(key: str) -> str:
    # ``key`` without the buildings at its end when a compound's name stands before them ("锦绣花园13号楼" →
    # "锦绣花园"): MIN_COMPOUND_CHARS or more, not a generic word, not a place. Kept whole otherwise: "13号院",
    # "家属院3号楼", a place's buildings ("康乐路3号楼", "甘州区5栋": two buildings on one road are not one 小区).
    found = _BUILDING_AT_END.search(key)
    base = key[: found.start()] if found else ""
    if len(base) < MIN_COMPOUND_CHARS or base in _GENERIC_NAMES or _PLACE.fullmatch(base):
        return key
    return base


def suggestions(category_id: int, district_id: int, community: str, *, now: datetime | None = None) -> list[Issue]:
    """The open issues of ``category_id`` in ``district_id`` whose 小区 matches ``community`` (cleaned text).

    Filed in the last WINDOW_DAYS days before ``now`` (aware; default now),
    at most MAX_ITEMS, ranked as ``in_community`` ranks them. The issues
    come with their category loaded and only the fields the suggestion
    shows (id, category, 小区, status and needs_decision, filed_at).
    """
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    recent = Issue.objects.open().filter(category_id=category_id, district_id=district_id, filed_at__gte=since)
    fields = ("id", "category__name", "category__name_en", "community", "status", "needs_decision", "filed_at")
    return in_community(recent.select_related("category").only(*fields), community, MAX_ITEMS)


def in_community(issues: QuerySet, community: str, limit: int) -> list[Issue]:
    """At most ``limit`` of ``issues`` (a QuerySet of Issue) whose 小区 matches ``community`` (str).

    Those whose 小区 has the same ``community_key`` first, then those whose
    key holds or is held by it (``matches``), each newest first (filed_at,
    then id). One query for the distinct 小区 of ``issues`` (narrow it by
    category and district first: the work grows with their number), then
    one per rank that has any. A 小区 with no key (only punctuation or
    emoji: "/", "——") matches the same text only; Open311's stand-ins for
    no 小区 (``UNNAMED``) match nothing. Used by the resident's
    duplicate suggestion and the dispatcher's merge candidates.
    """
    if community in UNNAMED:
        return []
    typed = community_key(community)
    if not typed:  # nothing to compare but the text itself
        return list(issues.filter(community=community).order_by("-filed_at", "-id")[:limit]) if community else []
    same, held = [], []
    for stored in issues.order_by().values_list("community", flat=True).distinct():
        if stored in UNNAMED:
            continue
        quality = matches(typed, community_key(stored))
        if quality:
            (same if quality == 2 else held).append(stored)
    found: list[Issue] = []
    for communities in (same, held):
        if communities and len(found) < limit:
            found += issues.filter(community__in=communities).order_by("-filed_at", "-id")[: limit - len(found)]
    return found
