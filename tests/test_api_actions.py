"""One POST per transition: success, scope 404, role 403, state 409, input 400, 401 — through HTTP.

States are built through the workflow by test_permissions.Scenario (the
heating complaint of 甘州区, lead 甘州区供热公司 = heat_staff, co-handler
甘州区供水公司 = water_staff; linze_staff is outside its scope). Expected
answers are written by hand.
"""

import pytest

from issues.models import ExtensionRequest, Follower, Issue, IssueEvent
from issues.workflow import Actor, issue_assign, issue_decide_plan, issue_reject

from .api_support import *  # noqa: F403 - fixtures
from .api_support import err
from .conftest import local
from .test_permissions import Scenario

pytestmark = pytest.mark.usefixtures("frozen")

EXT = {"reason": "材料未到", "requested_due": "2026-12-10T18:00:00+08:00"}
PLAN = {"steps": "改造管网", "target_due": "2027-05-01T18:00:00+08:00"}
ORDER = {"level": "yellow", "instruction": "尽快处理", "due_at": "2026-12-01T18:00:00+08:00"}

# action: (url suffix from the scenario, body from the scenario, persona allowed, state, success status,
#          in-scope persona refused 403, state refused 409 or None, body refused 400, fields named)
ACTIONS = {
    "assign": (lambda sc: "assign/", lambda sc: {"lead_unit": sc.w.heat_gz.pk}, "dispatcher", "new", 200,
               "supervisor", "assigned", lambda sc: {"lead_unit": 987654}, {"lead_unit"}),
    "reject": (lambda sc: "reject/", lambda sc: {"reason": "不属于受理范围"}, "dispatcher", "new", 200,
               "mayor", "closed", lambda sc: {"reason": "\u3000"}, {"reason"}),
    "merge": (lambda sc: "merge/", lambda sc: {"original": sc.original.pk}, "dispatcher", "new", 200,
              "revisit", "assigned", lambda sc: {"original": sc.issue.pk}, {"original"}),
    "claim": (lambda sc: "claim/", lambda sc: {}, "heat_staff", "assigned", 200,
              "water_staff", "in_progress", None, None),
    "return": (lambda sc: "return/", lambda sc: {"reason": "非本单位"}, "heat_staff", "assigned", 200,
               "water_staff", "awaiting_rating", lambda sc: {"reason": ""}, {"reason"}),
    "notes": (lambda sc: "notes/", lambda sc: {"note": "已到现场"}, "heat_staff", "in_progress", 201,
              "supervisor", "awaiting_rating", lambda sc: {"note": "\u200b"}, {"note"}),
    "extension-requests": (lambda sc: "extension-requests/", lambda sc: EXT, "heat_staff", "in_progress", 201,
                           "supervisor", "decide_extension",
                           lambda sc: {**EXT, "requested_due": "2026-12-01T09:00:00+08:00"}, {"requested_due"}),
    "decide-extension": (lambda sc: f"extension-requests/{sc.request.pk}/decide/", lambda sc: {"approve": True},
                         "supervisor", "decide_extension", 200, "dispatcher", "decided_extension",
                         lambda sc: {"approve": False}, {"note"}),
    "plans": (lambda sc: "plans/", lambda sc: PLAN, "heat_staff", "in_progress", 201,
              "supervisor", "decide_plan", lambda sc: {**PLAN, "target_due": "2026-11-01T09:00:00+08:00"},
              {"target_due"}),
    "decide-plan": (lambda sc: f"plans/{sc.plan.pk}/decide/", lambda sc: {"approve": True},
                    "supervisor", "decide_plan", 200, "heat_staff", "decided_plan",
                    lambda sc: {"approve": False, "note": ""}, {"note"}),
    "plan-progress": (lambda sc: "plans/progress/", lambda sc: {"note": "完成一半", "percent": 50},
                      "heat_staff", "planned", 201, "supervisor", "in_progress",
                      lambda sc: {"note": "", "percent": 50}, {"note"}),
    "resolve": (lambda sc: "resolve/", lambda sc: {"result": "已修复"}, "heat_staff", "in_progress", 200,
                "water_staff", "assigned", lambda sc: {"result": " "}, {"result"}),
    "verify": (lambda sc: "verify/", lambda sc: {"approve": True}, "supervisor", "verify", 200,
               "mayor", "in_progress", lambda sc: {"approve": False}, {"note"}),
    "supervise": (lambda sc: "supervise/", lambda sc: ORDER, "supervisor", "in_progress", 201,
                  "dispatcher", "closed", lambda sc: {**ORDER, "due_at": "2026-11-30T08:00:00+08:00"}, {"due_at"}),
    "rate": (lambda sc: "rate/", lambda sc: {"resolved": True, "satisfaction": "satisfied"}, "revisit",
             "awaiting_rating", 201, "dispatcher", "in_progress",
             lambda sc: {"resolved": True, "satisfaction": "satisfied", "comment": "x" * 501}, {"comment"}),
    "decide-at-limit": (lambda sc: "decide-at-limit/", lambda sc: {"close": True, "note": "已尽力"}, "supervisor",
                        "decide_at_limit", 200, "dispatcher", "awaiting_rating",
                        lambda sc: {"close": True, "note": ""}, {"note"}),
    "appeals": (lambda sc: "appeals/", lambda sc: {"rating": sc.rating.pk, "reason": "用户诉求超出范围"},
                "heat_staff", "appeal", 201, "supervisor", "decide_appeal",
                lambda sc: {"rating": sc.rating.pk, "reason": ""}, {"reason"}),
    "decide-appeal": (lambda sc: f"appeals/{sc.appeal.pk}/decide/", lambda sc: {"exclude": True}, "supervisor",
                      "decide_appeal", 200, "heat_staff", "decided_appeal",
                      lambda sc: {"exclude": "maybe"}, {"exclude"}),
    "reveal-phone": (lambda sc: "reveal-phone/", lambda sc: {"reason": "电话联系核实地址"}, "heat_staff",
                     "in_progress", 200, "water_staff", None, lambda sc: {"reason": ""}, {"reason"}),
}


