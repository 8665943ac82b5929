"""Input cleaning shared by the workflow, forms and the API.

Each function returns the cleaned value or raises ``FieldError`` naming what
is wrong in Chinese; callers collect them into a 400 answer per field.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
import regex

# Control characters other than tab and line breaks: never part of a complaint. Also lone
# surrogates (a JSON "\\ud83d" alone): they have no UTF-8 form and the database refuses them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Characters that look blank: ideographic space, zero-width space/joiners,
# BOM, word joiner, and the like.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class FieldError(ValueError):
    """A single field's problem: ``message`` is shown next to the field."""


def clean_text(value, *, max_length: int, required: bool = True, label: str = "") -> str:
    """Trim and check free text.

    Refuses NUL bytes, other control characters, lone surrogates and text that is blank once ideographic spaces and
    zero-width characters are removed. ``max_length`` counts characters as
    the user sees them: grapheme clusters after NFC normalisation (👍🏽 or a
    ZWJ family emoji is one), the same count as the pages' JavaScript
    (Intl.Segmenter). Returns the NFC-normalised, trimmed string ("" when
    optional and blank).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(f"{label or '此项'}必须是文字")
    if _CONTROL.search(value):
        raise FieldError(f"{label or '此项'}含有不允许的字符")
    value = unicodedata.normalize("NFC", value).strip().strip("\u3000").strip()
    visible = _INVISIBLE.sub("", value).replace("\u3000", "").strip()
    if not visible:
        if required:
            raise FieldError(f"请填写{label or '此项'}")
        return ""
    length = user_length(value)
    if length > max_length:
        raise FieldError(f"{label or '此项'}最多 {max_length} 个字（现在 {length} 个）")
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
    return _normalize_phone(raw)


@lru_cache(maxsize=1024)  # a filing parses its number two or three times (view, workflow, outbox)
def _normalize_phone(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if "\x00" in text or len(text) > 30:
        raise FieldError("电话号码格式不正确")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise FieldError("电话号码格式不正确") from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise FieldError("请填写有效的中国大陆手机或固定电话号码")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def is_mobile(e164: str) -> bool:
    """True when an E.164 number is a mobile (only mobiles receive SMS)."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mask_phone(e164: str) -> str:
    """First 3 and last 4 digits of the national number: ``138****0000``."""
    if not e164:
        return ""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) <= 7:
        return national[:1] + "*" * max(len(national) - 1, 0)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]
