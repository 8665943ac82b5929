"""Input cleaning shared by the workflow, forms and the API.

Each function returns the cleaned value or raises ``FieldError`` naming what
is wrong in Chinese; callers collect them into a 400 answer per field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import phonenumbers
import regex
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Control characters other than tab and line breaks (C0, DEL and C1): never part of a complaint.
# NEL (U+0085) is a C1 control and refused like the rest rather than read as a line break: no
# keyboard or textarea produces it, and JavaScript's trim() keeps it, so trimming it would part
# the page from the server. The page (static/js/site.js) refuses this same set. Also lone
# surrogates (a JSON "\\ud83d" alone): they have no UTF-8 form and the database refuses them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Line breaks as a textarea holds them: a browser sends its newlines as CRLF, while the page's
# counter reads the textarea's value, which has LF. clean_text makes CRLF and a lone CR one LF
# before it counts, checks the column's capacity and stores.
_CR = re.compile("\r\n?")
# What clean_text trims: the characters JavaScript's String.prototype.trim() removes (ECMAScript
# WhiteSpace and LineTerminator). The counter in static/js/site.js trims this same list, so the
# page and the server count the same text. Not str.strip()'s set, which keeps U+FEFF and drops
# U+0085 and U+001C–U+001F. (VT, FF and CR are in the list, but _CONTROL refuses VT and FF and
# _CR turns CR into LF first.)
TRIMMED = ("\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
           "\u2028\u2029\u202f\u205f\u3000\ufeff")

# Text made only of these is blank: whitespace, format characters (zero-width space and
# joiners, BOM, direction marks, U+180E…), marks with nothing to sit on (combining marks,
# U+034F, variation selectors), the letters that render as nothing (Hangul fillers, the
# braille blank), every Default_Ignorable_Code_Point (which a renderer draws as nothing, even
# one not yet assigned: U+2065, U+FFF0, U+E0080) and unassigned code points (Cn), which no font
# draws. Any other character is visible. A search stops at the first visible one.
_VISIBLE = regex.compile(r"[^\p{White_Space}\p{Cf}\p{Mn}\p{Me}\p{Variation_Selector}"
                         r"\p{Default_Ignorable_Code_Point}\p{Cn}"
                         "\u115f\u1160\u3164\uffa0\u2800]")

# A column holds CODE_POINTS_PER_CHARACTER code points for each character the user may type:
# limits count grapheme clusters (👍🏽 is one character, two code points), varchar(N) counts code
# points. Ten is the longest emoji sequence (a kiss with two skin tones), so any text of letters
# and emoji fits; only stacks of marks beyond that (one "character" of hundreds of combining
# accents) are refused. The models size their columns with column_length(); static/js/site.js
# refuses the same text.
CODE_POINTS_PER_CHARACTER = 10


def column_length(max_characters: int) -> int:
    """The varchar length that holds any text of ``max_characters`` characters clean_text accepts."""
    return max_characters * CODE_POINTS_PER_CHARACTER


def input_length(max_characters: int) -> int:
    """The most code points an API reads for a field of ``max_characters`` characters: twice its column.

    A bound on the raw input, before clean_text: trimmed whitespace and the CR of each CRLF take
    room there that the stored text does not, and canonical composition (NFC) shortens it, so any
    text clean_text accepts fits unless it is padded with thousands of spaces. Longer input is
    refused (``refuse_oversized``) before it is normalised and counted in full.
    """
    return 2 * column_length(max_characters)


class FieldError(ValueError):
    """A single field's problem: ``message`` is shown next to the field."""


class HotlineNumber(FieldError):
    """A company's hotline (400, 800, 96…) given as someone's phone: refused for filing; ``e164`` is the
    number as stored, for a look-up (``lookup_phone``: such numbers were accepted until 2026-12)."""

    def __init__(self, message: str, e164: str):
        super().__init__(message)
        self.e164 = e164


# What makes required text say something: a letter (any script), a digit or a symbol (emoji, ℃, ㎡), as
# opposed to punctuation and spaces alone.
_WORDS = regex.compile(r"[\p{L}\p{N}\p{S}]")


def is_blank(value: str) -> bool:
    """True when ``value`` has no visible character (see ``_VISIBLE``), False otherwise."""
    return _VISIBLE.search(value) is None


