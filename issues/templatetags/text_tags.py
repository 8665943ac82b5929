"""Template helpers for text residents and staff typed themselves (not translated by the UI)."""

import re

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext

register = template.Library()

# Han ideographs: the CJK Unified Ideographs block and its extensions A–F, and the compatibility ideographs.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


@register.simple_tag
def list_separator() -> str:
    """What goes between the items of one line (messages, answers) in the active language: "；", "; " in English."""
    return pgettext("list separator", "；")


@register.filter(needs_autoescape=True)
def joined(items, autoescape=True) -> str:
    """``items`` (messages, any iterable) as one line, each escaped, with ``list_separator()`` between them."""
    escape = conditional_escape if autoescape else str
    return mark_safe(list_separator().join(escape(item) for item in items or ()))


@register.filter(is_safe=True)
def zh_lang(value) -> str:
    """`` lang="zh-Hans"`` (with its leading space) for text holding a Han character on a page not in Chinese, else "".

    Put inside the tag that wraps typed text (``<span{{ text|zh_lang }}>``):
    on an English page a screen reader then reads a resident's 小区 or
    description with a Chinese voice instead of spelling it out in English
    (WCAG 3.1.2, language of parts). Any value (str or not); never raises.
    """
    if (get_language() or "").startswith("zh") or not _HAN.search(str(value or "")):
        return ""
    return mark_safe(' lang="zh-Hans"')


@register.filter
def code_parts(code) -> str:
    """A tracking code (str) as HTML in its three parts, "ZY", the date and the day's number, each unbreakable.

    ``ZY20261207000034`` → ``<span class="part">ZY</span><wbr><span class="part">20261207</span><wbr>…``:
    a line too narrow for the whole code (a phone at a large text size) breaks between parts, never
    inside one, and copying it gives the code unchanged. Text escaped; any other string is one part.
    """
    text = str(code or "")
    m = re.fullmatch(r"([A-Z]+)(\d{8})(\d+)", text)
    parts = m.groups() if m else (text,)
    return format_html_join(mark_safe("<wbr>"), '<span class="part">{}</span>', ((p,) for p in parts))
