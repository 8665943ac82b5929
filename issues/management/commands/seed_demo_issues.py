"""``manage.py seed_demo_issues``: realistic demo issues with their whole history.

Every issue is filed and moved on only through ``issues.workflow`` (submit,
assign, claim, return, notes, extensions, plans, supervision orders, resolve,
verify, rate, appeal, close-out, reject, merge, follow), each call with a
plausible past ``now``, so the timeline, deadlines and events are exactly
what the product would have written. Needs ``load_reference_data`` and
``load_demo_data`` (the demo users, units, routing rules and the
12345热线系统 API client); fails with a clear message when they are missing.

Options: ``--count N`` (default 200), ``--days D`` (filing times spread over
the last D days, default 60; an issue whose history needs longer, such as a
close-out after the 7-day revisit window, may start earlier), ``--seed S``
(same choices for the same seed), ``--now`` (ISO time to treat as now),
``--notify`` (let the demo history notify: by default the outbox rows the
workflow writes for seeded events are marked skipped — "演示数据：历史消息，
未发送" — the sender is not kicked and receivers of
``workflow.event_committed`` are muted, so seeding sends no SMS), ``--force``
(run even when DEBUG is off and DJANGO_ENV is "production", which is refused
otherwise). The deadline sweep still sees the seeded open issues on its next
run (reminders and escalations for what is overdue now), as it would in life.

Target mix of final statuses (DESIGN.md statuses): 10 % new, 10 % assigned,
20 % in_progress, 3 % planned, 5 % resolved, 12 % awaiting_rating, 35 %
closed (some via rework), 3 % rejected, 2 % merged; every channel is used.
Each issue's history is written in its own transaction; an issue whose
script fails is rolled back, counted and reported.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from issues import workflow as wf
from issues.choices import Channel, Priority, Role, Satisfaction, Status, SupervisionLevel
from issues.deadlines import LOCAL_TZ, in_heating_season, priority_for
from issues.management import demo_texts as T
from issues.management.commands.load_demo_data import refuse_in_production
from issues.models import ApiClient, Category, District, Issue, Notification, RoutingRule
from issues.routing import route

# Final status → share (DESIGN.md's statuses; the brief's target mix).
STATUS_MIX: list[tuple[str, float]] = [
    (Status.NEW, 10), (Status.ASSIGNED, 10), (Status.IN_PROGRESS, 20), (Status.PLANNED, 3),
    (Status.RESOLVED, 5), (Status.AWAITING_RATING, 12), (Status.CLOSED, 35), (Status.REJECTED, 3),
    (Status.MERGED, 2),
]
CHANNEL_MIX: list[tuple[str, float]] = [
    (Channel.WEB, 45), (Channel.HOTLINE, 35), (Channel.API, 15), (Channel.OPEN311, 5),
]
DISTRICT_WEIGHTS = {"ganzhou": 45, "linze": 11, "gaotai": 11, "shandan": 12, "minle": 13, "sunan": 8}
UTILITY_WEIGHTS_IN_SEASON = {"heat": 40, "water": 25, "gas": 15, "power": 20}
UTILITY_WEIGHTS_OFF_SEASON = {"heat": 4, "water": 38, "gas": 23, "power": 35}
CATEGORY_WEIGHTS = {
    "heat-not-warm": 45, "heat-outage": 20, "heat-pipe-leak": 12, "heat-billing": 15, "heat-conduct": 8,
    "water-low-pressure": 22, "water-leak": 22, "water-main-burst": 4, "water-outage": 22, "water-quality": 12,
    "water-billing": 12, "water-conduct": 6,
    "gas-leak": 14, "gas-hazard": 22, "gas-outage": 24, "gas-billing": 28, "gas-conduct": 12,
    "power-outage": 30, "power-area-outage": 6, "power-voltage": 20, "power-meter": 26, "power-billing": 10,
    "power-conduct": 8,
}
# Problems that may need a rectification plan (限期销号).
PLAN_WORTHY = {"heat-not-warm", "heat-outage", "heat-pipe-leak", "water-low-pressure", "water-quality",
               "power-voltage", "gas-hazard"}
# Co-handling unit for an assignment: the company of this utility in the same district.
RELATED_UTILITY = {"heat": "water", "water": "heat", "gas": "heat", "power": "water"}
DISTRICT_CENTRES = {  # approximate town centres, WGS84
    "ganzhou": (38.932, 100.455), "linze": (39.152, 100.164), "gaotai": (39.378, 99.819),
    "shandan": (38.785, 101.088), "minle": (38.430, 100.813), "sunan": (38.837, 99.615),
}
REQUIRED_USERS = {"dispatcher": Role.DISPATCHER, "revisit": Role.REVISIT_AGENT, "mayor": Role.MAYOR}
HOTLINE_CLIENT = "12345热线系统"
SKIPPED_NOTE = "演示数据：历史消息，未发送"


def quota(n: int, mix: list[tuple[str, float]]) -> list[str]:
    """``n`` labels split by the shares in ``mix`` (largest remainder), each at least once when n allows."""
    total = sum(w for _, w in mix)
    raw = [(label, n * w / total) for label, w in mix]
    counts = {label: int(x) for label, x in raw}
    if n >= len(mix):
        for label in counts:
            counts[label] = max(counts[label], 1)
    rest = n - sum(counts.values())
    for label, _share in sorted(raw, key=lambda lx: lx[1] - int(lx[1]), reverse=True):
        if rest <= 0:
            break
        counts[label] += 1
        rest -= 1
    while rest < 0:  # the minimum of one pushed us over: take from the largest
        biggest = max(counts, key=counts.get)
        counts[biggest] -= 1
        rest += 1
    return [str(label) for label, c in counts.items() for _ in range(c)]


@contextlib.contextmanager
def muted(signal):
    """Disconnect every receiver of ``signal`` for the duration of the block, then restore them."""
    with signal.lock:
        saved, signal.receivers = signal.receivers, []
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        with signal.lock:
            signal.receivers = saved + signal.receivers
            signal.sender_receivers_cache.clear()


class Cast:
    """The demo actors and reference rows the stories use, loaded once.

    Raises CommandError naming what is missing and which command creates it.
    """

    def __init__(self):
        User = get_user_model()
        problems = []
        self.users = {}
        for username, role in REQUIRED_USERS.items():
            user = User.objects.filter(username=username, role=role, is_active=True).first()
            if user is None:
                problems.append(f"user {username!r} with role {role}")
            self.users[username] = user
        self.supervisor_for: dict[str, object] = {}
        for sup in User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id"):
            for utility in sup.regulated_utilities or []:
                self.supervisor_for.setdefault(utility, sup)
        for utility in ("heat", "water", "gas", "power"):
            if utility not in self.supervisor_for:
                problems.append(f"a supervisor regulating {utility!r} (supervisor_heat / supervisor_power)")
        self.staff_by_unit = {}
        for user in User.objects.filter(role=Role.UNIT_STAFF, is_active=True, unit__isnull=False).order_by("id"):
            self.staff_by_unit.setdefault(user.unit_id, user)
        self.client = ApiClient.objects.filter(name=HOTLINE_CLIENT, active=True).first()
        if self.client is None:
            problems.append(f"API client {HOTLINE_CLIENT!r}")

        self.districts = list(District.objects.all())
        self.categories = list(Category.objects.filter(active=True))
        if not self.districts or not self.categories:
            raise CommandError("No districts or categories: run `manage.py load_reference_data` first.")
        # Company per (utility, district) from the district-wide routing rules.
        self.company = {}
        for rule in RoutingRule.objects.filter(active=True, category__isnull=True, district__isnull=False,
                                               unit__active=True).select_related("unit").order_by("id"):
            self.company.setdefault((rule.utility, rule.district_id), rule.unit)
        self.routes = {}
        for cat in self.categories:
            for d in self.districts:
                found = route(cat, d)
                if found is None:
                    problems.append(f"a routing rule for {cat.service_code} in {d.code}")
                elif found.unit.pk not in self.staff_by_unit:
                    problems.append(f"a unit_staff user of {found.unit.name}")
                self.routes[(cat.pk, d.pk)] = found
        if problems:
            shown = sorted(set(problems))
            more = f" (and {len(shown) - 8} more)" if len(shown) > 8 else ""
            raise CommandError("Demo data missing: " + "; ".join(shown[:8]) + more
                               + ". Run `manage.py load_reference_data` and `manage.py load_demo_data` first.")

    def staff(self, unit) -> object:
        """The demo unit-staff user of ``unit`` (a Unit or its id)."""
        return self.staff_by_unit[getattr(unit, "pk", unit)]


@dataclass
class Step:
    """One scripted action: ``gap`` hours after the previous one, ``run(at)`` calls the workflow."""

    gap: float
    label: str
    run: Callable[[datetime], object]


@dataclass
class Story:
    """The scripted history of one demo issue, built first, placed in time, then played.

    ``steps[0]`` is the filing; ``tail`` is the (min, max) hours between the
    last step and now. ``play`` runs every step inside one transaction and
    returns the issue's final status.
    """

    seeder: "Seeder"
    target: str
    channel: str
    category: Category
    district: District
    community: str
    priority: str
    steps: list[Step] = field(default_factory=list)
    tail: tuple[float, float] = (0.0, float("inf"))
    issue_id: int | None = None
    phone: str = ""
    needs_verification: bool = False
    auto_assigned: bool = False
    lead_id: int | None = None
    memo: dict = field(default_factory=dict)

    # --- helpers ---------------------------------------------------------------

    @property
    def rng(self) -> random.Random:
        """The seeder's random generator (one stream for the whole run)."""
        return self.seeder.rng

    @property
    def cast(self) -> Cast:
        """The demo actors and reference rows."""
        return self.seeder.cast

    @property
    def utility(self) -> str:
        """The category's utility code."""
        return self.category.utility

    def add(self, gap: float, label: str, run: Callable[[datetime], object]) -> None:
        """Append a step ``gap`` hours after the previous one."""
        self.steps.append(Step(max(gap, 0.0), label, run))

    def u(self, lo: float, hi: float) -> float:
        """Uniform hours in [lo, hi)."""
        return self.rng.uniform(lo, hi)

    def late(self, hours: float, p: float = 0.1) -> float:
        """``hours``, stretched 1.5–4× with probability ``p`` (a missed deadline)."""
        return hours * self.u(1.5, 4) if self.rng.random() < p else hours

    def by_priority(self, emergency, urgent, normal) -> float:
        """Uniform hours from the (lo, hi) range of the issue's priority: emergency, urgent or normal."""
        lo, hi = {Priority.EMERGENCY: emergency, Priority.URGENT: urgent}.get(self.priority, normal)
        return self.u(lo, hi)

    def lead_staff(self):
        """The current lead unit's demo staff user as an Actor."""
        return wf.Actor.of(self.cast.staff(self.lead_id))

    def supervisor(self):
        """The demo supervisor regulating this utility as an Actor."""
        return wf.Actor.of(self.cast.supervisor_for[self.utility])

    def issue(self) -> Issue:
        """The issue as stored now."""
        return Issue.objects.get(pk=self.issue_id)

    @property
    def routed(self):
        """The routing answer (unit, auto_assign) for this category and district."""
        return self.cast.routes[(self.category.pk, self.district.pk)]

    # --- transitions -------------------------------------------------------------

    def submit(self) -> None:
        """File the issue through the channel's actor (resident, dispatcher or API client)."""
        rng, seeder = self.rng, self.seeder
        self.phone = seeder.new_phone(reuse=0.05)
        if self.channel == Channel.WEB:
            actor = wf.Actor.resident(self.phone)
        elif self.channel == Channel.HOTLINE:
            actor = wf.Actor.of(self.cast.users["dispatcher"])
        else:
            actor = wf.Actor.of(self.cast.client)
        whole_area = self.category.service_code in ("water-main-burst", "power-area-outage", "gas-leak")
        floor, temp = rng.randint(1, 18), rng.randint(8, 16)
        kwargs = dict(
            category=self.category, district=self.district, community=self.community,
            description=seeder.complaint(self.category, floor=floor, temp=temp), reporter_phone=self.phone,
            reporter_name=seeder.reporter_name(),
            extra_answers=seeder.answers(self.category, floor=floor, temp=temp),
            channel=self.channel,
        )
        if not whole_area or rng.random() < 0.3:
            kwargs.update(building=str(rng.randint(1, 32)), unit_no=str(rng.randint(1, 6)),
                          room=f"{floor}{rng.randint(1, 4):02d}")
        if self.channel in (Channel.WEB, Channel.OPEN311) and rng.random() < 0.5:
            lat, lon = DISTRICT_CENTRES.get(self.district.code, (38.93, 100.45))
            kwargs.update(latitude=round(lat + rng.uniform(-0.02, 0.02), 6),
                          longitude=round(lon + rng.uniform(-0.02, 0.02), 6))
        if self.channel in (Channel.API, Channel.OPEN311):
            kwargs["idempotency_key"] = f"seed-{seeder.run_token}-{seeder.serial()}"

        def run(at):
            issue = wf.issue_submit(actor=actor, now=at, **kwargs)
            self.issue_id = issue.pk
            self.lead_id = issue.lead_unit_id
            return issue

        self.add(0, "submit", run)
        self.auto_assigned = bool(self.routed and self.routed.auto_assign)
        if self.auto_assigned:
            self.lead_id = self.routed.unit.pk

    def assign(self, unit=None, *, co: bool = False, note: str = "") -> None:
        """Dispatcher assigns to ``unit`` (default: the routed unit), optionally with a co-handling unit."""
        unit = unit or self.routed.unit
        co_units = []
        if co:
            other = self.cast.company.get((RELATED_UTILITY[self.utility], self.district.pk))
            if other is not None and other.pk != unit.pk and other.pk in self.cast.staff_by_unit:
                co_units = [other]
                self.memo["co_unit"] = other.pk
        gap = self.late(self.by_priority((0.05, 0.23), (0.1, 0.9), (0.2, 2.5)))
        self.lead_id = unit.pk

        def run(at):
            return wf.issue_assign(issue=self.issue_id, actor=wf.Actor.of(self.cast.users["dispatcher"]),
                                   lead_unit=unit, co_units=co_units, note=note, now=at)

        self.add(gap, "assign", run)

    def claim(self) -> None:
        """The lead unit's staff claim the issue."""
        gap = self.late(self.by_priority((0.05, 0.4), (0.1, 1.8), (0.3, 8)))
        actor = self.lead_staff()
        self.add(gap, "claim", lambda at: wf.issue_claim(issue=self.issue_id, actor=actor, now=at))

    def give_back(self) -> None:
        """The lead unit returns the issue to dispatch with a reason (退单)."""
        actor, reason = self.lead_staff(), self.rng.choice(T.RETURN_REASONS)
        self.add(self.u(0.3, 6), "return",
                 lambda at: wf.issue_return(issue=self.issue_id, actor=actor, reason=reason, now=at))

    def note(self, *, co: bool = False) -> None:
        """A progress note by the lead unit (or the co-handling unit)."""
        unit = self.memo.get("co_unit") if co else self.lead_id
        if unit not in self.cast.staff_by_unit:
            return
        actor = wf.Actor.of(self.cast.staff(unit))
        text = self.rng.choice(T.CO_NOTES if co else T.NOTES[self.utility])
        public = not co and self.rng.random() < 0.6
        self.add(self.u(0.5, 20), "note",
                 lambda at: wf.issue_add_note(issue=self.issue_id, actor=actor, note=text, public=public, now=at))

    def resolve(self, *, verify: bool | None = True) -> None:
        """The lead unit reports it fixed; a supervisor verifies when needed (``verify`` None: leave it resolved)."""
        gap = self.late(self.by_priority((1, 20), (3, 44), (8, 110)), p=0.12)
        actor = self.lead_staff()
        text = T.fill(self.rng.choice(T.results_for(self.category.service_code, self.utility)), self.rng)
        self.add(gap, "resolve", lambda at: wf.issue_resolve(issue=self.issue_id, actor=actor, result=text, now=at))
        if self.needs_verification and verify is not None:
            self.verify(approve=verify)

    def verify(self, *, approve: bool = True) -> None:
        """A supervisor verifies the fix (or sends it back with a note)."""
        actor = self.supervisor()
        note = "" if approve else self.rng.choice(T.VERIFY_SEND_BACK)
        self.add(self.u(0.5, 20), "verify" if approve else "send back",
                 lambda at: wf.issue_verify(issue=self.issue_id, actor=actor, approve=approve, note=note, now=at))

    def rate(self, satisfied: bool, *, agent: bool | None = None, gap: float | None = None) -> None:
        """The reporter (or the revisit agent for them) rates the round."""
        rng = self.rng
        if agent is None:
            agent = rng.random() < (0.6 if self.channel == Channel.HOTLINE else 0.3)
        actor = wf.Actor.of(self.cast.users["revisit"]) if agent else wf.Actor.resident(self.phone)
        if satisfied:
            satisfaction = Satisfaction.SATISFIED if rng.random() < 0.7 else Satisfaction.BASIC
            resolved = rng.random() < (0.97 if satisfaction == Satisfaction.SATISFIED else 0.8)
            comment = rng.choice(T.RATING_GOOD)
        else:
            bad = T.RATING_BAD + T.RATING_BAD_BY_CATEGORY.get(self.category.service_code, []) * 3
            satisfaction, resolved, comment = Satisfaction.DISSATISFIED, rng.random() < 0.2, rng.choice(bad)

        def run(at):
            rating = wf.issue_rate(issue=self.issue_id, actor=actor, resolved=resolved, satisfaction=satisfaction,
                                   comment=comment, now=at)
            if not satisfied:
                self.memo["bad_rating"] = rating.pk
            return rating

        self.add(self.u(0.5, 100) if gap is None else gap, "rate", run)

    def close_out(self) -> None:
        """The sweep closes the issue once the revisit window passed without a rating."""
        gap = self.seeder.revisit_window_h + self.u(0.05, 3)
        self.add(gap, "close out", lambda at: wf.issue_close_out(issue=self.issue_id, now=at))

    def supervise(self) -> None:
        """A supervision order (yellow, sometimes red) by the supervisor or the mayor's office."""
        rng = self.rng
        level = SupervisionLevel.RED if rng.random() < 0.25 else SupervisionLevel.YELLOW
        actor = wf.Actor.of(self.cast.users["mayor"]) if rng.random() < 0.3 else self.supervisor()
        text, due_h = rng.choice(T.SUPERVISION_INSTRUCTIONS), self.u(24, 72)
        self.needs_verification = True  # resolve now needs a supervisor's verification
        self.add(self.u(1, 30), "supervise",
                 lambda at: wf.issue_supervise(issue=self.issue_id, actor=actor, level=level, instruction=text,
                                               due_at=at + timedelta(hours=due_h), now=at))

    def extension(self, decision: str | None) -> None:
        """Request an extension; ``decision`` "approve", "refuse" or None (left pending)."""
        rng, actor = self.rng, self.lead_staff()
        reason, extra_days = rng.choice(T.EXTENSION_REASONS), self.u(3, 10)

        def request(at):
            due = self.issue().resolution_due + timedelta(days=extra_days)
            req = wf.issue_request_extension(issue=self.issue_id, actor=actor, reason=reason, requested_due=due, now=at)
            self.memo["extension"] = req.pk
            return req

        self.add(self.u(1, 24), "request extension", request)
        if decision:
            approve = decision == "approve"
            note = "" if approve else rng.choice(T.EXTENSION_REFUSALS)
            sup = self.supervisor()
            self.add(self.u(2, 30), "decide extension",
                     lambda at: wf.issue_decide_extension(issue=self.issue_id, actor=sup, request=self.memo["extension"],
                                                          approve=approve, note=note, now=at))

    def plan(self, *, until_real_now: bool, refuse_first: bool = False) -> None:
        """File a rectification plan and have it approved (optionally a refused one first)."""
        rng, actor, sup = self.rng, self.lead_staff(), self.supervisor()
        steps = rng.choice(T.PLAN_STEPS)
        if refuse_first:
            first_days = self.u(40, 90)
            self.add(self.u(2, 48), "file plan",
                     self._file_plan(actor, steps, lambda at: at + timedelta(days=first_days)))
            note = rng.choice(T.PLAN_REFUSALS)
            self.add(self.u(2, 48), "refuse plan", lambda at: self._decide_plan(sup, False, note, at))
        target_days = self.u(5, 60)

        def target(at):
            if until_real_now:  # still planned today: the target lies ahead of now
                return max(at + timedelta(days=7), self.seeder.now + timedelta(days=target_days))
            return at + timedelta(days=target_days / 2 + 10)

        self.add(self.u(2, 48), "file plan", self._file_plan(actor, steps, target))
        self.add(self.u(2, 48), "approve plan", lambda at: self._decide_plan(sup, True, "同意按计划整改，请按期报告进展。", at))

    def _file_plan(self, actor, steps, target_due: Callable[[datetime], datetime]):
        def run(at):
            plan = wf.issue_file_plan(issue=self.issue_id, actor=actor, steps=steps, target_due=target_due(at),
                                      now=at)
            self.memo["plan"] = plan.pk
            return plan
        return run

    def _decide_plan(self, sup, approve, note, at):
        return wf.issue_decide_plan(issue=self.issue_id, actor=sup, plan=self.memo["plan"], approve=approve,
                                    note=note, now=at)

    def plan_progress(self, percent: int) -> None:
        """A progress report on the approved plan."""
        actor, text = self.lead_staff(), T.fill(self.rng.choice(T.PLAN_PROGRESS), self.rng)
        self.add(self.u(24, 200), "plan progress",
                 lambda at: wf.issue_report_plan_progress(issue=self.issue_id, actor=actor, note=text,
                                                          percent=percent, now=at))

    def appeal(self, exclude: bool) -> None:
        """The lead unit appeals the last dissatisfied rating; a supervisor decides."""
        actor, sup, reason = self.lead_staff(), self.supervisor(), self.rng.choice(T.APPEAL_REASONS)

        def file(at):
            appeal = wf.issue_appeal(issue=self.issue_id, actor=actor, rating=self.memo["bad_rating"], reason=reason,
                                     now=at)
            self.memo["appeal"] = appeal.pk
            return appeal

        self.add(self.u(1, 24), "appeal", file)
        self.add(self.u(4, 48), "decide appeal",
                 lambda at: wf.issue_decide_appeal(issue=self.issue_id, actor=sup, appeal=self.memo["appeal"],
                                                   exclude=exclude, note="经核查申诉理由成立。" if exclude else "",
                                                   now=at))

    def decide_at_limit(self) -> None:
        """The supervisor closes an issue marked for decision at the rework limit."""
        sup, note = self.supervisor(), self.rng.choice(T.LIMIT_NOTES)
        self.add(self.u(4, 72), "decide at limit",
                 lambda at: wf.issue_decide_at_limit(issue=self.issue_id, actor=sup, close=True, note=note, now=at))

    def reject(self) -> None:
        """The dispatcher rejects the issue as out of scope."""
        reason = self.rng.choice(T.REJECT_REASONS)
        self.add(self.u(0.1, 3), "reject",
                 lambda at: wf.issue_reject(issue=self.issue_id, actor=wf.Actor.of(self.cast.users["dispatcher"]),
                                            reason=reason, now=at))

    def merge_into(self, original_id: int) -> None:
        """The dispatcher merges this duplicate into ``original_id``."""
        self.add(self.u(0.1, 3), "merge",
                 lambda at: wf.issue_merge(issue=self.issue_id, actor=wf.Actor.of(self.cast.users["dispatcher"]),
                                           original=original_id, now=at))

    def follow(self, *, rate_later: bool = False) -> None:
        """Another resident follows the issue ("me too")."""
        phone, name = self.seeder.new_phone(), self.rng.choice(T.FOLLOWER_NAMES)
        self.memo["follower"] = phone
        self.add(self.u(0.5, 12), "follow", lambda at: wf.issue_follow(issue=self.issue_id, phone=phone, name=name, now=at))

    def follower_rates(self) -> None:
        """The follower rates the round (recorded, changes nothing)."""
        phone = self.memo.get("follower")
        if not phone:
            return
        sat = self.rng.choice([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED])
        self.add(self.u(0.2, 24), "follower rates",
                 lambda at: wf.issue_rate(issue=self.issue_id, actor=wf.Actor.resident(phone), resolved=True,
                                          satisfaction=sat, now=at))

    # --- composites ------------------------------------------------------------------

    def to_assigned(self, *, co: bool = False) -> None:
        """File it and get it assigned (by routing at once, or by the dispatcher)."""
        self.submit()
        if not self.auto_assigned:
            self.assign(co=co)

    def to_in_progress(self, *, co: bool = False) -> None:
        """File, assign and claim."""
        self.to_assigned(co=co)
        self.claim()

    def round_to_rating(self) -> None:
        """Resolve (and verify when needed): the issue awaits its rating."""
        self.resolve()

    # --- placing and playing ---------------------------------------------------------

    def place(self, now: datetime, window_h: float) -> datetime:
        """Choose the filing time: the last step lands ``tail`` hours before now, within the window if possible."""
        total = sum(s.gap for s in self.steps)
        lo, hi = self.tail
        earliest, latest = total + lo, min(total + hi, window_h)
        if latest <= earliest:
            back = earliest
        else:
            for _ in range(6):  # residents file mostly by day
                back = self.rng.uniform(earliest, latest)
                hour = (now - timedelta(hours=back)).astimezone(LOCAL_TZ).hour
                if 7 <= hour < 23 or self.rng.random() < 0.15:
                    break
        return now - timedelta(hours=back)

    def play(self, filed_at: datetime) -> str:
        """Run every step in order from ``filed_at``; one transaction. Returns the final status.

        Unless the seeder notifies, the outbox rows the steps wrote are marked
        skipped in the same transaction, so the sender never delivers them.
        """
        at = filed_at
        with transaction.atomic():
            for step in self.steps:
                at += timedelta(hours=step.gap)
                self.memo["step"] = step.label
                step.run(at)
            if not self.seeder.notify:
                Notification.objects.filter(issue_id=self.issue_id, state=Notification.State.PENDING).update(
                    state=Notification.State.SKIPPED, last_error=SKIPPED_NOTE)
            return Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()


