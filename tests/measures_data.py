"""A small hand-built week for the measures tests, written through the workflow with explicit times.

All times Asia/Shanghai, November 2026; the tests freeze "now" at Monday
2026-11-30 09:00. Heating complaints (供暖不热) are urgent in the heating
season: dispatch 1 h, response 2 h, resolution 48 h, calendar time.

    A  filed 11-17 00:30, assigned 00:45, claimed 01:00, resolved 10:00; a follower
       rates dissatisfied 11:00 (recorded only); reporter satisfied+solved 12:00 → closed.
    B  filed 11-17 23:30 (dispatch due 11-18 00:30), assigned 11-18 01:00 (late),
       claimed 01:20 (response due 01:30: on time); in progress, overdue now.
    C  filed 11-16 23:30 (dispatch due 11-17 00:30), assigned 11-17 00:10, returned 01:00,
       reassigned 02:00, claimed 03:00 (response due 01:30: late); red order 11-18 10:00.
    D  filed 11-15 08:00 (resolution due 11-17 08:00), extension to 11-19 08:00 approved
       11-16 10:00, resolved 11-17 20:00 (on time thanks to the extension), not rated.
    E  filed 11-17 09:00, assigned 09:10, claimed 09:20, plan to 12-31 approved 11:00
       (planned); yellow order 11-17 12:00.
    F  filed 11-16 10:00, resolved 11-16 12:00, reporter dissatisfied 13:00 → rework (due
       11-18 13:00), resolved 11-18 14:00 (late), agent records basically satisfied,
       not solved, 11-18 15:00 → closed.
    G  filed 11-17 10:00, merged into E 10:30 (left out of everything).
    H  filed 11-17 05:00, assigned 05:10, claimed 05:20, resolved 06:00, reporter
       dissatisfied 07:00 → rework; appeal 08:00 excluded 09:00; resolved 16:00; unrated.
    R  filed 11-18 10:00, rejected 10:20 (dispatch due 11:00: on time).
    P  power outage filed 11-17 12:00, never dispatched (outside the heat supervisor's scope).
"""

from __future__ import annotations

from types import SimpleNamespace

from issues.workflow import (
    Actor,
    issue_appeal,
    issue_assign,
    issue_claim,
    issue_decide_appeal,
    issue_decide_extension,
    issue_decide_plan,
    issue_file_plan,
    issue_follow,
    issue_merge,
    issue_rate,
    issue_reject,
    issue_request_extension,
    issue_resolve,
    issue_return,
    issue_submit,
    issue_supervise,
)
from tests.conftest import local

FOLLOWER_PHONE = "+8613900000001"


