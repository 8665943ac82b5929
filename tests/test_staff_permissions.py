"""The permission matrix of the staff workbenches: every URL and action × every role × in/out of scope.

The expected status codes are written by hand below (not derived from the
code's own role table). Two issues are used: H, a heating issue of 甘州区 with
甘州区供热公司 as lead and 甘州区供水公司 as co-handler; P, a power issue with
甘州供电中心 as lead. For each action the issue is first brought into a state
where the action is possible, so the code shows the role/scope decision:
302 (done, redirected) or 200 (page), 403 (role may not), 404 (outside scope).
A 403 or 404 changes nothing. Anonymous users are sent to the login page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from issues.choices import Role, Satisfaction, Status, SupervisionLevel
from issues.models import Issue
from issues.workflow import (
    Actor,
    issue_appeal,
    issue_assign,
    issue_claim,
    issue_decide_plan,
    issue_file_plan,
    issue_rate,
    issue_request_extension,
    issue_resolve,
    issue_supervise,
)

pytestmark = pytest.mark.django_db

ROLES = ["disp", "lead", "co", "other", "sup", "sup_o", "mayor", "revisit", "admin", "norole"]

# action          state         disp     lead     co       other    sup      sup_o    mayor    revisit  admin    norole
#                               (each cell: issue H / issue P)
ACTION_TABLE = """
assign            new           302/302  404/404  404/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
reject            new           302/302  404/404  404/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
merge             new           302/302  404/404  404/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
claim             assigned      403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
return            assigned      403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
note              in_progress   403/403  302/404  302/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
extension         in_progress   403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
plan              in_progress   403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
plan-progress     planned       403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
resolve           in_progress   403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
appeal            rework        403/403  302/404  403/404  404/404  403/404  404/403  403/403  403/403  403/403  404/404
reveal-phone      in_progress   403/403  200/404  403/404  404/404  403/404  404/403  403/403  200/200  403/403  404/404
verify            resolved      403/403  403/404  403/404  404/404  302/404  404/302  403/403  403/403  403/403  404/404
supervise         in_progress   403/403  403/404  403/404  404/404  302/404  404/302  302/302  403/403  403/403  404/404
decide-extension  ext_pending   403/403  403/404  403/404  404/404  302/404  404/302  403/403  403/403  403/403  404/404
decide-plan       plan_pending  403/403  403/404  403/404  404/404  302/404  404/302  403/403  403/403  403/403  404/404
decide-limit      limit         403/403  403/404  403/404  404/404  302/404  404/302  403/403  403/403  403/403  404/404
decide-appeal     appeal        403/403  403/404  403/404  404/404  302/404  404/302  403/403  403/403  403/403  404/404
rate              awaiting      403/403  403/404  403/404  404/404  403/404  404/403  403/403  302/302  403/403  404/404
"""

# GET pages (and the bulk-assign POST): one code per role.
PAGE_TABLE = """
/work/                 302  302  302  302  302  302  302  302  302  403
/work/dispatch/        200  403  403  403  403  403  403  403  403  403
/work/queue/           403  200  200  200  403  403  403  403  403  403
/work/supervise/       403  403  403  403  200  200  200  403  403  403
/work/revisit/         403  403  403  403  403  403  403  200  403  403
"""

# GET /work/issues/<id>/ with the issue in progress: H / P.
ISSUE_PAGE_ROW = "200/200  200/404  200/404  404/404  200/404  404/200  200/200  200/200  200/200  404/404"


def _parse_actions():
    rows = []
    for line in ACTION_TABLE.strip().splitlines():
        action, state, *cells = line.split()
        assert len(cells) == len(ROLES), line
        for role, cell in zip(ROLES, cells):
            h, p = cell.split("/")
            rows.append((action, state, role, "H", int(h)))
            rows.append((action, state, role, "P", int(p)))
    return rows


def _parse_pages():
    rows = []
    for line in PAGE_TABLE.strip().splitlines():
        url, *cells = line.split()
        assert len(cells) == len(ROLES), line
        rows += [(url, role, int(code)) for role, code in zip(ROLES, cells)]
    return rows


@pytest.fixture
def cast(world):
    """The ten personas by the names of the table, plus the power company's staff."""
    world.power_staff = User.objects.create_user(username="power_staff", password="x-test-password-123",
                                                 role=Role.UNIT_STAFF, unit=world.power_gz)
    return {
        "disp": world.dispatcher, "lead": world.heat_staff, "co": world.water_staff, "other": world.linze_staff,
        "sup": world.supervisor, "sup_o": world.power_supervisor, "mayor": world.mayor, "revisit": world.revisit,
        "admin": world.admin, "norole": world.norole,
    }