# Invisible characters clean_text drops wherever they are: the bidirectional embeddings, overrides
# and isolates (U+202A–U+202E, U+2066–U+2069), which reverse the text after them on staff pages and
# in exports; the direction marks (U+200E, U+200F, U+061C); the zero-width space, word joiner,
# invisible operators and BOM (U+200B, U+2060–U+2064, U+FEFF); the soft hyphen, the combining
# grapheme joiner, the Khmer inherent vowels and the Hangul fillers used as blanks (U+00AD, U+034F,
# U+17B4–U+17B5, U+3164, U+FFA0). None is typed on purpose, and each hid a duplicate ("阳光花园" +
# U+200B is not "阳光花园", breaker). Kept: the zero-width joiner and non-joiner (U+200D, U+200C:
# emoji sequences, Uyghur and other Arabic-script spelling), the Mongolian vowel separator and free
# variation selectors (U+180B–U+180F: they choose Mongolian letter shapes, as in ᠰᠢᠨ᠎ᠡ, breaker round 3)
# and the conjoining Hangul fillers (U+115F, U+1160). Dropping only shortens the text, so nothing the
# page's counter accepted is refused; static/js/site.js drops the same set.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u17b4\u17b5\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u2069\u3164\ufeff\uffa0]")
# A 小区 (a place's name, compared exactly by the duplicate suggestion) also loses the other characters
# drawn as nothing — default-ignorable and format characters (joiners, variation selectors, tags) and
# the braille blank — but not inside an emoji (a character holding a pictograph keeps its joiners and
# selectors: 👨‍👩‍👧 stays one family, counted as one), not beside a Mongolian, Arabic-script or Syriac
# letter (whose spelling they are), and not the visible Arabic number signs (U+0600–U+0605, U+06DD).
_SPELLED_WITH_JOINERS = r"[\p{Script=Mongolian}\p{Script=Arabic}\p{Script=Syriac}]"
_PLACE_INVISIBLE = regex.compile(
    r"(?P<emoji>(?=\p{Extended_Pictographic})\X)"
    rf"|(?<!{_SPELLED_WITH_JOINERS})(?![\u0600-\u0605\u06dd])"
    rf"[\p{{Default_Ignorable_Code_Point}}\p{{Cf}}\u2800](?!{_SPELLED_WITH_JOINERS})")


def _visible_place(text: str) -> str:
    # ``text`` without the characters drawn as nothing that spell nothing (see _PLACE_INVISIBLE).
    return _PLACE_INVISIBLE.sub(lambda m: m.group("emoji") or "", text)


def _tidy(value: str) -> str:
    # The text clean_text judges: invisible characters dropped (_INVISIBLE), one LF per line break,
    # NFC, trimmed as JavaScript's trim() trims.
    return unicodedata.normalize("NFC", _CR.sub("\n", _INVISIBLE.sub("", value))).strip(TRIMMED)


