"""The mayor's supervision dashboard, the ledger (台账) and its exports.

Thin views: decide the scope, read ``issues.measures`` / ``issues.ledger``,
render. Who may enter:

- /dashboard/: the mayor's office and admins (every utility), supervisors
  (their utilities); other staff 403; anonymous → login.
- /ledger/ and exports: any staff role, within ``visible_issues``.
- an export's progress and file: its requester only (404 for anyone else).
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import quote_plus

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.scope import visible_issues

from .. import ledger as ledger_mod
from .. import measures as m
from ..choices import OPEN_STATUSES, Role, Utility
from ..forms import MonthlyTopicForm
from ..models import Category, District, Export, MonthlyTopic, Unit

log = logging.getLogger("issues.exports")

# Lazy: built at import, read in the request's language (gettext here gave the English page Chinese labels).
MAP_MEASURES = [
    ("received", _lazy("受理量")), ("overdue", _lazy("超时")), ("open", _lazy("在办")),
    ("resolution_rate", _lazy("按时办结率")), ("satisfaction_rate", _lazy("满意率")),
]
ESCALATED_MAX = 20


def _utilities_of(user):
    """Utilities the user's dashboard covers (None = all); PermissionDenied for other roles."""
    if not user.sees_dashboard:
        raise PermissionDenied(_("仪表盘仅供市长办公室和督查人员使用"))
    if user.role == Role.SUPERVISOR and not user.is_superuser:
        return list(user.regulated_utilities or [])
    return None


def _staff_or_login(request):
    """None when a staff user is signed in; otherwise the response to return (login redirect or 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (request.user.is_superuser or request.user.role):
        raise PermissionDenied
    return None


def parse_period_or_problem(params, now) -> tuple[m.Period, str]:
    """``(period, problem)``: the period from GET ``period`` (today|week|month|custom) and ``start``/``end``
    (month by default), and why a custom period asked for was not used ("" when it was).

    A custom period with a missing or malformed date, the start after the end, or more than ten years
    falls back to this month, and the page says so instead of showing another period without a word.
    """
    kind = params.get("period") or "month"
    try:
        if kind == "custom":
            start, end = date.fromisoformat(params.get("start", "")), date.fromisoformat(params.get("end", ""))
            if start > end:
                return m.Period.of("month", now), _("开始日期晚于结束日期，已改为显示本月。")
            return m.Period.of("custom", now, start, end), ""
        return m.Period.of(kind, now), ""
    except ValueError:
        problem = _("自定义时段须填写开始和结束日期，且不超过十年，已改为显示本月。") if kind == "custom" else ""
        return m.Period.of("month", now), problem


_LEDGER_URL = None  # reverse() once: the dashboard draws a thousand links


def ledger_link(key: str, period: m.Period | None = None, **dims) -> str:
    """/ledger/?measure=… selecting exactly the issues behind count ``key`` (with period and dimensions).

    The same string as ``urlencode`` of measure, start, end and the dimensions
    in that order (None → "none"), built by hand: a page draws ~700 of them.
    """
    global _LEDGER_URL
    if _LEDGER_URL is None:
        _LEDGER_URL = reverse("dashboard:ledger")
    url = f"{_LEDGER_URL}?measure={quote_plus(key)}"
    if key not in m.NOW_COUNTS and period is not None:
        url += f"&start={period.start_day.isoformat()}&end={period.end_day.isoformat()}"
    for name, value in dims.items():
        url += f"&{quote_plus(name)}={'none' if value is None else quote_plus(str(value))}"
    return url


def _cell(counts: dict, key: str, period, dims: dict, basis: str | None = None) -> dict:
    """A table cell: the number (or rate) and the link to exactly its issues."""
    n = int(counts.get(key, 0))
    if basis is None:
        return {"text": str(n), "href": ledger_link(key, period, **dims), "title": ""}
    b = int(counts.get(basis, 0))
    r = m.rate(n, b)
    return {"text": "—" if r is None else f"{r * 100:.1f}%", "href": ledger_link(key, period, **dims),
            "title": f"{n}/{b}", "basis_href": ledger_link(basis, period, **dims), "basis": b}


BREAKDOWN_COLUMNS = [
    ("received", None, _lazy("受理")), ("closed", None, _lazy("销号")), ("open", None, _lazy("在办")),
    ("overdue", None, _lazy("超时")), ("resolved_on_time", "resolved", _lazy("按时办结率")),
    ("rated_satisfied", "rated", _lazy("满意率")), ("rated_resolved", "rated", _lazy("解决率")),
]


def _breakdown(summary, dim: str, names: dict, period) -> list[dict]:
    rows = []
    for key, counts in summary.by[dim].items():
        name = names.get(key, _("未交办") if key is None else str(key))
        dims = {dim: key}
        cells = [_cell(counts, k, period, dims, b) for k, b, _l in BREAKDOWN_COLUMNS]
        rows.append({"name": name, "cells": cells, "received": counts.get("received", 0),
                     # Built here, not by a template loop: a page holds hundreds of these links.
                     "cells_html": format_html_join("", '<td><a href="{}" title="{}">{}</a></td>',
                                                    ((c["href"], c["title"], c["text"]) for c in cells))})
    rows.sort(key=lambda r: (-r["received"], str(r["name"])))
    return rows


def _value_of(counts: dict, measure: str) -> float:
    if measure == "resolution_rate":
        r = m.rate(counts.get("resolved_on_time", 0), counts.get("resolved", 0))
        return round(r * 100, 1) if r is not None else 0
    if measure == "satisfaction_rate":
        r = m.rate(counts.get("rated_satisfied", 0), counts.get("rated", 0))
        return round(r * 100, 1) if r is not None else 0
    return counts.get(measure, 0)


@never_cache
@require_safe
def dashboard(request):
    """/dashboard/: cards, breakdowns, trend, map, ranking, escalated list and monthly topic for a period."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _dashboard_page(request)


