"""Input cleaning shared by the workflow, forms and the API.

Each function returns the cleaned value or raises ``FieldError`` naming what
is wrong in Chinese; callers collect them into a 400 answer per field.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
import regex

# Control characters other than tab and line breaks: never part of a complaint. Also lone
# surrogates (a JSON "\\ud83d" alone): they have no UTF-8 form and the database refuses them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What clean_text trims: the characters JavaScript's String.prototype.trim() removes (ECMAScript
# WhiteSpace and LineTerminator). The counter in static/js/site.js trims this same list, so the
# page and the server count the same text. Not str.strip()'s set, which keeps U+FEFF and drops
# U+0085 and U+001C–U+001F. (VT and FF are in the list but _CONTROL refuses them first.)
TRIMMED = ("\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
           "\u2028\u2029\u202f\u205f\u3000\ufeff")

# Text made only of these is blank: whitespace, format characters (zero-width space and
# joiners, BOM, direction marks, U+180E…), marks with nothing to sit on (combining marks,
# U+034F, variation selectors) and the letters that render as nothing (Hangul fillers, the
# braille blank). Any other character is visible. A search stops at the first visible one.
_VISIBLE = regex.compile(r"[^\p{White_Space}\p{Cf}\p{Mn}\p{Me}\p{Variation_Selector}"
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


class FieldError(ValueError):
    """A single field's problem: ``message`` is shown next to the field."""


def is_blank(value: str) -> bool:
    """True when ``value`` has no visible character (see ``_VISIBLE``)."""
    return _VISIBLE.search(value) is None


def clean_text(value, *, max_length: int, required: bool = True, label: str = "") -> str:
    """Trim and check free text.

    Refuses NUL bytes, other control characters, lone surrogates and text
    with no visible character (``is_blank``). Trims what JavaScript's trim()
    trims (``TRIMMED``). ``max_length`` counts characters as the user sees
    them: grapheme clusters after NFC normalisation (👍🏽 or a ZWJ family
    emoji is one), the same count as the pages' JavaScript
    (Intl.Segmenter); the text must also fit ``column_length(max_length)``
    code points. Returns the NFC-normalised, trimmed string ("" when
    optional and blank).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(f"{label or '此项'}必须是文字")
    if _CONTROL.search(value):
        raise FieldError(f"{label or '此项'}含有不允许的字符")
    value = unicodedata.normalize("NFC", value).strip(TRIMMED)
    if is_blank(value):
        if required:
            raise FieldError(f"请填写{label or '此项'}")
        return ""
    length = user_length(value)
    if length > max_length:
        raise FieldError(f"{label or '此项'}最多 {max_length} 个字（现在 {length} 个）")
    if len(value) > column_length(max_length):
        raise FieldError(f"{label or '此项'}含有过多的组合符号或表情修饰，请删减后再提交")
    return value


def user_length(text: str) -> int:
    """Characters as the user sees them: the number of extended grapheme clusters."""
    return len(_GRAPHEME.findall(text))


_GRAPHEME = regex.compile(r"\X")


def normalize_phone(raw) -> str:
    """A Chinese mobile or landline number in E.164 (``+8613800000000``).

    Accepts full-width digits, spaces, dashes and a +86 / 0086 prefix.
    Raises FieldError when it is not a valid Chinese number.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError("请填写联系电话")
    return _phone(raw)[0]


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
        except FieldError as exc:
            found = str(exc)
        if len(_PHONES) >= _PHONES_MAX:
            _PHONES.clear()
        _PHONES[raw] = found
        if not isinstance(found, str):
            _PHONES[found[0]] = found
    if isinstance(found, str):
        raise FieldError(found)
    return found


def _parse_phone(raw: str) -> tuple[str, bool]:
    text = unicodedata.normalize("NFKC", raw).strip()
    if "\x00" in text or len(text) > 30:
        raise FieldError("电话号码格式不正确")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise FieldError("电话号码格式不正确") from None
    # For +86, which belongs to one region only, is_valid_number(n) is number_type(n) != UNKNOWN:
    # the type is worked out once and answers both questions.
    kind = phonenumbers.number_type(number) if number.country_code == 86 else phonenumbers.PhoneNumberType.UNKNOWN
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise FieldError("请填写有效的中国大陆手机或固定电话号码")
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