def clean_text(value, *, max_length: int, required: bool = True, label: str = "") -> str:
    """Trim and check free text.

    Takes the text as sent (a str; None counts as ""), the limit in
    characters, whether the field is required and its label for messages.
    Refuses NUL bytes, other control characters (C0, DEL and C1, NEL
    included), lone surrogates and text with no visible character
    (``is_blank``); required text must hold a letter, digit or symbol
    (emoji included), not punctuation alone (``_WORDS``). Drops invisible direction and zero-width characters
    (``_INVISIBLE``: bidi overrides, ZWSP, BOM…; ZWJ stays). Turns CRLF and a lone CR into LF (a textarea's value,
    which the page counts, has LF where the browser sends CRLF) and trims
    what JavaScript's trim() trims (``TRIMMED``). ``max_length`` counts
    characters as the user sees them: grapheme clusters after NFC
    normalisation (👍🏽 or a ZWJ family emoji is one), the same count as the
    pages' JavaScript (Intl.Segmenter); the text must also fit
    ``column_length(max_length)`` code points. Returns the NFC-normalised,
    trimmed string with LF line breaks ("" when optional and blank); raises
    FieldError naming the problem otherwise.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(_("%(label)s必须是文字") % {"label": field_label(label)})
    if _CONTROL.search(value):
        raise FieldError(_("%(label)s含有不允许的字符") % {"label": field_label(label)})
    value = _tidy(value)
    if is_blank(value):
        if required:
            raise FieldError(_("请填写%(label)s") % {"label": field_label(label)})
        return ""
    if required and not _WORDS.search(value):  # "。", "...", "-": nothing to act on (breaker)
        raise FieldError(_("%(label)s不能只有标点符号，请用文字填写") % {"label": field_label(label)})
    length = user_length(value)
    if length > max_length:
        raise FieldError(_too_long(label, max_length, length))
    if len(value) > column_length(max_length):
        raise FieldError(_too_dense(label))
    return value


def clean_community(value) -> str:
    """A 小区 (str, at most 100 characters) as it is stored and searched: ``clean_text``, then single-spaced.

    Every run of whitespace (U+3000 of Chinese input methods included)
    becomes one space, so "阳光　花园" and "阳光  花园" are stored and found
    as "阳光 花园" (the duplicate suggestion compares 小区 exactly), and every
    character drawn as nothing is dropped, emoji aside (``_visible_place``). Raises
    FieldError as clean_text does (blank, too long, control characters), and for a phone number in it
    (``holds_phone``): a name typed with it would reach the public views, which show the 小区 up to
    its house part ("锦绣花园 王建国 139…" read "锦绣花园 王建国"; breaker).
    """
    place = " ".join(_visible_place(clean_text(value, max_length=100, label="小区")).split())
    if holds_phone(place):
        raise FieldError(_(PHONE_IN_PLACE))
    return place


PHONE_IN_PLACE = gettext_noop("小区一栏请不要填电话号码或姓名，联系电话请填在“联系电话”一栏")


def clean_name(value) -> str:
    """A resident's 称呼 (str, optional, at most 50 characters) as stored: ``clean_text``, and no phone number in
    it (``holds_phone``): staff pages show the name whole beside the masked phone, so a number typed there went
    round the mask and its audited reveal (breaker). Returns "" for a blank name; raises FieldError."""
    name = clean_text(value, max_length=50, required=False, label="称呼")
    if holds_phone(name):
        raise FieldError(_("称呼一栏请不要填电话号码，联系电话请填在“联系电话”一栏"))
    return name

# The Chinese digits and their values, as numbers are written out in a 小区 (house numbers, "五零二") and in a
# phone number ("一三八…"): everyday, financial (simplified and traditional) and colloquial ones (两, 仨, 幺 for
# 1 read aloud), and "○" typed for 〇. One table for both checks.
_CN_DIGIT_VALUES = {**dict.fromkeys("零〇○", 0), **dict.fromkeys("一壹幺", 1), **dict.fromkeys("二两贰貳", 2),
                    **dict.fromkeys("三叁參仨", 3), **dict.fromkeys("四肆", 4), **dict.fromkeys("五伍", 5),
                    **dict.fromkeys("六陆陸", 6), **dict.fromkeys("七柒", 7), **dict.fromkeys("八捌", 8),
                    **dict.fromkeys("九玖", 9)}
# Digits as a phone number is written out, Chinese ones as their ASCII digit.
_PHONE_DIGITS = str.maketrans({char: str(value) for char, value in _CN_DIGIT_VALUES.items()})
# Digit groups joined by what people put between a number's parts: spaces, dashes of every kind, dots,
# slashes, commas, underscores, middle dots, tildes, brackets ("(0936)8212345"), up to 3 of them.
_PHONE_RUN = re.compile(r"\d+(?:[\s\-\u2010-\u2015\u2212~_/\\.,、·・()\[\]【】]{1,3}\d+)*")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")  # area codes start 01–09 (00 begins an international number)
# China's country code before a number: "+86 936 8212345", "0086 138…", "+8613812345678" (how phones copy
# a number); "86" glued to a mobile ("8613812345678") is taken apart, so the mobile is a group of its own.
_INTERNATIONAL = re.compile(r"(?:\+|(?<!\d)00)\s*86[\s\-]*\d(?:[\s\-]?\d){8,10}(?!\d)")
_GLUED_86 = re.compile(r"(?<!\d)(86)(?=1[3-9]\d{9}(?!\d))")


def holds_phone(text: str) -> bool:
    """Whether ``text`` (str) holds a Chinese phone number as people write one in free text.

    A mobile: 11 digits from 1[3-9], written whole, 3-8, 3-4-4 or digit by
    digit. A landline: 0, a 2–3 digit area code and 7–8 digits, written
    whole, area code apart (brackets too) or 4-3-4. Either after +86 or 0086,
    grouped any way, or with 86 glued to a mobile. Digits full-width, circled or Chinese count
    (NFKC, ``_PHONE_DIGITS``); what follows (an extension, a dash) does
    not matter. House numbers written with dashes are not taken for one,
    even with 11 digits ("康乐路188-12-13-1502": 3-2-2-4 is no phone's
    grouping; breaker). For a field's text (hundreds of characters): the
    time grows with the number of digit groups (40,000 characters of "1-"
    take most of a second), so callers bound the text first.
    """
    text = unicodedata.normalize("NFKC", text).translate(_PHONE_DIGITS)
    if _INTERNATIONAL.search(text):
        return True
    text = _GLUED_86.sub(r"\1 ", text)
    for run in _PHONE_RUN.finditer(text):
        groups = re.findall(r"\d+", run.group())
        for i in range(len(groups)):
            length = 0
            for j in range(i, len(groups)):  # the groups from the i-th on, while they could still be a phone
                length += len(groups[j])
                if length > 12:  # no phone has more digits (a country code is _INTERNATIONAL's)
                    break
                if length >= 10 and _phone_shaped(groups[i:j + 1]):
                    return True
    return False


def _phone_shaped(groups: list[str]) -> bool:
    # Whether these digit groups, one after another, are a phone number in one of the ways it is grouped.
    digits, sizes = "".join(groups), [len(g) for g in groups]
    if len(groups) > 1 and set(sizes) == {1}:  # digit by digit
        sizes = [len(digits)]
    if _MOBILE.fullmatch(digits):
        return sizes in ([11], [3, 8], [3, 4, 4])
    if _LANDLINE.fullmatch(digits):
        return (len(sizes) == 1 or (len(sizes) == 2 and sizes[0] in (3, 4) and sizes[1] in (7, 8))
                or sizes in ([3, 3, 4], [4, 3, 4], [3, 4, 4], [4, 4, 4]))
    return False


# Chinese numerals as house numbers are written: the digits (``_CN_DIGIT_VALUES``, read one by one in a room
# number, "五零二") and the tens and hundreds (廿 20, 卅 30 colloquial); 千 is left out ("千户小区", "一千零一夜").
_CN_DIGITS = "".join(_CN_DIGIT_VALUES)
_CN = _CN_DIGITS + "十百拾佰廿卅"
_HOUSE_WORDS = "号|號|栋|棟|幢|座|单元|單元|室|户|戶|楼|樓|层|層"
_WEAK_WORDS = "门|門|排|梯"  # an entrance, a row, a stair: a house part only with a number after ("三门502", not "九门口")
_SEP = r"[-–—‐‑~_/.·、,，:：\s]"
_RUN = rf"(?<![{_CN}])[{_CN}](?:[\s、]*[{_CN}])*"  # numerals, spaced or not ("五 零 二"), from the first one
# Where a 小区's house part may begin, in its NFKC form (full-width, circled and Roman numerals are then
# ASCII digits or letters; dingbat numbers ❺, ❿ become digits too): any digit or "#"; one to three letters,
# or a Roman numeral, before a number or a building, unit, room or floor word ("A-1502", "B座", "VIII-502",
# "III栋"); Chinese numerals before such a word, before an entrance, row or stair word and a number ("三门502"),
# before a dash and a number ("五-501"), two or more ending the name ("三十二") or one after a space
# ("锦绣花园 五"), or three or more digits in a row ("五零二"); a heavenly stem before a building word ("甲栋").
# A Roman numeral ending a Chinese name ("锦绣花园 Ⅻ") is _ROMAN_END's. Cautious on purpose: what follows
# is private, so a 小区 named with a number ("7号院", "八一楼", "一二九小区") loses it from the public view
# rather than a house number reaching it (DESIGN.md: public views show no house numbers). Every alternative
# starts only where its run starts, and what may repeat before a required character is told apart from it,
# so a search takes time in proportion to the text (breaker: 20,000 letters took 10 s before).
_HOUSE_START = re.compile(
    rf"\d|#"
    rf"|(?<![A-Za-z])(?:[A-Za-z]{{1,3}}|[IVXLivxl]+)(?![A-Za-z]){_SEP}*(?:\d|{_HOUSE_WORDS})"
    rf"|{_RUN}(?:[\s)）\]】]*(?:{_HOUSE_WORDS})|\s*(?:{_WEAK_WORDS})\s*[\d{_CN}]|\s*[-–—‐‑~_/．.]{_SEP}*[\d{_CN}])"
    rf"|(?<![{_CN}])[{_CN}](?:[\s、]*[{_CN}])+[\W_]*$|(?<=\s)[{_CN}][\W_]*$"
    rf"|(?<![{_CN_DIGITS}])[{_CN_DIGITS}](?:[\s、]*[{_CN_DIGITS}]){{2,}}"
    rf"|[甲乙丙丁戊己庚辛壬癸][\s)）]*(?:{_HOUSE_WORDS})")
_ROMAN_END = re.compile(r"[^\x00-\x7f\s]\s*(?P<at>[IVXLivxl]+)[\W_]*$")
# The English words that name a building, an entrance, a floor or a room (a regex alternation, lower case):
# "Building 3", "Bldg. 3", "Block B", "Unit 2", "Floor 5", "Room 501", "Apt 3". Not for finding a house part
# inside a 小区: "Century Tower", "Sunshine Apartment" and "Golden Gate" are names (breaker round 3).
_ENGLISH_BUILDING_WORDS = (r"building|bldg|block|blk|tower|unit|entrance|entry|door|gate|stair(?:case|way)?"
                           r"|room|rm|apt|apartment|flat|suite|floor|fl|level")
# The same and "No." ("No. 5"), for a part that says what it is (models.Issue's address line) and a house
# part that ends a 小区.
ENGLISH_HOUSE_WORDS = _ENGLISH_BUILDING_WORDS + r"|no"
# Between the word and its number: spaces and the signs written there, not an apostrophe ("Tower's Garden").
_ENGLISH_SEP = r"[\s.:#,()\[\]（）【】“”\"\-–—]*"
# Text that starts (after any punctuation) with a house part named in English: "Building 3, Unit 2",
# "(Block B)", "Floor 5, Building 3". It names no 小区. Not "No.": "No.1 Middle School" names a school.
ENGLISH_HOUSE_FIRST = re.compile(rf"(?i)[\W_]*(?:{_ENGLISH_BUILDING_WORDS})(?![a-z]){_ENGLISH_SEP}(?:\d|[a-z](?![a-z']))")
# A house part named in English that ends the text: "Sunny Garden Block B", "金色家园 Tower C", "Garden No. 5". Only
# at the end: inside, "Century Tower 5号楼" and "万达Tower B座" are names followed by their house part (breaker round 3).
_ENGLISH_HOUSE_END = re.compile(rf"(?i)(?<![a-z])(?:{ENGLISH_HOUSE_WORDS})(?![a-z']){_ENGLISH_SEP}(?:\d+|[a-z])[\W_]*$")
_OPENING = {")": "(", "）": "（", "]": "[", "】": "【", "」": "「", "》": "《"}


def _normal(char: str) -> str:
    # One character's NFKC form without format characters; a number NFKC leaves alone (❺, ➎, ❿, ⓴) as its digits.
    text = without_format_characters(unicodedata.normalize("NFKC", char))
    if text == char and unicodedata.category(char) == "No":
        value = unicodedata.numeric(char, None)
        if value is not None and value == int(value):
            return str(int(value))
    return text


def _trim_dangling(text: str) -> str:
    # What is left dangling before a cut house part: punctuation, "负" (负一层), "第", "地下", spaces; a closing
    # bracket whose opening one stays is kept ("锦绣花园（东区）").
    while text:
        if text.endswith("地下"):
            text = text[:-2]
            continue
        last = text[-1]
        if last in _OPENING and text.count(_OPENING[last]) >= text.count(last):
            break
        if last in "负第" or not last.isalnum():  # an unmatched closing bracket goes too
            text = text[:-1]
            continue
        break
    return text


def house_start(text: str) -> int | None:
    """Where the house part of a 小区 or address (str) begins: an index into ``text``, or None when it has none.

    Judged on each character's NFKC form without format characters (``_HOUSE_START``; an English-named
    house part that starts the text, ``ENGLISH_HOUSE_FIRST``: "Building 3, Unit 2" → 0, or ends it,
    ``_ENGLISH_HOUSE_END``: "Sunny Garden Block B" → 13), the index given back in ``text`` as it is:
    "锦绣花园③号楼" → 4.
    """
    normal, origin = [], []  # each character of the NFKC form, and the index of the one in ``text`` it comes from
    for index, char in enumerate(text):
        for piece in _normal(char):
            normal.append(piece)
            origin.append(index)
    normal = "".join(normal)
    if ENGLISH_HOUSE_FIRST.match(normal):  # "Building 3, Unit 2", "(Block B)": a house part and no 小区
        return 0
    found, roman, english = _HOUSE_START.search(normal), _ROMAN_END.search(normal), _ENGLISH_HOUSE_END.search(normal)
    starts = ([found.start()] if found else []) + ([roman.start("at")] if roman else []) + (
        [english.start()] if english else [])
    return origin[min(starts)] if starts else None


def public_community(community: str) -> str:
    """What public views show of a 小区 as stored (str → str, possibly ""): the text before its house part.

    Residents often type the whole address into 小区 ("锦绣花园5号楼2单元501室",
    "锦绣花园叁号楼", "锦绣花园Ⅲ号楼"); the duplicate suggestion, the "me too"
    page, a follower's pages, the REST API's public view and Open311
    readers other than the filer see only "锦绣花园". The cut is made at
    ``house_start``, what dangles before it trimmed ("（", "·", "负"); the
    text is otherwise shown as stored. "" when the text starts there ("16号院", "5号楼"), for
    the caller to show a placeholder. The same rule splits an Open311
    ``address_string`` at intake (api.open311.split_address).
    """
    start = house_start(community)
    return community if start is None else _trim_dangling(community[:start]).strip()


def refuse_oversized(value: str, *, max_length: int, label: str = "") -> None:
    """Refuse raw input beyond ``input_length(max_length)`` code points; return None for shorter input.

    The API's early bound, so a huge payload is not normalised and counted
    in full: only its first ``input_length`` code points are. Raises
    FieldError with clean_text's messages: too many characters ("现在至少"
    the count of that head), or too many marks, or, for text padded with
    whitespace beyond the bound, too long. Input within the bound is left to
    clean_text.
    """
    bound = input_length(max_length)
    if len(value) <= bound:
        return
    head = _tidy(value[:bound])
    # The head's clusters are a lower bound of the whole text's: a cut only ends the last cluster early.
    shown = user_length(head)
    if shown > max_length:
        raise FieldError(_too_long(label, max_length, shown, at_least=True))
    if len(head) > column_length(max_length):
        raise FieldError(_too_dense(label))
    raise FieldError(_("%(label)s过长，请删减后再提交") % {"label": field_label(label)})


def _too_long(label: str, max_length: int, length: int, at_least: bool = False) -> str:
    words = {"label": field_label(label), "max": max_length, "now": length}
    if at_least:
        return _("%(label)s最多 %(max)s 个字（现在至少 %(now)s 个）") % words
    return _("%(label)s最多 %(max)s 个字（现在 %(now)s 个）") % words


def _too_dense(label: str) -> str:
    return _("%(label)s含有过多的组合符号或表情修饰，请删减后再提交") % {"label": field_label(label)}


# The labels that messages name, marked so makemessages collects them (their English is in the catalogue).
FIELD_LABELS = [
    gettext_noop("此项"), gettext_noop("小区"), gettext_noop("问题描述"), gettext_noop("称呼"), gettext_noop("楼栋"),
    gettext_noop("单元"), gettext_noop("户"), gettext_noop("交办意见"), gettext_noop("办理结果"),
    gettext_noop("审批意见"), gettext_noop("延期理由"), gettext_noop("意见"), gettext_noop("整改措施"),
    gettext_noop("查看理由"), gettext_noop("核查意见"), gettext_noop("申诉理由"), gettext_noop("督办要求"),
    gettext_noop("裁定意见"), gettext_noop("说明"), gettext_noop("进展说明"), gettext_noop("退单理由"),
    gettext_noop("不予受理理由"), gettext_noop("题目"),
]


def field_label(label: str) -> str:
    """A field's label (str, Chinese as the code writes it) in the active language; "此项" translated when empty."""
    return _(label) if label else _("此项")