class Seeder:
    """Builds and plays the stories; ``run`` returns the created issues' ids and the failures."""

    def __init__(self, *, rng: random.Random, now: datetime, days: int, revisit_window_h: float,
                 notify: bool = False):
        self.rng, self.now, self.window_h, self.notify = rng, now, days * 24, notify
        self.revisit_window_h = revisit_window_h
        self.cast = Cast()
        self.run_token = secrets.token_hex(4)
        self._serial = 0
        self.phones: list[str] = []
        self.open_originals: list[tuple[int, int, int, str, datetime]] = []
        dw = {d.code: DISTRICT_WEIGHTS.get(d.code, 5) for d in self.cast.districts}
        self.district_weights = [dw[d.code] for d in self.cast.districts]

    # --- random material -----------------------------------------------------------

    def serial(self) -> int:
        """The next number of this run (1, 2, …), for idempotency keys."""
        self._serial += 1
        return self._serial

    def new_phone(self, reuse: float = 0.0) -> str:
        """A resident mobile in the demo range +8613800010000–+8613800099999 (sometimes a repeat caller)."""
        if self.phones and self.rng.random() < reuse:
            return self.rng.choice(self.phones)
        phone = f"+86138000{self.rng.randint(10000, 99999):05d}"
        self.phones.append(phone)
        return phone

    def reporter_name(self) -> str:
        """A name as residents give it: mostly 王先生 / 李女士, sometimes a full name, sometimes none."""
        r = self.rng.random()
        surname = self.rng.choice(T.SURNAMES)
        if r < 0.7:
            return surname + self.rng.choice(["先生", "女士"])
        if r < 0.9:
            return surname + self.rng.choice(T.GIVEN)
        return ""

    def complaint(self, category: Category, *, floor: int, temp: int) -> str:
        """A complaint text for ``category`` mentioning ``floor`` / ``temp`` where the template does."""
        templates = T.COMPLAINTS.get(category.service_code) or [T.GENERIC_COMPLAINT]
        return T.fill(self.rng.choice(templates), self.rng, floor=floor, temp=temp, name=category.name)

    def answers(self, category: Category, *, floor: int, temp: int) -> dict:
        """Answers to the category's extra questions (all required, most optional), consistent with the text."""
        out = {}
        for q in category.extra_questions or []:
            if not q.get("required") and self.rng.random() < 0.4:
                continue
            code, kind = q.get("code"), q.get("type", "text")
            if kind == "number":
                out[code] = {"indoor_temp": temp, "area": self.rng.randint(55, 140),
                             "floor": floor}.get(code, self.rng.randint(1, 20))
            elif kind == "choice":
                out[code] = self.rng.choice(q.get("choices") or [""])
            elif kind == "boolean":
                out[code] = self.rng.random() < 0.8
            else:
                out[code] = f"{self.rng.randint(10**9, 10**10 - 1)}" if code == "account_no" else "见描述"
        return out

    def pick_category(self, anchor: datetime, *, allow: Callable[[Category], bool] = lambda c: True) -> Category:
        """An active category, weighted by season and typical volume, among those ``allow`` accepts."""
        weights = UTILITY_WEIGHTS_IN_SEASON if in_heating_season(anchor) else UTILITY_WEIGHTS_OFF_SEASON
        cats = [c for c in self.cast.categories if allow(c)]
        if not cats:
            cats = self.cast.categories
        w = [weights.get(c.utility, 10) * CATEGORY_WEIGHTS.get(c.service_code, 10)
             / max(1, sum(CATEGORY_WEIGHTS.get(o.service_code, 10) for o in cats if o.utility == c.utility))
             for c in cats]
        return self.rng.choices(cats, weights=w)[0]

    # --- stories ---------------------------------------------------------------------

    def story(self, target: str, channel: str) -> Story:
        """Build the script that ends in ``target`` for an issue filed through ``channel``."""
        rng = self.rng
        recent = target in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.AWAITING_RATING)
        anchor = self.now - timedelta(hours=rng.uniform(0, 7 * 24 if recent else self.window_h))
        district = rng.choices(self.cast.districts, weights=self.district_weights)[0]

        def not_auto(c):
            r = self.cast.routes[(c.pk, district.pk)]
            return not (r and r.auto_assign)

        allow = lambda c: True  # noqa: E731
        if target in (Status.NEW, Status.REJECTED, Status.MERGED):
            allow = not_auto
        elif target == Status.PLANNED:
            allow = lambda c: c.service_code in PLAN_WORTHY  # noqa: E731
        elif target == Status.RESOLVED and rng.random() < 0.55:
            allow = lambda c: c.needs_verification  # noqa: E731
        category = self.pick_category(anchor, allow=allow)
        s = Story(self, target, channel, category, district,
                  community=rng.choice(T.COMMUNITIES.get(district.code) or [f"{district.name}城区小区"]),
                  priority=priority_for(category, anchor), needs_verification=category.needs_verification)
        getattr(self, f"_story_{target}")(s)
        return s

    def _story_new(self, s: Story) -> None:
        rng = s.rng
        s.submit()
        if rng.random() < 0.25:  # assigned to a unit that returned it (退单): back on the triage queue
            s.assign()
            if rng.random() < 0.4:
                s.claim()
            s.give_back()
            s.tail = (0.1, 24)
        else:
            s.tail = (0, 3) if rng.random() < 0.8 else (3, 72)
        if rng.random() < 0.08:
            s.follow()

    def _story_assigned(self, s: Story) -> None:
        rng = s.rng
        s.submit()
        if not s.auto_assigned:
            if rng.random() < 0.15:  # first to a neighbouring district's company, returned, then re-assigned
                wrong = self._neighbour_company(s)
                if wrong is not None:
                    s.assign(wrong)
                    s.give_back()
            s.assign(co=rng.random() < 0.1)
        late = rng.random() < 0.25
        if late and rng.random() < 0.4:
            s.supervise()
        s.tail = (2, 48) if late else (0, 2)

    def _story_in_progress(self, s: Story) -> None:
        rng = s.rng
        v = rng.random()
        s.to_in_progress(co=rng.random() < 0.12)
        if v < 0.45:
            for _ in range(rng.randint(0, 2)):
                s.note()
            if "co_unit" in s.memo:
                s.note(co=True)
        elif v < 0.57:
            s.note()
            s.extension(rng.choices(["approve", "refuse", None], weights=[60, 25, 15])[0])
        elif v < 0.67:
            s.supervise()
            s.note()
        elif v < 0.85:  # rework (重办): fixed, rated dissatisfied, back in progress
            s.round_to_rating()
            s.rate(False)
            if rng.random() < 0.5:
                s.note()
        elif v < 0.92:  # a supervisor sent the fix back
            if not s.needs_verification:
                s.supervise()
            s.resolve(verify=False)
        else:
            s.note()
        tail = {Priority.EMERGENCY: (0.2, 20), Priority.URGENT: (0.5, 40)}.get(s.priority, (1, 120))
        s.tail = tail if rng.random() < 0.85 else (tail[1], tail[1] * 3)
        if rng.random() < 0.06:
            s.follow()

    def _story_planned(self, s: Story) -> None:
        rng = s.rng
        s.to_in_progress()
        s.note()
        s.plan(until_real_now=True, refuse_first=rng.random() < 0.2)
        for pct in sorted(rng.sample([20, 40, 50, 60, 80], rng.randint(0, 2))):
            s.plan_progress(pct)
        s.tail = (1, 240)

    def _story_resolved(self, s: Story) -> None:
        s.to_in_progress()
        if not s.needs_verification:
            s.supervise()
        s.resolve(verify=None)
        s.tail = (0.2, 30)

    def _story_awaiting_rating(self, s: Story) -> None:
        rng = s.rng
        v = rng.random()
        if rng.random() < 0.1:
            s.submit()
            s.follow()
            if not s.auto_assigned:
                s.assign()
            s.claim()
        else:
            s.to_in_progress()
        if rng.random() < 0.4:
            s.note()
        if v < 0.8:
            s.round_to_rating()
            s.tail = (0.1, 160)
        elif v < 0.92:  # one rework, now awaiting the second rating
            s.round_to_rating()
            s.rate(False)
            s.round_to_rating()
            s.tail = (0.1, 160)
        else:  # rework limit reached: marked for the supervisor's decision
            for _ in range(3):
                s.round_to_rating()
                s.rate(False, gap=s.u(0.5, 60))
            s.tail = (1, 200)
        s.follower_rates()

    def _story_closed(self, s: Story) -> None:
        rng = s.rng
        v = rng.random()
        if rng.random() < 0.06:
            s.submit()
            s.follow()
            if not s.auto_assigned:
                s.assign()
            s.claim()
        else:
            s.to_in_progress(co=rng.random() < 0.08)
        if rng.random() < 0.35:
            s.note()
        if rng.random() < 0.08:
            s.supervise()
        if v < 0.42:  # rated satisfied by the reporter or the revisit agent
            s.round_to_rating()
            s.follower_rates()
            s.rate(True)
        elif v < 0.62:
            s.round_to_rating()
            s.rate(True, agent=True)
        elif v < 0.77:  # nobody rated: closed out by the sweep after the revisit window
            s.round_to_rating()
            s.close_out()
        elif v < 0.89:  # rework once, then satisfied; sometimes the unit appeals the bad rating
            s.round_to_rating()
            s.rate(False)
            if rng.random() < 0.3:
                s.appeal(exclude=rng.random() < 0.4)
            s.round_to_rating()
            s.rate(True)
        elif v < 0.92:  # rework limit, closed by the supervisor's decision
            for _ in range(3):
                s.round_to_rating()
                s.rate(False, gap=s.u(0.5, 48))
            s.decide_at_limit()
        elif v < 0.96:  # extension approved, then fixed
            s.extension("approve")
            s.round_to_rating()
            s.rate(True)
        else:  # rectification plan, fixed before its date
            if s.category.service_code in PLAN_WORTHY:
                s.plan(until_real_now=False)
                s.plan_progress(60)
            s.round_to_rating()
            s.rate(True)

    def _story_rejected(self, s: Story) -> None:
        s.submit()
        s.reject()

    def _neighbour_company(self, s: Story):
        others = [d for d in self.cast.districts if d.pk != s.district.pk]
        if not others:
            return None
        unit = self.cast.company.get((s.utility, self.rng.choice(others).pk))
        return unit if unit is not None and unit.pk in self.cast.staff_by_unit else None

    def merged_story(self, channel: str) -> Story | None:
        """A duplicate of an open issue filed earlier, merged into it; None when no open original exists."""
        # A duplicate in an auto-assigned category (gas leak) is assigned at filing and can no longer be merged.
        # The original filed at least 4 h ago: the duplicate comes up to 3.5 h before now and is merged up to 3 h
        # after it; a newer original put the merge in the future (README trial: closed 2 h after "now").
        candidates = [o for o in self.open_originals
                      if not (self.cast.routes[(o[1], o[2])] and self.cast.routes[(o[1], o[2])].auto_assign)
                      and self.now - o[4] >= timedelta(hours=4)]
        if not candidates:
            return None
        pk, cat_id, dist_id, community, filed_at = self.rng.choice(candidates)
        category = next(c for c in self.cast.categories if c.pk == cat_id)
        district = next(d for d in self.cast.districts if d.pk == dist_id)
        s = Story(self, Status.MERGED, channel, category, district, community,
                  priority=priority_for(category, filed_at))
        s.submit()
        s.merge_into(pk)
        # filed after the original, merged before now
        span = (self.now - filed_at).total_seconds() / 3600 - 3.5
        s.tail = (0, 0)
        s.memo["filed_after"] = filed_at + timedelta(hours=self.rng.uniform(0.2, span))
        return s

    # --- the run -------------------------------------------------------------------

    def run(self, count: int, progress) -> tuple[list[int], list[str], Counter]:
        """Create ``count`` issues; returns (ids, failure messages, Counter of (target, actual) mismatches)."""
        rng = self.rng
        targets = quota(count, STATUS_MIX)
        channels = quota(count, CHANNEL_MIX)
        rng.shuffle(targets)
        rng.shuffle(channels)
        plan = list(zip(targets, channels, strict=True))
        # Merged duplicates need open originals: play them last.
        plan.sort(key=lambda tc: tc[0] == Status.MERGED)
        ids, failures, mismatches = [], [], Counter()
        for target, channel in plan:
            story = None
            if target == Status.MERGED:
                story = self.merged_story(channel)
                if story is None:
                    target = Status.NEW
            if story is None:
                story = self.story(target, channel)
            if "filed_after" in story.memo:
                filed_at = story.memo["filed_after"]
            else:
                filed_at = story.place(self.now, self.window_h)
            try:
                final = story.play(filed_at)
            except wf.WorkflowError as exc:
                detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
                failures.append(f"{target} [{story.category.service_code}] step {story.memo.get('step')!r}: "
                                f"{type(exc).__name__}: {exc.message} {detail}".strip())
            else:
                ids.append(story.issue_id)
                if final != target:
                    mismatches[(target, final)] += 1
                if final in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED):
                    self.open_originals.append((story.issue_id, story.category.pk, story.district.pk,
                                                story.community, filed_at))
            progress.update(1)
        return ids, failures, mismatches


