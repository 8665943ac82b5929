"""The permission matrix of the workflow: action × role, expected answers written by hand.

The issue is a heating complaint in 甘州区, lead unit 甘州区供热公司 (heat_staff),
co-handler 甘州区供水公司 (water_staff). linze_staff's unit and
power_supervisor's utility are outside its scope; norole has no role.
200 = allowed, 403 = role, 404 = scope, 409 = state.
"""

import pytest

from issues.workflow import (
    Actor,
    WorkflowError,
    issue_add_note,
    issue_appeal,
    issue_assign,
    issue_claim,
    issue_decide_appeal,
    issue_decide_at_limit,
    issue_decide_extension,
    issue_decide_plan,
    issue_file_plan,
    issue_merge,
    issue_rate,
    issue_reject,
    issue_request_extension,
    issue_resolve,
    issue_return,
    issue_reveal_phone,
    issue_supervise,
    issue_verify,
)

from .conftest import local

pytestmark = pytest.mark.usefixtures("frozen")

ROLES = ["dispatcher", "heat_staff", "water_staff", "linze_staff", "supervisor", "power_supervisor", "mayor",
         "revisit", "admin", "norole"]

# One row per action; columns in the order of ROLES.
EXPECTED = {
    "assign":           [200, 404, 404, 404, 403, 404, 403, 403, 403, 404],
    "reject":           [200, 404, 404, 404, 403, 404, 403, 403, 403, 404],
    "merge":            [200, 404, 404, 404, 403, 404, 403, 403, 403, 404],
    "claim":            [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "return":           [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "note":             [403, 200, 200, 404, 403, 404, 403, 403, 403, 404],
    "request_extension": [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "file_plan":        [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "resolve":          [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "appeal":           [403, 200, 403, 404, 403, 404, 403, 403, 403, 404],
    "reveal_phone":     [403, 200, 403, 404, 403, 404, 403, 200, 403, 404],
    "decide_extension": [403, 403, 403, 404, 200, 404, 403, 403, 403, 404],
    "decide_plan":      [403, 403, 403, 404, 200, 404, 403, 403, 403, 404],
    "verify":           [403, 403, 403, 404, 200, 404, 403, 403, 403, 404],
    "decide_at_limit":  [403, 403, 403, 404, 200, 404, 403, 403, 403, 404],
    "decide_appeal":    [403, 403, 403, 404, 200, 404, 403, 403, 403, 404],
    "supervise":        [403, 403, 403, 404, 200, 404, 200, 403, 403, 404],
    "rate":             [403, 403, 403, 404, 403, 404, 403, 200, 403, 404],
}

# For each action, the role allowed to take it and a state where it is refused (409).
WRONG_STATE = {
    "assign": ("dispatcher", "in_progress"),
    "reject": ("dispatcher", "assigned"),
    "merge": ("dispatcher", "closed"),
    "claim": ("heat_staff", "in_progress"),
    "return": ("heat_staff", "awaiting_rating"),
    "note": ("water_staff", "awaiting_rating"),
    "request_extension": ("heat_staff", "awaiting_rating"),
    "file_plan": ("heat_staff", "assigned"),
    "resolve": ("heat_staff", "assigned"),
    "appeal": ("heat_staff", "satisfied"),
    "decide_extension": ("supervisor", "decided_extension"),
    "decide_plan": ("supervisor", "decided_plan"),
    "verify": ("supervisor", "in_progress"),
    "decide_at_limit": ("supervisor", "awaiting_rating"),
    "decide_appeal": ("supervisor", "decided_appeal"),
    "supervise": ("supervisor", "closed"),
    "rate": ("revisit", "in_progress"),
}


class Scenario:
    """Builds an issue in a named state through the workflow and runs one action on it."""

    def __init__(self, world, file_issue):
        self.w, self.file = world, file_issue
        self.A = lambda name: Actor.of(getattr(world, name))
        self.request = self.plan = self.appeal = self.rating = None

    def build(self, state):
        w, A = self.w, self.A
        if state == "verify":
            w.heat_cold.needs_verification = True
            w.heat_cold.save()
        issue = self.file()
        self.original = self.file(phone="13900000009")
        if state == "new":
            return issue
        if state == "closed":
            issue_reject(issue=issue, actor=A("dispatcher"), reason="不属于受理范围")
            return issue
        issue_assign(issue=issue, actor=A("dispatcher"), lead_unit=w.heat_gz, co_units=[w.water_gz])
        if state == "assigned":
            return issue
        issue_claim(issue=issue, actor=A("heat_staff"))
        if state in ("decide_extension", "decided_extension"):
            self.request = issue_request_extension(issue=issue, actor=A("heat_staff"), reason="材料未到",
                                                   requested_due=local(2026, 12, 10, 18, 0))
            if state == "decided_extension":
                issue_decide_extension(issue=issue, actor=A("supervisor"), request=self.request, approve=True)
        if state in ("decide_plan", "decided_plan"):
            self.plan = issue_file_plan(issue=issue, actor=A("heat_staff"), steps="改造管网",
                                        target_due=local(2027, 5, 1, 18, 0))
            if state == "decided_plan":
                issue_decide_plan(issue=issue, actor=A("supervisor"), plan=self.plan, approve=False, note="不同意")
        if state in ("in_progress", "decide_extension", "decided_extension", "decide_plan", "decided_plan"):
            return issue
        issue_resolve(issue=issue, actor=A("heat_staff"), result="已修复")
        if state in ("verify", "awaiting_rating"):
            return issue
        resident = Actor.resident(w.phone)
        if state == "satisfied":
            self.rating = issue_rate(issue=issue, actor=resident, resolved=True, satisfaction="satisfied")
            return issue
        if state == "decide_at_limit":
            type(issue).objects.filter(pk=issue.pk).update(rework_count=2)
        self.rating = issue_rate(issue=issue, actor=resident, resolved=False, satisfaction="dissatisfied")
        if state in ("decide_appeal", "decided_appeal"):
            self.appeal = issue_appeal(issue=issue, actor=A("heat_staff"), rating=self.rating, reason="不合理")
            if state == "decided_appeal":
                issue_decide_appeal(issue=issue, actor=A("supervisor"), appeal=self.appeal, exclude=False)
        return issue  # "appeal", "decide_at_limit", "decide_appeal", "decided_appeal"

    def run(self, action, issue, actor):
        due = local(2026, 12, 20, 18, 0)
        calls = {
            "assign": lambda: issue_assign(issue=issue, actor=actor, lead_unit=self.w.heat_gz),
            "reject": lambda: issue_reject(issue=issue, actor=actor, reason="不属于受理范围"),
            "merge": lambda: issue_merge(issue=issue, actor=actor, original=self.original),
            "claim": lambda: issue_claim(issue=issue, actor=actor),
            "return": lambda: issue_return(issue=issue, actor=actor, reason="非本单位"),
            "note": lambda: issue_add_note(issue=issue, actor=actor, note="已到现场"),
            "request_extension": lambda: issue_request_extension(issue=issue, actor=actor, reason="r",
                                                                 requested_due=due),
            "file_plan": lambda: issue_file_plan(issue=issue, actor=actor, steps="s", target_due=due),
            "resolve": lambda: issue_resolve(issue=issue, actor=actor, result="已修复"),
            "appeal": lambda: issue_appeal(issue=issue, actor=actor, rating=self.rating, reason="r"),
            "reveal_phone": lambda: issue_reveal_phone(issue=issue, actor=actor, reason="电话联系"),
            "decide_extension": lambda: issue_decide_extension(issue=issue, actor=actor, request=self.request,
                                                               approve=True),
            "decide_plan": lambda: issue_decide_plan(issue=issue, actor=actor, plan=self.plan, approve=True),
            "verify": lambda: issue_verify(issue=issue, actor=actor, approve=True),
            "decide_at_limit": lambda: issue_decide_at_limit(issue=issue, actor=actor, close=True, note="n"),
            "decide_appeal": lambda: issue_decide_appeal(issue=issue, actor=actor, appeal=self.appeal, exclude=True),
            "supervise": lambda: issue_supervise(issue=issue, actor=actor, level="yellow", instruction="i",
                                                 due_at=due),
            "rate": lambda: issue_rate(issue=issue, actor=actor, resolved=True, satisfaction="satisfied"),
        }
        try:
            calls[action]()
        except WorkflowError as exc:
            return exc.status_code
        return 200


# The state each action is tried from in the matrix.
STATE_FOR = {
    "assign": "new", "reject": "new", "merge": "new", "claim": "assigned", "return": "assigned",
    "note": "in_progress", "request_extension": "in_progress", "file_plan": "in_progress",
    "resolve": "in_progress", "appeal": "appeal", "reveal_phone": "in_progress",
    "decide_extension": "decide_extension", "decide_plan": "decide_plan", "verify": "verify",
    "decide_at_limit": "decide_at_limit", "decide_appeal": "decide_appeal", "supervise": "in_progress",
    "rate": "awaiting_rating",
}

CASES = [(action, role, row[i]) for action, row in EXPECTED.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize("action,role,expected", CASES, ids=[f"{a}-{r}" for a, r, _ in CASES])
def test_matrix(world, file_issue, action, role, expected):
    scenario = Scenario(world, file_issue)
    issue = scenario.build(STATE_FOR[action])
    events_before = issue.events.count()
    assert scenario.run(action, issue, Actor.of(getattr(world, role))) == expected
    if expected != 200:
        assert issue.events.count() == events_before  # a refusal writes nothing


@pytest.mark.parametrize("action", sorted(WRONG_STATE))
def test_wrong_state_is_409(world, file_issue, action):
    role, state = WRONG_STATE[action]
    scenario = Scenario(world, file_issue)
    issue = scenario.build(state)
    if action in ("appeal",) and scenario.rating is None:
        pytest.fail("scenario must provide a rating")
    assert scenario.run(action, issue, Actor.of(getattr(world, role))) == 409


def test_api_client_bound_to_the_lead_unit_acts_as_its_staff(world, file_issue):
    from issues.models import ApiClient

    bound = ApiClient.objects.create(name="供热公司系统", unit=world.heat_gz)
    other = ApiClient.objects.create(name="12345热线")
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    scenario = Scenario(world, file_issue)
    assert scenario.run("claim", issue, Actor.of(other)) == 404
    assert scenario.run("claim", issue, Actor.of(bound)) == 200