def user_length(text: str) -> int:
    """Characters as the user sees them in ``text``: the number of extended grapheme clusters."""
    return len(_GRAPHEME.findall(text))


_GRAPHEME = regex.compile(r"\X")


def user_prefix(text: str, length: int, max_code_points: int | None = None) -> str:
    """The first ``length`` characters of ``text`` as the user sees them (grapheme clusters, as ``user_length``
    counts), and no more than ``max_code_points`` code points in all when given (a cluster may hold hundreds:
    "é" with a pile of accents): a cut never splits an emoji sequence, a flag or a letter from its accents."""
    out, used = [], 0
    for cluster in _GRAPHEME.findall(text)[:length]:
        used += len(cluster)
        if max_code_points is not None and used > max_code_points:
            break
        out.append(cluster)
    return "".join(out)


def normalize_tracking_code(text: str) -> str:
    """A tracking code as typed (str) → as stored: NFKC, whitespace and invisible characters removed, upper-case.

    ``ｚｙ ２０２６…`` → ``ZY2026…``: NFKC first, so a code typed with a
    Chinese input method's full-width letters, digits and space matches, as
    the phone does; a code pasted with a zero-width space or joiner, a BOM
    or a bidi mark (``_INVISIBLE``, and every format character) matches too. Never raises; a code that does not
    exist just matches nothing. Only letters and digits count, so the
    full stop or quotes copied with it from an SMS (``ZY2026…。``), a dash
    or a slash are dropped, and a code of its 14 digits alone (the "ZY" left
    off) gets its prefix back.
    """
    code = _NOT_IN_CODE.sub("", unicodedata.normalize("NFKC", text).upper())
    # A code's digits are its day (20YYMMDD) and that day's number (6 digits): "0086 138…" stays a phone.
    return f"ZY{code}" if code.isdigit() and len(code) == 14 and code.startswith("20") else code