class HttpScenario(Scenario):
    """Scenario plus a "planned" state (an approved plan)."""

    def build(self, state):
        if state == "planned":
            issue = super().build("decide_plan")
            issue_decide_plan(issue=issue, actor=self.A("supervisor"), plan=self.plan, approve=True)
        else:
            issue = super().build(state)
        self.issue = issue
        return issue


@pytest.fixture
def scenario(world, file_issue):
    return HttpScenario(world, file_issue)


def url(sc, action):
    return f"/api/v1/issues/{sc.issue.pk}/{ACTIONS[action][0](sc)}"


def post(client, sc, action, data):
    return client.post(url(sc, action), data, format="json")


@pytest.mark.parametrize("action", ACTIONS)
def test_allowed(scenario, as_user, action):
    _, body, who, state, ok, *_ = ACTIONS[action]
    scenario.build(state)
    before = IssueEvent.objects.filter(issue=scenario.issue).count()
    r = post(as_user(who), scenario, action, body(scenario))
    assert r.status_code == ok, r.content
    assert IssueEvent.objects.filter(issue=scenario.issue).count() == before + 1


@pytest.mark.parametrize("action", ACTIONS)
def test_outside_scope_is_404_and_changes_nothing(scenario, as_user, action):
    _, body, who, state, *_ = ACTIONS[action]
    scenario.build(state)
    before = IssueEvent.objects.count()
    for outsider in ("linze_staff", "power_supervisor", "norole"):
        r = post(as_user(outsider), scenario, action, body(scenario))
        assert err(r)[:2] == (404, "not_found"), (outsider, r.content)
    assert IssueEvent.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_wrong_role_is_403_even_with_a_bad_body(scenario, as_user, action):
    _, body, _, state, _, refused, *_ = ACTIONS[action]
    scenario.build(state)
    before = IssueEvent.objects.count()
    assert err(post(as_user(refused), scenario, action, body(scenario)))[:2] == (403, "forbidden")
    assert err(post(as_user(refused), scenario, action, {"x": [None]}))[:2] == (403, "forbidden")
    assert IssueEvent.objects.count() == before


