"""Public figures (公开数据): a month's measures that anyone may read, without personal data.

DESIGN.md lets public surfaces show counts, never issues, names, phone
numbers, house numbers or descriptions. This module reads ``issues.measures``
(the one place the measures are defined, the dashboard's numbers) for one
calendar month, city-wide, and shapes them for /stats/: the headline rates,
a row per utility and per district, and the units' ranking (红黑榜) by the
dashboard's rule (at least ``measures.RANKING_MIN_RATED`` ratings).

The counts of a month are cached for CACHE_SECONDS, so a page anyone may
open costs the database at most one summary per month shown per interval;
the labels are put in per request (the page's language).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache

from . import measures as m
from .choices import Utility
from .models import District, Unit

log = logging.getLogger(__name__)

MONTHS_SHOWN = 13  # this month and the twelve before it
CACHE_SECONDS = 300

# The dashboard's cards (measures.CARDS) shown here: the headline, and the columns of the tables.
HEADLINE = ("received", "closed", "resolution_rate", "solved_rate", "satisfaction_rate")
COLUMNS = ("received", "closed", "resolution_rate", "satisfaction_rate")
_CARDS = {key: (num, basis, label, definition) for key, num, basis, label, definition in m.CARDS}


@dataclass(frozen=True)
class Figure:
    """One number: a count (``basis`` None) or a rate ``numerator / basis`` (``percent`` "87.5%", "—" for 0/0)."""

    label: str
    numerator: int
    basis: int | None = None

    @property
    def percent(self) -> str:
        if self.basis is None:
            return str(self.numerator)
        return "—" if not self.basis else f"{self.numerator / self.basis * 100:.1f}%"


def months(now: datetime) -> list[date]:
    """First days of the months offered: this month (Asia/Shanghai) and the 12 before it, newest first."""
    first = m.local_day(now).replace(day=1)
    out = [first]
    while len(out) < MONTHS_SHOWN:
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return out


def month_period(first: date) -> m.Period:
    """The calendar month starting on ``first`` as a measures.Period."""
    nxt = (first + timedelta(days=32)).replace(day=1)
    return m.Period(first, nxt - timedelta(days=1), "month")


def _counts(first: date, now: datetime) -> dict:
    """``{"totals": counts, "utility": {value: counts}, "district": {id: counts}, "unit": {id: counts}}``, cached."""
    key = f"zy:public-figures:{first.isoformat()}"
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache (Redis) down: the page is computed, not lost (breaker)
        log.warning("public figures: cache unavailable", exc_info=True)
        found, key = None, None
    if found is None:
        s = m.summarize(month_period(first), now=now, with_now=False, with_trend=False)
        found = {"totals": s.totals, "utility": s.by["utility"], "district": s.by["district"], "unit": s.by["unit"]}
        if key:
            try:
                cache.set(key, found, CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                log.warning("public figures: not cached", exc_info=True)
    return found


def _figures(counts: dict, keys) -> list[Figure]:
    out = []
    for key in keys:
        num, basis, label, _definition = _CARDS[key]
        out.append(Figure(str(label), int(counts.get(num, 0)), None if basis is None else int(counts.get(basis, 0))))
    return out


def figures(first: date, now: datetime) -> dict:
    """The public figures of the month starting on ``first`` (a month ``months(now)`` offers).

    Returns ``{"period": Period, "headline": [Figure], "columns": [label],
    "utilities": [{"name", "figures": [Figure]}] (the four utilities, in
    their order), "districts": [...] (the six, in reference order),
    "ranking": [{"name", "satisfaction", "solved", "on_time": Figure, "rated": int}],
    "definitions": [(label, definition)] of the headline figures,
    best satisfaction first, "ranking_min": int}``. Issues not yet assigned
    count in the city and utility figures, and in no unit's.
    """
    c = _counts(first, now)
    zero: dict = {}
    utilities = [{"name": str(u.label), "figures": _figures(c["utility"].get(u.value, zero), COLUMNS)}
                 for u in Utility]
    districts = [{"name": d.shown_name, "figures": _figures(c["district"].get(d.pk, zero), COLUMNS)}
                 for d in District.objects.order_by("id")]
    summary = m.Summary(period=month_period(first), totals=c["totals"], by={"unit": c["unit"]}, trend=[])
    names = dict(Unit.objects.values_list("pk", "name"))
    ranking = [{"name": names.get(r["unit_id"], "?"), "rated": r["rated"],
                "satisfaction": Figure("", r["satisfied"], r["rated"]),
                "solved": Figure("", r["rated_resolved"], r["rated"]),
                "on_time": Figure("", r["resolved_on_time"], r["resolved"])}
               for r in m.ranking(summary, m.RANKING_MIN_RATED)]
    return {"period": summary.period, "headline": _figures(c["totals"], HEADLINE),
            "definitions": [(str(_CARDS[k][2]), str(_CARDS[k][3])) for k in HEADLINE],
            "columns": [str(_CARDS[k][2]) for k in COLUMNS], "utilities": utilities, "districts": districts,
            "ranking": ranking, "ranking_min": m.RANKING_MIN_RATED}