_NOT_IN_CODE = re.compile(r"[^0-9A-Z]")


def without_format_characters(text: str) -> str:
    """``text`` (str) without what is drawn as nothing in a code, a number or an address: _INVISIBLE and every
    format character (Unicode category Cf: joiners, bidi controls, the Mongolian vowel separator…)."""
    return "".join(ch for ch in _INVISIBLE.sub("", text) if unicodedata.category(ch) != "Cf")


def normalize_phone(raw) -> str:
    """A Chinese mobile or landline number in E.164 (``+8613800000000``).

    Accepts full-width digits, spaces, dashes, dots, slashes, brackets, a
    +86 / 0086 prefix and a sentence's end after the number ("。", "；");
    a landline of 7 or 8 digits without its area code is read in
    settings.ZY_LOCAL_AREA_CODE (Zhangye's 0936). Raises FieldError when
    it is not a valid Chinese mobile or landline (a company's 400 or 800
    hotline is neither, and its message says so), or holds anything else: a letter
    (phonenumbers would read it as a keypad's digit), an extension, a NUL;
    its message says so for a landline's extension ("分机号不用填写…") and
    for two numbers in one field ("请只填一个电话号码").
    """
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError(_("请填写联系电话"))
    return _phone(raw)[0]


def lookup_phone(raw) -> str:
    """A phone number typed to find something (str → E.164): ``normalize_phone``'s, and a company hotline's too
    (refused for filing, ``HotlineNumber``, but accepted until 2026-12, so stored on older issues, followers and
    SMS). Raises FieldError as normalize_phone does otherwise."""
    try:
        return normalize_phone(raw)
    except HotlineNumber as exc:
        return exc.e164