def build(world, file_issue, kind: str, state: str):
    """Bring a fresh issue of ``kind`` (H or P) into ``state`` through the workflow; returns (issue, post data)."""
    if kind == "H":
        cat, lead, co, staff, sup = world.heat_cold, world.heat_gz, [world.water_gz], world.heat_staff, world.supervisor
    else:
        cat, lead, co, staff, sup = world.power_out, world.power_gz, [], world.power_staff, world.power_supervisor
    issue = file_issue(category=cat)
    now = timezone.now()
    later = (timezone.localtime(now) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    data = {}
    if state == "new":
        original = file_issue(category=cat, phone="+8613900000001")
        data = {"lead_unit": lead.pk, "reason": "不属于水电气暖范围", "original": original.pk}
        return issue, data
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=lead, co_units=co)
    if state == "assigned":
        return issue, {"reason": "不属于本单位"}
    issue_claim(issue=issue, actor=Actor.of(staff))
    data = {"note": "已到现场", "reason": "等待配件", "requested_due": later, "steps": "更换主管网", "target_due": later,
            "result": "已修复", "level": SupervisionLevel.RED, "instruction": "今日内处理完毕", "due_at": later}
    if state == "in_progress":
        return issue, data
    if state == "planned":
        plan = issue_file_plan(issue=issue, actor=Actor.of(staff), steps="更换主管网", target_due=now + timedelta(days=30))
        issue_decide_plan(issue=issue, actor=Actor.of(sup), plan=plan, approve=True)
        return issue, {"note": "完成一半", "percent": "50"}
    if state == "ext_pending":
        req = issue_request_extension(issue=issue, actor=Actor.of(staff), reason="等待配件",
                                      requested_due=now + timedelta(days=30))
        return issue, {"request": req.pk, "approve": "yes"}
    if state == "plan_pending":
        plan = issue_file_plan(issue=issue, actor=Actor.of(staff), steps="更换主管网", target_due=now + timedelta(days=30))
        return issue, {"plan": plan.pk, "approve": "yes"}
    if state == "resolved":
        issue_supervise(issue=issue, actor=Actor.of(world.mayor), level=SupervisionLevel.YELLOW, instruction="尽快",
                        due_at=now + timedelta(days=1))
        issue_resolve(issue=issue, actor=Actor.of(staff), result="已修复")
        return issue, {"approve": "yes"}
    issue_resolve(issue=issue, actor=Actor.of(staff), result="已修复")
    if state == "awaiting":
        return issue, {"resolved": "yes", "satisfaction": Satisfaction.SATISFIED}
    if state == "limit":
        Issue.objects.filter(pk=issue.pk).update(rework_count=2)  # test setup: two reworks already used
        issue_rate(issue=issue, actor=Actor.of(world.revisit), resolved=False, satisfaction=Satisfaction.DISSATISFIED)
        return issue, {"close": "yes", "note": "已尽责，裁定销号"}
    rating = issue_rate(issue=issue, actor=Actor.of(world.revisit), resolved=False,
                        satisfaction=Satisfaction.DISSATISFIED)
    if state == "rework":
        return issue, {"rating": rating.pk, "reason": "群众诉求超出供热标准"}
    appeal = issue_appeal(issue=issue, actor=Actor.of(staff), rating=rating, reason="群众诉求超出供热标准")
    assert state == "appeal"
    return issue, {"appeal": appeal.pk, "exclude": "yes"}


@pytest.mark.parametrize("action,state,role,kind,expected", _parse_actions())
def test_action_matrix(client, world, cast, file_issue, frozen, action, state, role, kind, expected):
    issue, data = build(world, file_issue, kind, state)
    before = (Issue.objects.get(pk=issue.pk).status, issue.events.count())
    client.force_login(cast[role])
    response = client.post(f"/work/issues/{issue.pk}/{action}/", data)
    assert response.status_code == expected, response.content.decode()[:500]
    after = (Issue.objects.get(pk=issue.pk).status, issue.events.count())
    if expected in (403, 404):
        assert after == before  # nothing changed
    else:
        assert after[1] == before[1] + 1  # exactly one event written


@pytest.mark.parametrize("url,role,expected", _parse_pages())
def test_page_matrix(client, cast, url, role, expected):
    client.force_login(cast[role])
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("role,cell", list(zip(ROLES, ISSUE_PAGE_ROW.split())))
def test_issue_page_matrix(client, world, cast, file_issue, frozen, role, cell):
    h, _ = build(world, file_issue, "H", "in_progress")
    p, _ = build(world, file_issue, "P", "in_progress")
    client.force_login(cast[role])
    want_h, want_p = (int(c) for c in cell.split("/"))
    assert client.get(f"/work/issues/{h.pk}/").status_code == want_h
    assert client.get(f"/work/issues/{p.pk}/").status_code == want_p


# Bulk assign: dispatchers only.
BULK_ROW = "302  403  403  403  403  403  403  403  403  403"


@pytest.mark.parametrize("role,code", list(zip(ROLES, [int(c) for c in BULK_ROW.split()])))
def test_bulk_assign_matrix(client, world, cast, file_issue, frozen, role, code):
    issue = file_issue()
    client.force_login(cast[role])
    response = client.post("/work/dispatch/assign/", {"ids": [issue.pk], "lead_unit": world.heat_gz.pk})
    assert response.status_code == code
    issue.refresh_from_db()
    assert issue.status == (Status.ASSIGNED if code == 302 else Status.NEW)


def test_anonymous_goes_to_login_everywhere(client, world, file_issue, frozen):
    issue = file_issue()
    urls = [line.split()[0] for line in PAGE_TABLE.strip().splitlines()] + [f"/work/issues/{issue.pk}/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), url
    for line in ACTION_TABLE.strip().splitlines():
        action = line.split()[0]
        response = client.post(f"/work/issues/{issue.pk}/{action}/", {})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), action
    response = client.post("/work/dispatch/assign/", {"ids": [issue.pk]})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Issue.objects.get(pk=issue.pk).status == Status.NEW


def test_unknown_issue_and_action_are_404(client, world, file_issue):
    issue = file_issue()
    client.force_login(world.dispatcher)
    assert client.get("/work/issues/999999/").status_code == 404
    assert client.get("/work/issues/99999999999999999999999/").status_code == 404
    assert client.get("/work/issues/abc/").status_code == 404
    assert client.get("/work/issues/²/").status_code == 404  # a digit int() refuses
    assert client.get(f"/work/issues/{chr(0x660 + issue.pk) if issue.pk < 10 else '١٠'}/").status_code == 404  # one it reads
    assert client.post(f"/work/issues/{issue.pk}/explode/", {}).status_code == 404
    assert client.get(f"/work/issues/{issue.pk}/assign/").status_code == 405