@pytest.mark.parametrize("action", [a for a, row in ACTIONS.items() if row[6]])
def test_wrong_state_is_409(scenario, as_user, action):
    _, body, who, _, _, _, wrong_state, *_ = ACTIONS[action]
    scenario.build(wrong_state)
    before = IssueEvent.objects.count()
    status, code, _ = err(post(as_user(who), scenario, action, body(scenario)))
    assert (status, code) == (409, "conflict")
    assert IssueEvent.objects.count() == before


@pytest.mark.parametrize("action", [a for a, row in ACTIONS.items() if row[7]])
def test_bad_input_is_400_naming_the_field(scenario, as_user, action):
    _, _, who, state, _, _, _, bad, fields = ACTIONS[action]
    scenario.build(state)
    before = IssueEvent.objects.count()
    status, code, named = err(post(as_user(who), scenario, action, bad(scenario)))
    assert (status, code) == (400, "invalid")
    assert set(named) == fields
    assert IssueEvent.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_without_credentials_is_401(scenario, api, action):
    _, body, _, state, *_ = ACTIONS[action]
    scenario.build(state)
    assert err(post(api, scenario, action, body(scenario)))[:2] == (401, "unauthenticated")


def test_assign_answers_the_issue_with_its_units(world, scenario, as_user):
    scenario.build("new")
    data = post(as_user("dispatcher"), scenario, "assign",
                {"lead_unit": world.heat_gz.pk, "co_units": [world.water_gz.pk], "note": "请尽快"}).json()
    assert data["status"] == "assigned"
    assert (data["lead_unit"], data["co_units"], data["lead_unit_name"]) == (world.heat_gz.pk, [world.water_gz.pk],
                                                                             "甘州区供热公司")


def test_claim_race_second_gets_409(scenario, as_user):
    scenario.build("assigned")
    first = post(as_user("heat_staff"), scenario, "claim", {})
    second = post(as_user("heat_staff2"), scenario, "claim", {})
    assert (first.status_code, second.status_code) == (200, 409)


def test_approved_extension_moves_the_resolution_deadline(scenario, as_user):
    scenario.build("decide_extension")
    data = post(as_user("supervisor"), scenario, "decide-extension", {"approve": True}).json()
    assert data["resolution_due"] == "2026-12-10T18:00:00+08:00"
    assert data["resolution_extended"] is True


def test_a_date_alone_is_the_end_of_that_office_day_and_a_week_date_is_refused(scenario, as_user):
    # A date alone was read as midnight, the day's start, and "2027-W01-1" as a Monday's midnight (breaker);
    # the web form says 18:00 for a date alone.
    from issues.models import ExtensionRequest

    scenario.build("in_progress")
    for typed in ("2026-W50-1", "2026-340", "20261210", "2026-12-10T25:00", "2026-02-30", "2026-12-10 18"):
        r = post(as_user("heat_staff"), scenario, "extension-requests", {**EXT, "requested_due": typed})
        assert err(r)[0] == 400, typed
        assert err(r)[2] == {"requested_due": ["日期时间格式不正确，请按 ISO 8601 填写，例如 2026-12-10T18:00:00+08:00"]}, typed
    r = post(as_user("heat_staff"), scenario, "extension-requests", {**EXT, "requested_due": "2026-12-10"})
    assert r.status_code == 201
    assert ExtensionRequest.objects.get().requested_due == local(2026, 12, 10, 18, 0)