def is_mobile(e164: str) -> bool:
    """True when an E.164 number is a Chinese mobile (only mobiles receive SMS); False for anything else."""
    try:
        return _phone(e164)[1]
    except FieldError:
        return False


# raw text or E.164 → (E.164, is mobile), or the FieldError's message. A filing reads its number three
# times (view, workflow, outbox), raw and then as E.164: one parse serves them all. Bounded: cleared when full.
_PHONES: dict[str, tuple[str, bool] | str] = {}
_PHONES_MAX = 4096


def _phone(raw: str) -> tuple[str, bool]:
    found = _PHONES.get(raw)
    if found is None:
        try:
            found = _parse_phone(raw)
        except HotlineNumber as exc:
            found = exc  # its number kept for lookup_phone
        except FieldError as exc:
            found = str(exc)
        if len(_PHONES) >= _PHONES_MAX:
            _PHONES.clear()
        _PHONES[raw] = found
        if isinstance(found, tuple):
            _PHONES[found[0]] = found
    if isinstance(found, HotlineNumber):
        raise HotlineNumber(_(HOTLINE_MESSAGE), found.e164)
    if isinstance(found, str):
        raise FieldError(_(found))  # kept untranslated (the msgid): this cache serves every language
    return found


# A local landline: 7 or 8 digits, the first neither 0 (an area code) nor 1 (a mobile), spaces or dashes between.
_LOCAL_NUMBER = regex.compile(r"[2-9](?:[\s\p{Pd}]?\d){6,7}")
# Digits of any script, spaces, dashes (and the minus sign), + ( ) [ ] . /
_PHONE_CHARACTERS = regex.compile(r"[\d\s\p{Pd}\u2212+()\[\]./]*")


