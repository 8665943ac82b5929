"""Template helpers of the staff pages: durations in words, form values kept after an error."""

from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from issues import formkeys

register = template.Library()


@register.filter
def duration(value) -> str:
    """A timedelta as "2天3小时" / "3小时5分钟" / "12分钟" (negative → the same, positive)."""
    if not isinstance(value, timedelta):
        return ""
    minutes = int(abs(value.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": mins}
    return _("%(m)d分钟") % {"m": mins}


@register.filter
def left_until(deadline, now) -> str:
    """The time from ``now`` to ``deadline`` (aware datetimes) in ``duration``'s words ("1小时58分钟"), as the
    time past a deadline is shown beside it ("已超时 1天13小时"); "" when either is missing. Django's
    ``timeuntil`` wrote "1 小时，58 分钟" in the same queue."""
    if deadline is None or now is None:
        return ""
    return duration(deadline - now)


@register.simple_tag(takes_context=True)
def typed(context, action: str, name: str) -> str:
    """What the user typed into field ``name`` of the form of ``action``, when that form just failed."""
    if context.get("failed") != action:
        return ""
    data = context.get("typed") or {}
    return data.get(name, "")


@register.simple_tag(takes_context=True)
def typed_list(context, action: str, name: str) -> list[str]:
    """Every value sent for field ``name`` (ticked boxes) of the form of ``action``, when that form just failed."""
    if context.get("failed") != action:
        return []
    data = context.get("typed")
    return data.getlist(name) if hasattr(data, "getlist") else []


@register.simple_tag(takes_context=True)
def field_errors(context, action: str, name: str) -> list:
    """The messages for field ``name`` when the form of ``action`` just failed."""
    if context.get("failed") != action:
        return []
    return (context.get("errors") or {}).get(name, [])


@register.simple_tag
def form_key():
    """A hidden ``form_key`` input with a fresh key (issues.formkeys): a second copy of the form is not acted on."""
    return format_html('<input type="hidden" name="form_key" value="{}">', formkeys.new_key())