def test_timestamps_as_other_languages_write_them_are_read_and_the_refusal_speaks_english(scenario, as_user):
    # .NET's "o" format (7 fraction digits) was refused by the new parser (breaker); the message was Chinese only.
    from issues.models import ExtensionRequest

    scenario.build("in_progress")
    api = as_user("heat_staff")
    r = api.post(url(scenario, "extension-requests"), {**EXT, "requested_due": "2026-12-10"}, format="json",
                 HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 201
    scenario.build("in_progress")
    r = api.post(url(scenario, "extension-requests"), {**EXT, "requested_due": "2026-12-20T18:00:00.1234567+08:00"},
                 format="json")
    assert r.status_code == 201
    assert ExtensionRequest.objects.order_by("-id").first().requested_due == local(2026, 12, 20, 18, 0, 0, 123456)
    scenario.build("in_progress")
    r = api.post(url(scenario, "extension-requests"), {**EXT, "requested_due": "soon"}, format="json",
                 HTTP_ACCEPT_LANGUAGE="en")
    assert err(r)[2] == {"requested_due": ["Not a date and time: write it in ISO 8601, for example "
                                           "2026-12-10T18:00:00+08:00"]}


def test_a_decision_on_another_issues_request_is_404(scenario, as_user, file_issue):
    scenario.build("decide_extension")
    other = file_issue(phone="13900000002")
    r = as_user("supervisor").post(f"/api/v1/issues/{other.pk}/extension-requests/{scenario.request.pk}/decide/",
                                   {"approve": True}, format="json")
    assert err(r)[0] == 404
    for bad in ("abc", "0", "99999999999999999999"):
        r = as_user("supervisor").post(f"/api/v1/issues/{scenario.issue.pk}/extension-requests/{bad}/decide/",
                                       {"approve": True}, format="json")
        assert err(r)[0] == 404
    assert ExtensionRequest.objects.get().decision == "pending"


def test_reveal_phone_gives_the_full_number_and_audits(scenario, as_user):
    scenario.build("in_progress")
    r = post(as_user("heat_staff"), scenario, "reveal-phone", {"reason": "电话联系核实地址"})
    assert r.json() == {"reporter_phone": "+8613800000000"}
    event = IssueEvent.objects.filter(issue=scenario.issue).order_by("-id").first()
    assert (event.kind, event.public, event.note) == ("phone_revealed", False, "电话联系核实地址")
    assert post(as_user("revisit"), scenario, "reveal-phone", {"reason": "回访"}).status_code == 200


class TestUnitBoundSystem:
    """A utility company's system acts as its unit's staff; actions that record a staff user are 403."""

    def test_it_claims_notes_and_resolves(self, scenario, as_client):
        scenario.build("assigned")
        client = as_client("heat_system")
        assert post(client, scenario, "claim", {}).status_code == 200
        assert post(client, scenario, "notes", {"note": "已派人"}).status_code == 201
        assert post(client, scenario, "resolve", {"result": "已修复"}).status_code == 200
        assert Issue.objects.get(pk=scenario.issue.pk).status == "awaiting_rating"

    @pytest.mark.parametrize("action,state", [("extension-requests", "in_progress"), ("plans", "in_progress"),
                                              ("plan-progress", "planned"), ("appeals", "appeal")])
    def test_actions_needing_a_staff_user_are_403(self, scenario, as_client, action, state):
        scenario.build(state)
        before = IssueEvent.objects.count()
        r = post(as_client("heat_system"), scenario, action, ACTIONS[action][1](scenario))
        assert err(r)[:2] == (403, "forbidden")
        assert IssueEvent.objects.count() == before

    def test_other_systems_get_404(self, scenario, as_client):
        scenario.build("assigned")
        assert err(post(as_client("hotline"), scenario, "claim", {}))[0] == 404


class TestFollow:
    def test_a_resident_follows_without_an_account(self, scenario, api):
        scenario.build("in_progress")
        first = api.post(f"/api/v1/issues/{scenario.issue.pk}/follow/", {"phone": "13900000005", "name": "李"},
                         format="json")
        again = api.post(f"/api/v1/issues/{scenario.issue.pk}/follow/", {"phone": "139 0000 0005"}, format="json")
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == {"issue": scenario.issue.pk, "tracking_code": "ZY20261130000001", "following": True}
        assert list(Follower.objects.filter(issue=scenario.issue).values_list("phone", flat=True)) == \
            ["+8613900000005"]

    def test_errors(self, scenario, api):
        scenario.build("closed")
        base = f"/api/v1/issues/{scenario.issue.pk}/follow/"
        assert err(api.post(base, {"phone": "13900000005"}, format="json"))[:2] == (409, "conflict")
        assert err(api.post("/api/v1/issues/987654/follow/", {"phone": "13900000005"}, format="json"))[0] == 404
        open_one = scenario.original
        status, _, fields = err(api.post(f"/api/v1/issues/{open_one.pk}/follow/", {"phone": "12"}, format="json"))
        assert (status, set(fields)) == (400, {"phone"})

    def test_the_reporters_phone_is_answered_as_anyone_elses(self, api, as_client, file_issue):
        # A 409 for the reporter's phone told anyone which number filed the issue (API breaker); the
        # "me too" page already answered it as a stranger's.
        open_one = file_issue(phone="+8613900000009")
        base = f"/api/v1/issues/{open_one.pk}/follow/"
        answers = {}
        for phone in ("13900000009", "13700000077"):  # the reporter's, a stranger's: the same answers
            answers[phone] = [(r.status_code, r.json()) for r in (
                api.post(base, {"phone": phone}, format="json"),
                as_client("hotline").post(base, {"phone": phone}, format="json"))]
        body = {"issue": open_one.pk, "tracking_code": open_one.tracking_code, "following": True}
        assert answers["13900000009"] == answers["13700000077"] == [(201, body), (200, body)]
        assert list(Follower.objects.filter(issue=open_one).values_list("phone", flat=True)) == ["+8613700000077"]

    def test_staff_follow_for_a_caller_only_within_their_scope(self, scenario, as_user):
        # An out-of-scope unit's staff got 201 and the tracking code of an issue they could not read (breaker).
        scenario.build("in_progress")
        base = f"/api/v1/issues/{scenario.issue.pk}/follow/"
        assert err(as_user("linze_staff").post(base, {"phone": "13900000005"}, format="json"))[0] == 404
        assert not Follower.objects.filter(issue=scenario.issue).exists()
        assert as_user("heat_staff").post(base, {"phone": "13900000005"}, format="json").status_code == 201

    def test_a_signed_in_caller_cannot_try_numbers_on_one_issue_without_end(self, world, as_client, as_user, settings,
                                                                           file_issue):
        # Each stranger's follow leaves an event, the reporter's own number none: 10^4 tries named the
        # reporter behind the mask without the logged "show number" (breaker round 2).
        settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "follow_caller": [(3, 3600)]}
        issue, other = file_issue(), file_issue(phone="+8613900000002")
        for i in (issue, other):
            issue_assign(issue=i, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
        client = as_client("heat_system")
        answers = [client.post(f"/api/v1/issues/{issue.pk}/follow/", {"phone": f"1370000{n:04d}"},
                               format="json").status_code for n in range(5)]
        assert answers == [201, 201, 201, 429, 429]
        assert client.post(f"/api/v1/issues/{other.pk}/follow/", {"phone": "13700000099"},
                           format="json").status_code == 201  # counted per issue
        staff = as_user("heat_staff")  # reads the timeline too
        answers = [staff.post(f"/api/v1/issues/{issue.pk}/follow/", {"phone": f"1360000{n:04d}"},
                              format="json").status_code for n in range(4)]
        assert answers == [201, 201, 201, 429]
        # The hotline takes many callers of one outage: a dispatcher and a system without a unit are not held.
        for caller, prefix in ((as_user("dispatcher"), "1350000"), (as_client("hotline"), "1340000")):
            answers = [caller.post(f"/api/v1/issues/{issue.pk}/follow/", {"phone": f"{prefix}{n:04d}"},
                                   format="json").status_code for n in range(5)]
            assert answers == [201] * 5

    def test_signed_in_callers_are_held_to_the_phones_limit_but_a_dispatcher_is_not(self, scenario, as_user,
                                                                                     as_client, settings, file_issue):
        # A client token followed one number to any number of issues, each an SMS to it (breaker).
        settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
        issues = [file_issue(phone=f"+86138000001{n:02d}") for n in range(4)]
        client = as_client("hotline")
        answers = [client.post(f"/api/v1/issues/{i.pk}/follow/", {"phone": "13700009999"}, format="json").status_code
                   for i in issues]
        assert answers == [201, 201, 429, 429]
        dispatcher = as_user("dispatcher")
        answers = [dispatcher.post(f"/api/v1/issues/{i.pk}/follow/", {"phone": "13700008888"}, format="json").status_code
                   for i in issues]
        assert answers == [201, 201, 201, 201]

    def test_limited_per_phone(self, scenario, api, settings):
        settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
        scenario.build("in_progress")
        base = f"/api/v1/issues/{scenario.issue.pk}/follow/"
        assert api.post(base, {"phone": "13900000005"}, format="json").status_code == 201
        assert err(api.post(base, {"phone": "13900000005"}, format="json"))[0] == 429


def test_rejected_issue_reason_is_staff_only_in_the_api(world, as_user, as_client, systems, file_issue):
    issue = file_issue()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="属于物业管理范围")
    assert as_user("dispatcher").get(f"/api/v1/issues/{issue.pk}/").json()["public_reason"] == "属于物业管理范围"
    public = as_client("hotline").get(f"/api/v1/issues/{issue.pk}/").json()
    assert "public_reason" not in public and public["status"] == "rejected"