# An extension after a landline: "-801", "转801", "分机 801", "ext. 801", "x801", "#801", "/801", " 801",
# "（转801）" (NFKC makes the brackets ASCII).
_EXTENSION = regex.compile(r"(?i)(?:\s*\(?\s*(?:[\p{Pd}\u2212#/]|转|分机|ext\.?|x)\s*|\s+)(?P<digits>\d{1,6})\s*\)?$")
# Between two numbers typed in one field: "13812345678/13812345679", "…、…", "…，…", "… 或 …", "… …", "…-…".
_BETWEEN_NUMBERS = regex.compile(r"\s*(?:[/,，、;；|\p{Pd}\u2212]|或者|或|和|及|or|and)\s*|\s+", regex.IGNORECASE)


def _parse_phone(raw: str) -> tuple[str, bool]:
    # One number as ``_parse_one`` reads it; when it is none, a landline with an extension or two numbers
    # get messages that say so (they got "请填写有效的…号码" or "格式不正确", which did not say what to change).
    try:
        return _parse_one(raw)
    except HotlineNumber:
        raise
    except FieldError:
        text = without_format_characters(unicodedata.normalize("NFKC", raw)).strip()
        if len(text) <= 60:
            if _two_numbers(text):
                raise FieldError(gettext_noop("请只填一个电话号码")) from None
            extension = _EXTENSION.search(text)
            if (extension and extension.start() > 0 and _reads_as_phone(text[:extension.start()], mobile=False)
                    and not _area_code_last(text[:extension.start()], extension.group("digits"))):
                raise FieldError(gettext_noop("分机号不用填写，请只填电话号码（例如 0936-8212345）")) from None
        raise


def _two_numbers(text: str) -> bool:
    # Whether ``text`` holds two phone numbers: split at what people put between numbers, two of the parts
    # read as one each ("13812345678/13812345679", "0936-8212345-8212346"), or the text cut in two at one
    # such place reads as two ("138 1234 5678 138 1234 5679": its spaces also join each number's groups).
    parts = _BETWEEN_NUMBERS.split(text)
    if len(parts) > 1 and sum(_reads_as_phone(part) for part in parts) > 1:
        return True
    return any(_reads_as_phone(text[:cut.start()]) and _reads_as_phone(text[cut.end():])
               for cut in _BETWEEN_NUMBERS.finditer(text))


def _area_code_last(number: str, digits: str) -> bool:
    # Whether ``digits`` after a local number without its area code is that area code ("8212345-0936").
    return digits.startswith("0") and 3 <= len(digits) <= 4 and not regex.sub(r"\D", "", number).startswith("0")


def _reads_as_phone(text: str, mobile: bool | None = None) -> bool:
    # Whether ``text`` is one phone number (a mobile when ``mobile``, a landline when ``mobile`` is False).
    try:
        found = _parse_one(text)
    except FieldError:
        return False
    return mobile is None or found[1] == mobile


_HOTLINE_TYPES = (phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST)
HOTLINE_MESSAGE = gettext_noop("这是单位的客服热线号码（400、800、96 开头等），请填写您本人的手机或固定电话")
_PERSONAL_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                   phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _parse_one(raw: str) -> tuple[str, bool]:
    text = without_format_characters(unicodedata.normalize("NFKC", raw)).strip()  # a bidi mark pasted inside
    if "\x00" in text or len(text) > 30:
        raise FieldError(gettext_noop("电话号码格式不正确"))
    text = text.rstrip("。.,;").rstrip()  # the end of a sentence typed after the number ("。", "；")
    if _LOCAL_NUMBER.fullmatch(text):  # a landline without its area code, as callers in the city give it
        text = f"{settings.ZY_LOCAL_AREA_CODE} {text}"
    # Digits and the signs people write between them only: phonenumbers reads letters as a keypad's
    # digits ("139abc00001" → 13922200001) and drops an extension ("… ext 8", "… x12"), so the SMS
    # would go to someone else's number (breaker). Refused: a letter, "*" of a masked number, "#", "转 8".
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise FieldError(gettext_noop("请填写有效的中国大陆手机或固定电话号码"))
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise FieldError(gettext_noop("电话号码格式不正确")) from None
    # For +86, which belongs to one region only, is_valid_number(n) is number_type(n) != UNKNOWN:
    # the type is worked out once and answers both questions.
    kind = phonenumbers.number_type(number) if number.country_code == 86 else phonenumbers.PhoneNumberType.UNKNOWN
    if kind in _HOTLINE_TYPES:  # a company's 400/800 line, copied from a bill by mistake: no one to call back
        raise HotlineNumber(HOTLINE_MESSAGE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if kind not in _PERSONAL_TYPES:
        raise FieldError(gettext_noop("请填写有效的中国大陆手机或固定电话号码"))
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), mobile