def build(world) -> SimpleNamespace:
    """File and work the ten issues above; returns them by letter."""
    w = world
    disp, staff, sup, mayor, agent = (Actor.of(w.dispatcher), Actor.of(w.heat_staff), Actor.of(w.supervisor),
                                      Actor.of(w.mayor), Actor.of(w.revisit))
    reporter = Actor.resident(w.phone)

    def file(at, category=None, phone=None):
        return issue_submit(actor=Actor.resident(phone or w.phone), category=category or w.heat_cold,
                            district=w.ganzhou, community="南关小区", description="=暖气不热", reporter_phone=phone or w.phone,
                            reporter_name="王女士", now=at)

    def assign(issue, at):
        return issue_assign(issue=issue, actor=disp, lead_unit=w.heat_gz, now=at)

    def claim(issue, at):
        return issue_claim(issue=issue, actor=staff, now=at)

    def resolve(issue, at):
        return issue_resolve(issue=issue, actor=staff, result="已修复", now=at)

    d = SimpleNamespace()
    # A
    d.A = file(local(2026, 11, 17, 0, 30))
    assign(d.A, local(2026, 11, 17, 0, 45))
    claim(d.A, local(2026, 11, 17, 1, 0))
    issue_follow(issue=d.A, phone=FOLLOWER_PHONE, now=local(2026, 11, 17, 2, 0))
    resolve(d.A, local(2026, 11, 17, 10, 0))
    issue_rate(issue=d.A, actor=Actor.resident(FOLLOWER_PHONE), resolved=False, satisfaction="dissatisfied",
               now=local(2026, 11, 17, 11, 0))
    issue_rate(issue=d.A, actor=reporter, resolved=True, satisfaction="satisfied", now=local(2026, 11, 17, 12, 0))
    # B
    d.B = file(local(2026, 11, 17, 23, 30))
    assign(d.B, local(2026, 11, 18, 1, 0))
    claim(d.B, local(2026, 11, 18, 1, 20))
    # C
    d.C = file(local(2026, 11, 16, 23, 30))
    assign(d.C, local(2026, 11, 17, 0, 10))
    issue_return(issue=d.C, actor=staff, reason="不是本单位", now=local(2026, 11, 17, 1, 0))
    assign(d.C, local(2026, 11, 17, 2, 0))
    claim(d.C, local(2026, 11, 17, 3, 0))
    # D
    d.D = file(local(2026, 11, 15, 8, 0))
    assign(d.D, local(2026, 11, 15, 8, 10))
    claim(d.D, local(2026, 11, 15, 8, 20))
    req = issue_request_extension(issue=d.D, actor=staff, reason="需更换阀门", requested_due=local(2026, 11, 19, 8, 0),
                                  now=local(2026, 11, 16, 9, 0))
    issue_decide_extension(issue=d.D, actor=sup, request=req, approve=True, now=local(2026, 11, 16, 10, 0))
    resolve(d.D, local(2026, 11, 17, 20, 0))
    # E
    d.E = file(local(2026, 11, 17, 9, 0))
    assign(d.E, local(2026, 11, 17, 9, 10))
    claim(d.E, local(2026, 11, 17, 9, 20))
    plan = issue_file_plan(issue=d.E, actor=staff, steps="更换管网", target_due=local(2026, 12, 31, 18, 0),
                           now=local(2026, 11, 17, 10, 0))
    issue_decide_plan(issue=d.E, actor=sup, plan=plan, approve=True, now=local(2026, 11, 17, 11, 0))
    issue_supervise(issue=d.E, actor=sup, level="yellow", instruction="按计划推进", due_at=local(2026, 12, 31, 18, 0),
                    now=local(2026, 11, 17, 12, 0))
    # F
    d.F = file(local(2026, 11, 16, 10, 0))
    assign(d.F, local(2026, 11, 16, 10, 10))
    claim(d.F, local(2026, 11, 16, 10, 20))
    resolve(d.F, local(2026, 11, 16, 12, 0))
    issue_rate(issue=d.F, actor=reporter, resolved=False, satisfaction="dissatisfied", now=local(2026, 11, 16, 13, 0))
    resolve(d.F, local(2026, 11, 18, 14, 0))
    issue_rate(issue=d.F, actor=agent, resolved=False, satisfaction="basic", now=local(2026, 11, 18, 15, 0))
    # G
    d.G = file(local(2026, 11, 17, 10, 0), phone="+8613700000002")
    issue_merge(issue=d.G, actor=disp, original=d.E, now=local(2026, 11, 17, 10, 30))
    # H
    d.H = file(local(2026, 11, 17, 5, 0))
    assign(d.H, local(2026, 11, 17, 5, 10))
    claim(d.H, local(2026, 11, 17, 5, 20))
    resolve(d.H, local(2026, 11, 17, 6, 0))
    bad = issue_rate(issue=d.H, actor=reporter, resolved=False, satisfaction="dissatisfied",
                     now=local(2026, 11, 17, 7, 0))
    appeal = issue_appeal(issue=d.H, actor=staff, rating=bad, reason="用户家中阀门未开", now=local(2026, 11, 17, 8, 0))
    issue_decide_appeal(issue=d.H, actor=sup, appeal=appeal, exclude=True, now=local(2026, 11, 17, 9, 0))
    resolve(d.H, local(2026, 11, 17, 16, 0))
    # C's red order comes after the other work of 11-17.
    issue_supervise(issue=d.C, actor=mayor, level="red", instruction="限期解决", due_at=local(2026, 12, 1, 18, 0),
                    now=local(2026, 11, 18, 10, 0))
    # R
    d.R = file(local(2026, 11, 18, 10, 0))
    issue_reject(issue=d.R, actor=disp, reason="非供暖问题", now=local(2026, 11, 18, 10, 20))
    # P
    d.P = file(local(2026, 11, 17, 12, 0), category=w.power_out)
    for name in "ABCDEFGHRP":
        getattr(d, name).refresh_from_db()
    return d