def _dashboard_page(request, topic_form: MonthlyTopicForm | None = None, status: int = 200):
    """The dashboard for the period in ``request.GET``; ``topic_form`` is a refused 每月一题 form to show again."""
    utilities = _utilities_of(request.user)
    now = timezone.now()
    period, period_problem = parse_period_or_problem(request.GET, now)
    summary = m.summarize(period, utilities=utilities, now=now)
    utility_names = {u.value: str(u.label) for u in Utility}
    district_rows = list(District.objects.all())
    districts = {d.pk: d.shown_name for d in district_rows}  # the page's language (English names under the switch)
    units = {u.pk: u.name for u in Unit.objects.all()}
    categories = {c.pk: c.shown_name for c in Category.objects.all()}
    cards = []
    for c in summary.cards:
        cards.append({"m": c, "href": ledger_link(c.key, period),
                      "basis_href": ledger_link(c.basis_key, period) if c.basis_key else ""})
    map_measure = request.GET.get("map") or "received"
    if map_measure not in dict(MAP_MEASURES):
        map_measure = "received"
    map_data = []
    for d in district_rows:  # the map's shapes are named in Chinese: its data keeps the Chinese names
        pk, name = d.pk, d.name
        counts = summary.by["district"].get(pk, {})
        key = {"resolution_rate": "resolved_on_time", "satisfaction_rate": "rated_satisfied"}.get(map_measure,
                                                                                                  map_measure)
        map_data.append({"name": name, "value": _value_of(counts, map_measure),
                         "href": ledger_link(key, period, district=pk)})
    trend = {"labels": [t[0] for t in summary.trend],
             "received": [t[3]["received"] for t in summary.trend],
             "closed": [t[3]["closed"] for t in summary.trend],
             "hrefs": [ledger_link("received", m.Period(t[1], t[2])) for t in summary.trend]}
    ranked = m.ranking(summary)
    for r in ranked:
        r["name"] = units.get(r["unit_id"], "?")
        r["href"] = ledger_link("rated_satisfied", period, unit=r["unit_id"])
        r["rated_href"] = ledger_link("rated", period, unit=r["unit_id"])
    escalated = visible_issues(request.user).filter(status__in=sorted(OPEN_STATUSES), escalation_level__gte=2)
    if utilities is not None:
        escalated = escalated.filter(utility__in=utilities)
    # The partial index issue_escalated_filed holds exactly these rows, in this order.
    escalated = list(escalated.select_related("category", "district", "lead_unit")
                     .order_by("filed_at", "id")[:ESCALATED_MAX])
    context = {
        "period": period, "summary": summary, "cards": cards,
        "breakdowns": [
            (_("按行业"), _breakdown(summary, "utility", utility_names, period)),
            (_("按县区"), _breakdown(summary, "district", districts, period)),
            (_("按责任单位"), _breakdown(summary, "unit", units, period)),
            (_("按问题类别"), _breakdown(summary, "category", categories, period)),
        ],
        "columns": [str(c[2]) for c in BREAKDOWN_COLUMNS],
        "trend": trend, "map_data": map_data,
        "map_measures": MAP_MEASURES, "map_measure": map_measure, "period_problem": period_problem,
        "ranking": ranked, "ranking_min": m.RANKING_MIN_RATED,
        "red": ranked[:3], "black": list(reversed(ranked[3:]))[:3] if len(ranked) > 3 else [],
        "escalated": escalated, "escalated_href": ledger_link("escalated"),
        "topic": _topic_panel(request.user, utilities, now),
        "can_set_topic": request.user.is_superuser or request.user.role in (Role.MAYOR, Role.ADMIN),
        "utilities": list(Utility), "all_categories": Category.objects.order_by("utility", "id"),
        "topic_form": topic_form or MonthlyTopicForm(initial={"month": f"{timezone.localdate(now):%Y-%m}"}),
        "scope_label": "、".join(utility_names[u] for u in utilities) if utilities is not None else _("全市"),
    }
    return render(request, "dashboard/dashboard.html", context, status=status)