class Command(BaseCommand):
    """Seed demo issues through the workflow; prints timings and counts per status and channel."""

    help = "Create realistic demo issues (Chinese complaints, every status and channel) through the workflow."

    def add_arguments(self, parser):
        """``--count``, ``--days``, ``--seed``, ``--now`` and ``--notify`` (see the module docstring)."""
        parser.add_argument("--count", type=int, default=200, help="number of issues (default 200)")
        parser.add_argument("--days", type=int, default=60, help="spread filing times over the last D days (default 60)")
        parser.add_argument("--seed", type=int, default=None, help="random seed for reproducible choices")
        parser.add_argument("--now", default=None, help="ISO datetime to treat as now (default: the current time)")
        parser.add_argument("--notify", action="store_true",
                            help="let the seeded history notify (default: its outbox rows are marked skipped)")
        parser.add_argument("--force", action="store_true", help="run even when DJANGO_ENV=production")

    def handle(self, *args, count=200, days=60, seed=None, now=None, notify=False, force=False, **options):
        """Validate the options, seed, and print the summary."""
        from django.conf import settings

        refuse_in_production(force)
        if count < 1:
            raise CommandError("--count must be at least 1")
        if days < 1:
            raise CommandError("--days must be at least 1")
        if now:
            moment = parse_datetime(now)
            if moment is None:
                raise CommandError(f"--now {now!r} is not an ISO datetime")
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=LOCAL_TZ)
        else:
            moment = timezone.now()
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        seeder = Seeder(rng=random.Random(seed), now=moment, days=days,
                        revisit_window_h=settings.ZY_REVISIT_WINDOW_DAYS * 24, notify=notify)

        self.stdout.write(f"Seeding {count} demo issues over the last {days} days (seed {seed}) …")
        started = time.perf_counter()
        quiet = contextlib.ExitStack()
        if not notify:
            quiet.enter_context(muted(wf.event_committed))
            quiet.enter_context(override_settings(ZY_KICK_SENDER=False))
        with quiet, tqdm(total=count, unit="issue", file=sys.stderr, disable=options["verbosity"] == 0,
                          # Into a log file (run.sh > run.log), a few updates, not one long line of them.
                          mininterval=0.1 if sys.stderr.isatty() else 10) as bar:
            ids, failures, mismatches = seeder.run(count, bar)
        elapsed = time.perf_counter() - started

        created = Issue.objects.filter(pk__in=ids)
        by_status = Counter(created.values_list("status", flat=True))
        by_channel = Counter(created.values_list("channel", flat=True))
        self.stdout.write(f"Created {len(ids)} issues in {elapsed:.1f} s ({len(ids) / elapsed:.0f} issues/s).")
        self.stdout.write("  by status:  " + ", ".join(f"{s} {by_status.get(s, 0)}" for s in Status.values))
        self.stdout.write("  by channel: " + ", ".join(f"{c} {by_channel.get(c, 0)}" for c in Channel.values))
        skipped = Notification.objects.filter(issue_id__in=ids, last_error=SKIPPED_NOTE).count()
        pending = Notification.objects.filter(issue_id__in=ids, state=Notification.State.PENDING).count()
        self.stdout.write(f"  outbox rows of the seeded history: {skipped} marked skipped, {pending} pending")
        for (target, final), n in sorted(mismatches.items()):
            self.stdout.write(f"  note: {n} issue(s) meant to end {target} ended {final}")
        if failures:
            self.stderr.write(self.style.WARNING(f"{len(failures)} issue(s) failed and were rolled back:"))
            for line in failures[:20]:
                self.stderr.write("  " + line)
        self.stdout.write(self.style.SUCCESS("Done."))