@pytest.mark.parametrize("action, who, state, label", [
    ("reject", "dispatcher", "new", "不予受理理由"),
    ("return", "heat_staff", "assigned", "退单理由"),
    ("reveal-phone", "heat_staff", "in_progress", "查看理由"),
])
def test_reasons_count_characters_as_seen_and_name_the_action(scenario, as_user, action, who, state, label):
    # 👍🏽 is one character (two code points): 500 of them fit, 501 are refused in the workflow's words.
    scenario.build(state)
    status, _, fields = err(post(as_user(who), scenario, action, {"reason": "👍🏽" * 501}))
    assert (status, fields) == (400, {"reason": [f"{label}最多 500 个字（现在 501 个）"]})
    status, _, fields = err(post(as_user(who), scenario, action, {"reason": "水" * 10001}))
    assert (status, fields) == (400, {"reason": [f"{label}最多 500 个字（现在至少 10000 个）"]})
    assert post(as_user(who), scenario, action, {"reason": "👍🏽" * 500}).status_code == 200


@pytest.mark.parametrize("action, field, note", [
    ("verify", "approve", {"note": "复查仍有问题"}),
    ("decide-extension", "approve", {"note": "材料不足"}),
    ("decide-at-limit", "close", {"note": "已尽力"}),
    ("decide-appeal", "exclude", {}),
    ("rate", "resolved", {"satisfaction": "satisfied"}),
])
def test_a_decision_missing_from_a_form_encoded_body_is_refused_not_read_as_no(scenario, as_user, action, field,
                                                                              note):
    # DRF read the missing yes/no of a form-encoded body as false: the fix was sent back, another rework
    # ordered, the rating upheld (breaker round 2). JSON already said "required".
    _, _body, who, state, *_ = ACTIONS[action]
    scenario.build(state)
    before = IssueEvent.objects.filter(issue=scenario.issue).count()
    r = as_user(who).post(url(scenario, action), note)  # multipart form, as a browser or curl -F would send
    status, _code, fields = err(r)
    assert status == 400 and set(fields) == {field}
    assert IssueEvent.objects.filter(issue=scenario.issue).count() == before