def _topic_panel(user, utilities, now):
    """The month's 每月一题 with its measures for that month (None when unset or outside scope)."""
    month = m.Period.of("month", now)
    topic = MonthlyTopic.objects.filter(month=month.start_day).select_related("category").first()
    if topic is None or (utilities is not None and topic.utility not in utilities):
        return None
    filters = {"utility": topic.utility}
    if topic.category_id:
        filters["category"] = topic.category_id
    s = m.summarize(month, utilities=utilities, filters=filters, now=now, with_trend=False, do_refresh=False)
    cells = [(label, _cell(s.totals, k, month, filters, b)) for k, b, label in BREAKDOWN_COLUMNS]
    return {"topic": topic, "cells": cells}


@require_POST
def topic_set(request):
    """POST /dashboard/topic/: set the month's 每月一题 (the mayor's office and admins; others 403).

    Takes what ``forms.MonthlyTopicForm`` reads (month YYYY-MM, utility,
    category?, title). Saved (one topic a month; setting it again replaces
    it) → redirect to /dashboard/. Refused → the dashboard again, status
    400, with the form open showing each field's message and what was typed.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("dashboard:dashboard"))
    if not (request.user.is_superuser or request.user.role in (Role.MAYOR, Role.ADMIN)):
        raise PermissionDenied
    form = MonthlyTopicForm(request.POST)
    if not form.is_valid():
        return _dashboard_page(request, topic_form=form, status=400)
    data = form.cleaned_data
    MonthlyTopic.objects.update_or_create(month=data["month"], defaults={
        "utility": data["utility"], "category": data["category"], "title": data["title"],
        "created_by": request.user})
    return redirect(reverse("dashboard:dashboard"))


@never_cache
@require_safe
def ledger(request):
    """/ledger/: the filtered issues in the viewer's scope, 50 a page by keyset (``?after=`` cursor)."""
    denied = _staff_or_login(request)
    if denied:
        return denied
    now = timezone.now()
    if request.GET.get("measure") and request.GET.get("measure") not in m.NOW_COUNTS:
        m.refresh(now)
    qs, f = ledger_mod.ledger_queryset(request.user, request.GET, now=now)
    items, nxt = ledger_mod.page(ledger_mod.annotate(qs), request.GET.get("after"))
    ledger_mod.attach_extras(items)
    for issue in items:
        issue.overdue_days = ledger_mod.overdue_days(issue, now)
        issue.marks = ledger_mod.marks(issue)
        issue.masked_phone = ledger_mod.mask_phone(issue.reporter_phone)
    params = request.GET.copy()
    params.pop("after", None)
    next_params = params.copy()
    if nxt:
        next_params["after"] = nxt
    exports = Export.objects.filter(requested_by=request.user)[:5]
    return render(request, "dashboard/ledger.html", {
        "filter": f, "issues": items, "next_url": ("?" + next_params.urlencode()) if nxt else "",
        "query": params.urlencode(), "exports": exports, "first_page": not request.GET.get("after"),
    })


