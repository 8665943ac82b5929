"""Idempotent writes shared by the data-loading management commands.

``upsert`` finds a row by its natural key and creates, updates or leaves it,
saving only when a value really differs, so that a second run of a loader
writes nothing (and adds no django-simple-history rows). ``Tally`` counts the
outcomes per model for the summary a command prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
KEPT = "kept"  # exists, differs from the default, left as an admin set it


def upsert(model, lookup: dict, values: dict, *, m2m: dict | None = None, update: bool = True,
           reason: str = "") -> tuple[object, str, dict]:
    """Create or update one row of ``model`` found by ``lookup`` (its natural key).

    Inputs: ``lookup`` field → value identifying the row; ``values`` the other
    fields to set; ``m2m`` many-to-many field → iterable of related objects
    (compared as sets of primary keys); ``update`` False leaves an existing
    row untouched even when it differs; ``reason`` is stored as the
    simple-history change reason where the model keeps history.

    Output: ``(obj, outcome, diff)`` where outcome is CREATED, UPDATED,
    UNCHANGED or KEPT (exists, differs, not updated) and ``diff`` maps each
    differing field to ``(current, wanted)``.
    """
    m2m = m2m or {}
    obj = model._default_manager.filter(**lookup).order_by("pk").first()
    if obj is None:
        obj = model(**lookup, **values)
        if reason:
            obj._change_reason = reason
        obj.save()
        for name, related in m2m.items():
            getattr(obj, name).set(list(related))
        return obj, CREATED, {}

    diff = {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}
    m2m_diff = {}
    for name, related in m2m.items():
        current = set(getattr(obj, name).values_list("pk", flat=True))
        wanted = {r.pk for r in related}
        if current != wanted:
            m2m_diff[name] = (sorted(current), sorted(wanted))
    if not diff and not m2m_diff:
        return obj, UNCHANGED, {}
    if not update:
        return obj, KEPT, {**diff, **m2m_diff}
    if diff:
        for k, (_, v) in diff.items():
            setattr(obj, k, v)
        if reason:
            obj._change_reason = reason
        obj.save()
    for name, related in m2m.items():
        if name in m2m_diff:
            getattr(obj, name).set(list(related))
    return obj, UPDATED, {**diff, **m2m_diff}


class Tally:
    """Per-model counts of upsert outcomes, printed as a summary table."""

    def __init__(self):
        self.counts: dict[str, Counter] = defaultdict(Counter)

    def add(self, label: str, outcome: str) -> None:
        """Count one ``outcome`` (CREATED, …) for the model named ``label``."""
        self.counts[label][outcome] += 1

    def changed(self) -> int:
        """Rows created or updated in total."""
        return sum(c[CREATED] + c[UPDATED] for c in self.counts.values())

    def lines(self) -> list[str]:
        """One line per model: ``label  created N  updated N  unchanged N  kept N``."""
        width = max((len(label) for label in self.counts), default=10)
        out = []
        for label, c in self.counts.items():
            out.append(
                f"  {label:<{width}}  created {c[CREATED]:>3}  updated {c[UPDATED]:>3}  "
                f"unchanged {c[UNCHANGED]:>3}  kept {c[KEPT]:>3}"
            )
        return out