def mask_phone(e164: str) -> str:
    """First 3 and last 4 digits of the national number: ``138****0000``."""
    if not e164:
        return ""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) <= 7:
        return national[:1] + "*" * max(len(national) - 1, 0)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


# Units residents type after a number, by what the question asks for (told by its code or its Chinese label,
# which names the unit or the quantity): a temperature ("indoor_temp", "室内温度（℃）"), an area ("area",
# "供热面积（㎡）"), a floor ("floor", "所在楼层"). Only the question's own units: "15楼" is no temperature
# (breaker round 2). Longest first; compared in lower case. What may come before the number: below zero
# (负5度, 零下5度) or below ground (负1楼, 地下1层, B1), and 第 before a floor.
_UNITS = (
    (("temp", "℃", "温度"), ("摄氏度", "°c", "℃", "度", "°"), ("零下", "负")),
    (("area", "㎡", "面积"), ("平方米", "平方", "平米", "m²", "m2", "㎡", "平"), ()),
    (("floor", "楼层"), ("层楼", "楼", "层", "f"), ("地下", "负", "b", "第")),
)
_WIDE_NUMBER = str.maketrans("０１２３４５６７８９．－，ｍＭＦｆＢｂ", "0123456789.-,mMFfBb")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SPLIT_DEGREE = re.compile(r"°\s+c$")  # "15° C", as a keyboard's degree sign and a letter come out


def number_as_typed(text: str, question: dict) -> str:
    """The number in ``text`` (str, an extra question's answer as typed) without the unit after it, for
    ``question`` (dict, a Category.extra_questions entry: its code and Chinese label tell its units):
    "15度" and "15° C" → "15", "1,200平米" → "1200", "负1楼" and "B1" → "-1", "第5层" → "5". Returns ``text`` as it
    was when what is left is no plain decimal number, for the caller's float() to read or refuse ("1e5平米",
    "²度" and "约15度" are refused). Raises nothing."""
    told = f"{question.get('code') or ''} {question.get('label') or ''}".lower()
    for markers, units, before in _UNITS:
        if not any(marker in told for marker in markers):
            continue
        number = _SPLIT_DEGREE.sub("°c", without_format_characters(text).translate(_WIDE_NUMBER).strip().lower())
        unit = next((u for u in units if number.endswith(u)), "")
        number = number[:len(number) - len(unit)].rstrip()
        prefix = next((p for p in before if number.startswith(p)), "")
        if prefix:
            number = ("" if prefix == "第" else "-") + number[len(prefix):].lstrip()
        if _THOUSANDS.fullmatch(number):
            number = number.replace(",", "")
        changed = unit or prefix or number != text.strip()
        return number if changed and _PLAIN_NUMBER.fullmatch(number) else text
    return text

# A date and time as staff forms and the API take it: a date alone, or with hours and minutes (seconds and
# their fraction optional), "T" or a space between, an offset or Z optional. Python's fromisoformat, under
# Django's parse_datetime, also reads a date alone as midnight and a week date ("2026-W50-1") as its
# Monday's midnight: a deadline typed as a day fell at its start (breaker).
_WHEN = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2})(?:[Tt ](?P<hm>\d{2}:\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d+))?)?"
                   r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?")
DAY_ENDS_AT = (18, 0)  # a date alone means by the end of that day's office hours (settings.ZY_OFFICE_HOURS' default)


def parse_when(raw) -> datetime | None:
    """A deadline as typed (str) → an aware datetime, or None when it is not one.

    Takes ``2026-12-03T18:00``, ``2026-12-03 18:00``, with seconds, a fraction
    (of any length, as .NET and Java write it; kept to microseconds) and an
    offset (``+08:00``, ``+0800``, ``Z``) or not, "T" and "Z" in either case,
    full-width digits; a date alone (``2026-12-03``) is 18:00 that day
    (``DAY_ENDS_AT``). Times without an offset are Asia/Shanghai. Anything
    else (week or ordinal dates, a date that does not exist, a year in
    Beijing time before 2000 or after 2200) gives None.
    """
    if not isinstance(raw, str) or len(raw) > 100:
        return None
    m = _WHEN.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    if m is None:
        return None
    try:
        if m.group("hm") is None:
            value = datetime.combine(date.fromisoformat(m.group("day")), time(*DAY_ENDS_AT))
        else:
            tz = (m.group("tz") or "").upper().replace("Z", "+00:00")
            value = datetime.fromisoformat(f"{m.group('day')}T{m.group('hm')}:{m.group('s') or '00'}"
                                           f".{(m.group('frac') or '')[:6].ljust(6, '0')}{tz}")
        local = ZoneInfo("Asia/Shanghai")
        value = timezone.make_aware(value, local) if timezone.is_naive(value) else value
        year = value.astimezone(local).year  # year 1 at +14:00 is before year 1 there: OverflowError
    except (ValueError, OverflowError):
        return None
    return value if 2000 <= year <= 2200 else None