@require_POST
def export_start(request):
    """Start an export of the ledger as filtered (POST ``format`` xlsx|csv, ``query`` the ledger's GET string).

    A user may have ACTIVE_EXPORTS_PER_USER (2) exports queued or running at
    once; another is refused with a message (in the export list under htmx,
    200; else the export page, 429), so no one user can fill the export
    worker's queue. A ``format`` other than xlsx or csv is refused the same
    way, status 400 without htmx. Otherwise → the new export's status (htmx fragment, or
    a redirect to its page).
    """
    denied = _staff_or_login(request)
    if denied:
        return denied
    from django.http import QueryDict

    from accounts.models import User

    fmt = request.POST.get("format", Export.Format.XLSX)
    if fmt not in Export.Format.values:  # only a hand-made POST: the page offers the two formats
        refused = _("导出格式无效，请选择 Excel（.xlsx）或 CSV。")
        if request.headers.get("HX-Request"):
            return render(request, "dashboard/_export_refused.html", {"refused": refused})  # htmx swaps a 200 only
        return render(request, "dashboard/export.html", {"refused": refused}, status=400)
    query = QueryDict(request.POST.get("query", ""))
    # NUL cannot be stored in the filters' JSON (PostgreSQL text): such a value is dropped like a bad one.
    filters = {k: query.get(k) for k in ledger_mod.LedgerFilter.base_filters
               if query.get(k) and "\x00" not in query.get(k)}
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=request.user.pk).exists()  # one request per user at a time
        active = Export.objects.filter(requested_by=request.user,
                                       state__in=[Export.State.PENDING, Export.State.RUNNING]).count()
        if active >= ledger_mod.ACTIVE_EXPORTS_PER_USER:
            refused = _("您已有 %(n)d 个导出正在进行，请等其中一个完成后再导出。") % {"n": active}
            if request.headers.get("HX-Request"):
                return render(request, "dashboard/_export_refused.html", {"refused": refused})
            return render(request, "dashboard/export.html", {"refused": refused}, status=429)
        export = Export.objects.create(requested_by=request.user, format=fmt, filters=filters,
                                       language=translation.get_language() or "")  # the file speaks the page's language
    log.info("export %s requested: user=%s format=%s filters=%s", export.pk, request.user.pk, fmt, filters)
    transaction.on_commit(lambda: ledger_mod.enqueue_export(export.pk))
    if request.headers.get("HX-Request"):
        return render(request, "dashboard/_export.html", {"export": export})
    return redirect(reverse("dashboard:export_status", args=[export.pk]))


def _own_export(request, pk: int) -> Export:
    export = get_object_or_404(Export, pk=pk)
    if export.requested_by_id != request.user.pk:
        raise Http404
    return export


@never_cache
@require_safe
def export_status(request, pk: int):
    """An export's progress (htmx polls the fragment every second until done); requester only."""
    denied = _staff_or_login(request)
    if denied:
        return denied
    export = _own_export(request, pk)
    template = "dashboard/_export.html" if request.headers.get("HX-Request") else "dashboard/export.html"
    return render(request, template, {"export": export})


@never_cache
@require_safe
def export_download(request, pk: int):
    """The export's file, to its requester only (404 for anyone else or before it is done); audited.

    A GET is recorded as the download (``downloaded_at``, a log line); HEAD answers the same
    headers and sends no file, so it records nothing.
    """
    denied = _staff_or_login(request)
    if denied:
        return denied
    export = _own_export(request, pk)
    if export.state != Export.State.DONE or not export.file:
        raise Http404
    if request.method == "GET":
        Export.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
        log.info("export %s downloaded: user=%s", export.pk, request.user.pk)
    name = f"ledger-{export.pk}.{export.format}"
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name)
