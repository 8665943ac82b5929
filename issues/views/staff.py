"""Staff workbenches: dispatch, unit queue, supervision, revisit, and the issue page.

Thin views: scope (``accounts.scope.visible_issues``) → parse the POST →
``issues.workflow`` → render. Answers follow DESIGN.md's "Access and
answers": outside scope 404 (from ``visible_issues``), a page the role has no
business on 403, the workflow's Forbidden 403 / Conflict 409 / Invalid 400
shown on the page (400 keeps what was typed). Anonymous users are sent to
the login page.

Every action is ``POST /work/issues/<id>/<action>/``. With htmx the answer is
the fragment that was posted from (the issue panel, or one row of a list,
named by the ``panel`` field) re-rendered in place; without JavaScript a
success redirects back (``next``) with a message and an error renders the
whole issue page with the message and the typed values.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.scope import visible_issues

from .. import formkeys, similar
from .. import photos as photo_mod
from ..choices import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    AppealDecision,
    Decision,
    EventKind,
    Role,
    Satisfaction,
    Status,
    SupervisionLevel,
    Utility,
)
from ..models import (
    Appeal,
    ExtensionRequest,
    Follower,
    Issue,
    IssueEvent,
    PhoneLookup,
    Rating,
    RectificationPlan,
    RoutingRule,
    Unit,
    deadline_in_force,
    dispatch_rank,
)
from ..links import phone_hash
from ..staff_filters import StaffIssueFilter, keyset_page
from ..templatetags.text_tags import list_separator
from ..validation import FieldError, lookup_phone, mask_phone, normalize_tracking_code, parse_when
from .. import workflow as wf

# Rows per page. Server time is template rendering, not SQL (each list query reads
# its page in index order, < 1 ms at 1M issues): 25 rows keep a page under
# 100 ms p95 on a small server (bench/queue.py); "next page" is a keyset link.
PAGE_SIZE = 25
# Supervision page: issues due within this many hours count as "near due".
NEAR_DUE_HOURS = 24

# Where /work/ sends each role.
ROLE_HOME = {
    Role.DISPATCHER: "staff:dispatch",
    Role.UNIT_STAFF: "staff:queue",
    Role.SUPERVISOR: "staff:supervise",
    Role.MAYOR: "dashboard:dashboard",  # DESIGN.md: the mayor's office watches the city-wide dashboard
    Role.REVISIT_AGENT: "staff:revisit",
    Role.ADMIN: "admin:index",
}

SUPERVISE_TABS = [
    ("due", gettext_noop("超时和临期")),
    ("extensions", gettext_noop("延期申请")),
    ("plans", gettext_noop("整改计划")),
    ("verify", gettext_noop("待核查")),
    ("orders", gettext_noop("督办中")),
    ("appeals", gettext_noop("评价申诉")),
    ("limit", gettext_noop("重办上限")),
]


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------


def _coded(issue, text: str) -> str:
    """A message about one issue, "ZY…：text" ("ZY…: text" on English pages)."""
    return _("%(code)s：%(text)s") % {"code": issue.tracking_code, "text": text}


def _denied(request, text: str | None = None):
    return render(request, "staff/denied.html", {"text": text or _("您的角色不能使用此页面。")}, status=403)


def staff_page(*roles):
    """Decorator: logged-in users only (others → login); with ``roles``, other roles get 403."""

    def deco(view):
        @wraps(view)
        @never_cache
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and user.role not in roles:
                return _denied(request)
            return view(request, *args, **kwargs)

        return wrapped

    return deco


def _issue_or_404(user, issue_id) -> Issue:
    text = str(issue_id)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Http404
    issue = (visible_issues(user).select_related("category", "district", "lead_unit", "claimed_by")
             .filter(pk=int(text)).first())
    if issue is None:
        raise Http404
    return issue


def _deadline_expr():
    """The deadline in force for a list row (the indexed expression ``models.deadline_in_force``)."""
    return deadline_in_force()


def _issue_url_prefix() -> str:
    """"/work/issues/" — rows build their links from it instead of reversing a URL per row."""
    return reverse("staff:issue", args=["0"])[:-2]


def _with_urls(rows):
    prefix = _issue_url_prefix()
    for row in rows:
        row["url"] = f"{prefix}{row['issue'].pk}/"
    return rows


def _late(deadline, now) -> timedelta | None:
    return now - deadline if deadline and deadline < now else None


def _filtered(request, qs):
    f = StaffIssueFilter(request.GET or None, queryset=qs)
    return f, (f.qs if f.is_bound else qs)


def _query_without(request, name: str) -> str:
    q = request.GET.copy()
    q.pop(name, None)
    return q.urlencode()


def _list_context(request, rows, nxt, f, **extra):
    return {"rows": _with_urls(rows), "next_cursor": nxt, "filter": f,
            "base_query": _query_without(request, "cursor"), "list_url": request.get_full_path(),
            "now": timezone.now(), **extra}


# --------------------------------------------------------------------------
# Home and lists
# --------------------------------------------------------------------------


@staff_page()
@require_safe
def home(request):
    """GET /work/: send each role to its page (admins to Django admin); no role → 403."""
    target = ROLE_HOME.get(request.user.role)
    if target is None:
        return _denied(request, _("您的账号尚未分配角色，请联系系统管理员。"))
    return redirect(target)


class RouteTable:
    """Every active routing rule loaded once, so a page of 50 rows asks routing in one query.

    Same answer as ``issues.routing.route``: the most specific rule
    (category + district > category > district > utility), ties by id.
    """

    def __init__(self):
        self.rules = list(RoutingRule.objects.filter(active=True, unit__active=True).select_related("unit"))

    def suggest(self, issue) -> Unit | None:
        """The unit routing suggests for ``issue``, or None."""
        best = None
        for r in self.rules:
            if r.utility != issue.utility:
                continue
            if r.category_id not in (None, issue.category_id) or r.district_id not in (None, issue.district_id):
                continue
            key = (-((2 if r.category_id else 0) + (1 if r.district_id else 0)), r.id)
            if best is None or key < best[0]:
                best = (key, r)
        return best[1].unit if best else None


def _dispatch_rows(issues, now):
    routes = RouteTable()
    return [{"issue": i, "suggested": routes.suggest(i), "waited": now - i.filed_at,
             "late": _late(i.dispatch_due, now)} for i in issues]


def _dispatch_qs(user):
    returned = IssueEvent.objects.filter(issue=OuterRef("pk"), kind=EventKind.RETURNED)
    return (visible_issues(user).filter(status=Status.NEW).select_related("category", "district")
            .annotate(rank=dispatch_rank(), was_returned=Exists(returned)))


@staff_page(Role.DISPATCHER)
@require_safe
def dispatch(request):
    """GET /work/dispatch/: new and returned issues, emergencies first, then oldest.

    Each row shows how long it has waited against its dispatch deadline and
    the unit routing suggests (assign in one click), co-handlers, and a link
    to merge or reject on the issue page. Bulk assign posts to
    ``staff:bulk_assign``.
    """
    f, qs = _filtered(request, _dispatch_qs(request.user))
    issues, nxt = keyset_page(qs, ("rank", "filed_at", "id"), request.GET.get("cursor"), PAGE_SIZE)
    now = timezone.now()
    units = list(Unit.objects.filter(active=True))
    return render(request, "staff/dispatch.html",
                  _list_context(request, _dispatch_rows(issues, now), nxt, f, units=units, active="dispatch"))


@staff_page(Role.DISPATCHER)
@require_POST
def bulk_assign(request):
    """POST /work/dispatch/assign/: assign the ticked issues (``ids``) to one unit, or each to its suggestion.

    ``lead_unit`` is a unit id or "suggested". Reports how many were assigned
    and why the others were not; redirects back to the dispatch page.
    """
    actor = wf.Actor.of(request.user)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isascii() and x.isdigit() and len(x) <= 18]
    lead = request.POST.get("lead_unit", "")
    if not ids:
        messages.error(request, _("请先勾选要交办的诉求"))
        return redirect("staff:dispatch")
    issues = list(visible_issues(request.user).filter(pk__in=ids))
    routes = RouteTable() if lead == "suggested" else None
    done, failed = 0, []
    for issue in issues:
        unit = routes.suggest(issue) if routes else lead
        if unit is None:
            failed.append(_coded(issue, _("没有分派建议")))
            continue
        try:
            wf.issue_assign(issue=issue, actor=actor, lead_unit=unit)
            done += 1
        except wf.WorkflowError as exc:
            detail = list_separator().join(m for ms in exc.fields.values() for m in ms) or exc.message
            failed.append(_coded(issue, detail))
    if done:
        messages.success(request, _("已交办 %(n)d 件") % {"n": done})
    for line in failed:
        messages.error(request, line)
    return redirect("staff:dispatch")


def _queue_qs(user):
    ext = ExtensionRequest.objects.filter(issue=OuterRef("pk"), decision=Decision.PENDING)
    plan = RectificationPlan.objects.filter(issue=OuterRef("pk"), decision=Decision.PENDING)
    qs = visible_issues(user).filter(status__in=WORKING_STATUSES)
    if user.role == Role.UNIT_STAFF and user.unit_id:
        # The same rows as the scope, spelled so that PostgreSQL can combine
        # two indexes (issue_lead_status; the primary key for the few open
        # co-handled issues) instead of filtering every open issue of the city.
        co_open = list(Issue.co_units.through.objects.filter(unit_id=user.unit_id,
                                                             issue__status__in=WORKING_STATUSES)
                       .values_list("issue_id", flat=True)[:5000])
        mine = Q(lead_unit_id=user.unit_id)  # status is filtered above; repeating it misleads the planner
        # Without co-handled issues the page is read in order from issue_lead_deadline.
        qs = qs.filter(mine | Q(pk__in=co_open) if co_open else mine)
    return (qs.select_related("category", "district", "lead_unit")
            .annotate(deadline=_deadline_expr(), pending_extension=Exists(ext), pending_plan=Exists(plan)))


def _queue_rows(issues, user, now):
    return [{"issue": i, "is_lead": user.unit_id is not None and i.lead_unit_id == user.unit_id,
             "late": _late(i.deadline, now)} for i in issues]


@staff_page(Role.UNIT_STAFF)
@require_safe
def queue(request):
    """GET /work/queue/: the unit's assigned, in-progress and planned issues (lead or co-handler).

    Nearest deadline in force first; overdue rows say how late. Claim in
    one click here; everything else on the issue page.
    """
    f, qs = _filtered(request, _queue_qs(request.user))
    issues, nxt = keyset_page(qs, ("deadline", "id"), request.GET.get("cursor"), PAGE_SIZE)
    now = timezone.now()
    return render(request, "staff/queue.html", _list_context(request, _queue_rows(issues, request.user, now), nxt, f,
                                                              active="queue"))


def _supervise_qs(user, tab: str, now):
    base = (visible_issues(user).filter(status__in=OPEN_STATUSES).select_related("category", "district", "lead_unit")
            .annotate(deadline=_deadline_expr()))
    if tab == "due":
        return base.filter(status__in=[Status.NEW, *WORKING_STATUSES], deadline__lt=now + timedelta(hours=NEAR_DUE_HOURS))
    if tab == "extensions":
        return base.filter(Exists(ExtensionRequest.objects.filter(issue=OuterRef("pk"), decision=Decision.PENDING)))
    if tab == "plans":
        return base.filter(Exists(RectificationPlan.objects.filter(issue=OuterRef("pk"), decision=Decision.PENDING)))
    if tab == "verify":
        return base.filter(status=Status.RESOLVED)
    if tab == "orders":
        return base.exclude(supervision_level="")
    if tab == "appeals":
        return base.filter(Exists(Appeal.objects.filter(issue=OuterRef("pk"), decision=AppealDecision.PENDING)))
    if tab == "limit":
        return base.filter(status=Status.AWAITING_RATING, needs_decision=True)
    raise Http404


@staff_page(Role.SUPERVISOR, Role.MAYOR)
@require_safe
def supervise(request):
    """GET /work/supervise/?tab=…: the supervisor's utilities (every utility for the mayor's office).

    Tabs: overdue and near-due, pending extension and plan requests, fixes
    to verify, issues under a supervision order, appeals, issues at the
    rework limit. Decisions are taken on the issue page (verify also here).
    """
    tab = request.GET.get("tab") or "due"
    now = timezone.now()
    f, qs = _filtered(request, _supervise_qs(request.user, tab, now))
    issues, nxt = keyset_page(qs, ("deadline", "id"), request.GET.get("cursor"), PAGE_SIZE)
    rows = [{"issue": i, "late": _late(i.deadline, now)} for i in issues]
    return render(request, "staff/supervise.html",
                  _list_context(request, rows, nxt, f, tab=tab, tabs=SUPERVISE_TABS, active="supervise",
                                regulated=[Utility(u).label for u in request.user.regulated_utilities or []
                                           if u in Utility.values],
                                can_verify=request.user.role == Role.SUPERVISOR))


def _revisit_qs(user):
    rated = Rating.objects.filter(issue=OuterRef("pk"), round=OuterRef("resolution_round"), follower__isnull=True)
    return (visible_issues(user).filter(status=Status.AWAITING_RATING, needs_decision=False)
            .exclude(Exists(rated)).exclude(awaiting_rating_since__isnull=True)
            .select_related("category", "district", "lead_unit"))


@staff_page(Role.REVISIT_AGENT)
@require_safe
def revisit(request):
    """GET /work/revisit/: issues awaiting a rating with none yet; record the resident's answers."""
    f, qs = _filtered(request, _revisit_qs(request.user))
    issues, nxt = keyset_page(qs, ("awaiting_rating_since", "id"), request.GET.get("cursor"), PAGE_SIZE)
    rows = [{"issue": i, "phone": mask_phone(i.reporter_phone)} for i in issues]
    return render(request, "staff/revisit.html", _list_context(request, rows, nxt, f,
                                                                satisfactions=Satisfaction.choices, active="revisit"))


FIND_MAX = 50  # issues a lookup lists, newest first


@staff_page(Role.DISPATCHER, Role.REVISIT_AGENT)
@require_http_methods(["GET", "HEAD", "POST"])
def find(request):
    """GET/POST /work/find/: a caller's issues, by tracking code or by their whole phone number.

    For the roles that answer residents' calls (dispatchers, revisit agents;
    both see every issue): a landline gets no SMS, so a caller who lost the
    code is found by the phone they filed or followed with. GET shows the
    form; POST ``q`` (str: posted, so a phone number never sits in a URL,
    an access log or the browser's history) is a tracking code (any case,
    full-width, spaces ignored) or a whole Chinese phone number as
    ``lookup_phone`` reads it (a hotline stored on an older issue too); anything else is answered with a
    message, status 400. Lists at most FIND_MAX issues of any status,
    newest first, each saying whether the caller filed or follows it, with
    phones masked as everywhere on staff pages. Every search by number is
    recorded (models.PhoneLookup: who, when, the number masked and hashed,
    how many found); one by tracking code is not. Both lookups use an index
    (tracking code; reporter phone and Follower.phone, read apart).
    """
    raw = request.POST.get("q", "") if request.method == "POST" else ""
    q = normalize_tracking_code(raw)[:40]  # a code as stored; else a phone, read from what was typed
    rows, error, status, phone = [], "", 200, None
    if q:
        qs = visible_issues(request.user).select_related("category", "district", "lead_unit")
        if q.startswith("ZY"):
            qs = qs.filter(tracking_code=q)
        else:
            try:
                phone = lookup_phone(raw)
            except FieldError:
                error, status = _("请输入受理编号（ZY 开头）或完整的电话号码"), 400
                qs = qs.none()
            else:
                # Two index reads, not one OR across a join (which PostgreSQL answers by scanning every issue).
                filed = Issue.objects.filter(reporter_phone=phone).order_by("-filed_at").values_list("id", flat=True)
                followed = (Follower.objects.filter(phone=phone).order_by("-issue__filed_at")
                            .values_list("issue_id", flat=True))
                qs = qs.filter(pk__in={*filed[:FIND_MAX], *followed[:FIND_MAX]})
        issues = list(qs.order_by("-filed_at", "-id")[:FIND_MAX])
        if phone is not None:  # a search by number is audited, found or not (PIPL)
            PhoneLookup.objects.create(user=request.user, phone_masked=mask_phone(phone), phone_hash=phone_hash(phone),
                                       found=len(issues))
        rows = _with_urls([{"issue": i, "phone": mask_phone(i.reporter_phone),
                            "caller": "" if phone is None else ("reporter" if i.reporter_phone == phone else "follower")}
                           for i in issues])
    return render(request, "staff/find.html", {"q": raw, "searched": bool(q), "rows": rows, "error": error,
                                               "limit": FIND_MAX, "active": "find"}, status=status)


# --------------------------------------------------------------------------
# The issue page
# --------------------------------------------------------------------------


def _can(user, issue, ctx) -> dict:
    """What the page offers this user on this issue (the workflow still decides)."""
    role = user.role
    lead = role == Role.UNIT_STAFF and user.unit_id is not None and user.unit_id == issue.lead_unit_id
    co = role == Role.UNIT_STAFF and user.unit_id is not None and user.unit_id in ctx["co_unit_ids"]
    sup = role == Role.SUPERVISOR
    st = issue.status
    return {
        "assign": role == Role.DISPATCHER and st == Status.NEW,
        "reject": role == Role.DISPATCHER and st == Status.NEW,
        "merge": role == Role.DISPATCHER and st == Status.NEW,
        "claim": lead and st == Status.ASSIGNED,
        "return": lead and st in (Status.ASSIGNED, Status.IN_PROGRESS),
        "note": (lead or co) and st in WORKING_STATUSES,
        "extension": lead and st in (Status.ASSIGNED, Status.IN_PROGRESS) and not ctx["pending_extensions"],
        "plan": lead and st == Status.IN_PROGRESS and not ctx["pending_plans"],
        "plan_progress": lead and st == Status.PLANNED,
        "resolve": lead and st in (Status.IN_PROGRESS, Status.PLANNED),
        "verify": sup and st == Status.RESOLVED,
        "supervise": role in (Role.SUPERVISOR, Role.MAYOR) and st in OPEN_STATUSES,
        "decide_extension": sup and bool(ctx["pending_extensions"]) and st in WORKING_STATUSES,
        "decide_plan": sup and bool(ctx["pending_plans"]) and st == Status.IN_PROGRESS,
        "decide_limit": sup and st == Status.AWAITING_RATING and issue.needs_decision,
        "appeal": lead and bool(ctx["appealable"]),
        "decide_appeal": sup and bool(ctx["pending_appeals"]),
        "rate": role == Role.REVISIT_AGENT and st == Status.AWAITING_RATING and not issue.needs_decision
        and not ctx["rated_this_round"],
        "reveal": lead or role == Role.REVISIT_AGENT,
        "is_lead": lead,
        "is_co": co,
    }


def _issue_context(request, issue, **extra) -> dict:
    co_units = list(issue.co_units.all())
    events = list(issue.events.select_related("actor", "actor__unit", "actor_client").prefetch_related("attachments"))
    ratings = list(issue.ratings.select_related("appeal").order_by("created_at", "id"))
    pending_ext = list(issue.extension_requests.filter(decision=Decision.PENDING))
    pending_plans = list(issue.plans.filter(decision=Decision.PENDING))
    approved_plan = (issue.plans.filter(decision=Decision.APPROVED).prefetch_related("progress_reports")
                     .order_by("-decided_at").first())
    appeals = list(issue.appeals.select_related("rating").filter(decision=AppealDecision.PENDING))
    appealable = [r for r in ratings
                  if r.counts and r.satisfaction == Satisfaction.DISSATISFIED and not _has_appeal(r)]
    ctx = {
        "issue": issue,
        "co_units": co_units,
        "co_unit_ids": {u.pk for u in co_units},
        "events": events,
        "ratings": ratings,
        "pending_extensions": pending_ext,
        "pending_plans": pending_plans,
        "approved_plan": approved_plan,
        "pending_appeals": appeals,
        "appealable": appealable,
        "rated_this_round": any(r.round == issue.resolution_round and r.counts for r in ratings),
        "orders": list(issue.supervision_orders.all()),
        "masked_phone": mask_phone(issue.reporter_phone),
        "now": timezone.now(),
        "deadline_late": _late(_current_deadline(issue), timezone.now()) if issue.status in OPEN_STATUSES else None,
        "satisfactions": Satisfaction.choices,
        "levels": SupervisionLevel.choices[1:],
        "photo_accept": photo_mod.ACCEPT_ATTR,
        "typed": {},
        "errors": {},
        "failed": "",
    }
    ctx.update(extra)
    ctx["can"] = _can(request.user, issue, ctx)
    failed = ctx["failed"]
    if failed and not ctx["can"].get("reveal" if failed == "reveal-phone" else failed.replace("-", "_")):
        # The form that failed is gone (a colleague acted first): give its text back to copy.
        ctx["unsaved"] = unsaved_text(failed, ctx["typed"])
    if ctx["can"]["assign"]:
        ctx["units"] = list(Unit.objects.filter(active=True))
        ctx["suggested"] = RouteTable().suggest(issue)
    if ctx["can"]["merge"]:
        ctx["merge_q"] = request.GET.get("merge_q", "") or ctx["typed"].get("merge_q", "")
        ctx["merge_candidates"] = _merge_candidates(request.user, issue, ctx["merge_q"])
    return ctx


def _has_appeal(rating) -> bool:
    try:
        return rating.appeal is not None
    except Appeal.DoesNotExist:
        return False


def _current_deadline(issue):
    if issue.status == Status.NEW:
        return issue.dispatch_due
    if issue.status == Status.ASSIGNED:
        return issue.response_due
    return issue.resolution_due


def _merge_candidates(user, issue, q: str):
    """Open issues (at most 10, a list) ``issue`` may be merged into, visible to ``user``.

    With ``q`` (str), those whose tracking code holds it; else those of the
    same category and district in the same 小区, matched as the resident's
    duplicate suggestion matches it (issues.similar.in_community), newest first.
    """
    qs = visible_issues(user).filter(status__in=OPEN_STATUSES).exclude(pk=issue.pk).select_related("category")
    q = normalize_tracking_code(q or "")  # as /track/ and /work/find/ read it: full-width too
    if q:
        qs = qs.filter(tracking_code__icontains=q[:24])
    else:
        same_place = qs.filter(category_id=issue.category_id, district_id=issue.district_id)
        return similar.in_community(same_place, issue.community, 10)  # the same 小区 however it was typed
    return list(qs.order_by("-filed_at", "-id")[:10])


@staff_page()
@require_safe
def issue_page(request, issue_id):
    """GET /work/issues/<id>/: facts, masked phone, the full timeline (internal events too) and the role's actions.

    ``?merge_q=`` searches originals for a merge (htmx asks for just that
    fragment with ``?fragment=merge``); ``?fragment=assign`` is the assign
    form alone (``&row=1``: posting back into a dispatch row).
    """
    issue = _issue_or_404(request.user, issue_id)
    ctx = _issue_context(request, issue)
    fragment = request.GET.get("fragment") if request.htmx else None
    if fragment == "merge":
        return render(request, "partials/merge_candidates.html", ctx)
    if fragment == "assign":
        if not ctx["can"]["assign"]:
            return render(request, "partials/row_flash.html", {"error": wf.Conflict(_("该诉求已不在待分派状态"))},
                          status=409)
        if request.GET.get("row"):
            ctx.update(assign_target=f"#row-{issue.pk}", assign_panel="dispatch")
        return render(request, "partials/assign_form.html", ctx)
    return render(request, "staff/issue.html", ctx)


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------


def _when(typed):
    # A deadline field as the workflow takes it: the date and time (validation.parse_when), else what was typed
    # (the workflow says it is no date and time, or that it is missing when nothing was).
    return parse_when(typed) or typed


def _yes(request, name: str) -> bool:
    return request.POST.get(name, "") in ("1", "yes", "true", "approve", "on")


def _photos(request):
    """Clean the uploaded ``photos`` (nothing stored yet); returns (photos, error message or None)."""
    try:
        return photo_mod.clean_photos(request.FILES.getlist("photos")), None
    except FieldError as exc:
        return [], str(exc)


def _with_photos(request, issue, call, event_of):
    """Run ``call()`` and attach the photos to ``event_of(result)``; a bad photo undoes the whole action (400)."""
    photos, error = _photos(request)
    with transaction.atomic():
        result = call()
        if error:
            raise wf.Invalid(_("照片有误"), {"photos": [error]})
        photo_mod.attach(issue, event_of(result), photos)
    return result


def _act_assign(request, issue, actor):
    co = [u for u in request.POST.getlist("co_units") if u]
    wf.issue_assign(issue=issue, actor=actor, lead_unit=request.POST.get("lead_unit") or None, co_units=co,
                    note=request.POST.get("note", ""))
    return _("已交办")


def _act_reject(request, issue, actor):
    wf.issue_reject(issue=issue, actor=actor, reason=request.POST.get("reason", ""))
    return _("已不予受理，理由将告知群众")


def _act_merge(request, issue, actor):
    original = request.POST.get("original", "")
    original = int(original) if original.isascii() and original.isdigit() and len(original) <= 18 else None
    wf.issue_merge(issue=issue, actor=actor, original=original, note=request.POST.get("note", ""))
    return _("已合并到原诉求")


def _act_claim(request, issue, actor):
    wf.issue_claim(issue=issue, actor=actor)
    return _("已认领")


def _act_return(request, issue, actor):
    wf.issue_return(issue=issue, actor=actor, reason=request.POST.get("reason", ""))
    return _("已退单，诉求回到分派队列")


def _act_note(request, issue, actor):
    _with_photos(request, issue, lambda: wf.issue_add_note(issue=issue, actor=actor, note=request.POST.get("note", ""),
                                                           public=_yes(request, "public")), lambda ev: ev)
    return _("进展已记录")


def _act_extension(request, issue, actor):
    wf.issue_request_extension(issue=issue, actor=actor, reason=request.POST.get("reason", ""),
                               requested_due=_when(request.POST.get("requested_due")))
    return _("延期申请已提交，等待督查审批")


def _act_plan(request, issue, actor):
    wf.issue_file_plan(issue=issue, actor=actor, steps=request.POST.get("steps", ""),
                       target_due=_when(request.POST.get("target_due")))
    return _("整改计划已提交，等待督查审批")


def _act_plan_progress(request, issue, actor):
    wf.issue_report_plan_progress(issue=issue, actor=actor, note=request.POST.get("note", ""),
                                  percent=request.POST.get("percent", ""))
    return _("整改进展已记录")


def _act_resolve(request, issue, actor):
    def event_of(updated):
        return updated.events.filter(kind=EventKind.RESOLVED).order_by("-at", "-id").first()

    _with_photos(request, issue, lambda: wf.issue_resolve(issue=issue, actor=actor,
                                                          result=request.POST.get("result", "")), event_of)
    return _("已办结")


def _decision(request, name: str, call) -> bool:
    """The button pressed on a two-button decision form: POST ``name`` "yes" → True, "no" → False.

    Anything else (no button: Enter in the form's note field, a hand-made
    POST) is Invalid (400) and changes nothing — after ``call(False)`` (the
    decision's workflow call) has had its say on scope, role and state
    (404/403/409 first, ``workflow.refusal_first``). The form's hidden first
    button already keeps Enter from choosing (partials/_no_implicit_submit.html).
    A send-back note typed and then Enter had approved or closed the issue (breaker).
    """
    value = request.POST.get(name, "")
    if value not in ("yes", "no"):
        wf.refusal_first(lambda: call(False))
        raise wf.Invalid(_("请点击其中一个按钮作出决定"))
    return value == "yes"


def _act_verify(request, issue, actor):
    def verify(approve):
        return wf.issue_verify(issue=issue, actor=actor, approve=approve, note=request.POST.get("note", ""))

    approve = _decision(request, "approve", verify)
    verify(approve)
    return _("核查通过") if approve else _("已退回重新办理")


def _act_supervise(request, issue, actor):
    wf.issue_supervise(issue=issue, actor=actor, level=request.POST.get("level", ""),
                       instruction=request.POST.get("instruction", ""), due_at=_when(request.POST.get("due_at")))
    return _("督办单已下达")


def _small(raw):
    raw = str(raw or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0


def _act_decide_extension(request, issue, actor):
    def decide(approve):
        return wf.issue_decide_extension(issue=issue, actor=actor, request=_small(request.POST.get("request")),
                                         approve=approve, note=request.POST.get("note", ""))

    approve = _decision(request, "approve", decide)
    decide(approve)
    return _("已批准延期") if approve else _("已拒绝延期")


def _act_decide_plan(request, issue, actor):
    def decide(approve):
        return wf.issue_decide_plan(issue=issue, actor=actor, plan=_small(request.POST.get("plan")), approve=approve,
                                    note=request.POST.get("note", ""))

    approve = _decision(request, "approve", decide)
    decide(approve)
    return _("已批准整改计划") if approve else _("已拒绝整改计划")


def _act_decide_limit(request, issue, actor):
    def decide(close):
        return wf.issue_decide_at_limit(issue=issue, actor=actor, close=close, note=request.POST.get("note", ""))

    close = _decision(request, "close", decide)
    decide(close)
    return _("已裁定销号") if close else _("已要求再次重办")


def _act_appeal(request, issue, actor):
    wf.issue_appeal(issue=issue, actor=actor, rating=_small(request.POST.get("rating")),
                    reason=request.POST.get("reason", ""))
    return _("申诉已提交")


def _act_decide_appeal(request, issue, actor):
    def decide(exclude):
        return wf.issue_decide_appeal(issue=issue, actor=actor, appeal=_small(request.POST.get("appeal")),
                                      exclude=exclude, note=request.POST.get("note", ""))

    exclude = _decision(request, "exclude", decide)
    decide(exclude)
    return _("申诉成立，该评价不计入考核") if exclude else _("维持原评价")


def _act_rate(request, issue, actor):
    resolved = {"yes": True, "no": False}.get(request.POST.get("resolved", ""), None)
    wf.issue_rate(issue=issue, actor=actor, resolved=resolved, satisfaction=request.POST.get("satisfaction", ""),
                  comment=request.POST.get("comment", ""))
    return _("回访结果已记录")


def _act_reveal(request, issue, actor):
    return wf.issue_reveal_phone(issue=issue, actor=actor, reason=request.POST.get("reason", ""))


ACTIONS = {
    "assign": _act_assign,
    "reject": _act_reject,
    "merge": _act_merge,
    "claim": _act_claim,
    "return": _act_return,
    "note": _act_note,
    "extension": _act_extension,
    "plan": _act_plan,
    "plan-progress": _act_plan_progress,
    "resolve": _act_resolve,
    "verify": _act_verify,
    "supervise": _act_supervise,
    "decide-extension": _act_decide_extension,
    "decide-plan": _act_decide_plan,
    "decide-limit": _act_decide_limit,
    "appeal": _act_appeal,
    "decide-appeal": _act_decide_appeal,
    "rate": _act_rate,
    "reveal-phone": _act_reveal,
}

# The free text each action's form carries (POST field names). When a colleague's action wins a race and
# the form is no longer offered, what was typed is shown back read-only, so it can be copied, not lost.
TEXT_FIELDS = {
    "reject": ("reason",), "return": ("reason",), "note": ("note",), "extension": ("reason",),
    "plan": ("steps",), "plan-progress": ("note",), "resolve": ("result",), "verify": ("note",),
    "supervise": ("instruction",), "decide-extension": ("note",), "decide-plan": ("note",),
    "decide-limit": ("note",), "appeal": ("reason",), "decide-appeal": ("note",), "rate": ("comment",),
    "reveal-phone": ("reason",),
}


def unsaved_text(action: str, post) -> list[str]:
    """The non-blank free text (list of str, in form order) that ``post`` (a QueryDict) carried for ``action``.

    What ``TEXT_FIELDS`` names for the action; [] for an action without free text or an unknown one.
    """
    return [text for name in TEXT_FIELDS.get(action, ()) if (text := post.get(name, "")).strip()]


ROW_TEMPLATES = {
    "dispatch": "partials/dispatch_row.html",
    "queue": "partials/queue_row.html",
    "supervise": "partials/supervise_row.html",
    "revisit": "partials/revisit_row.html",
}


def _row_answer(request, issue_id, panel, flash, error, status, action: str = ""):
    user, now = request.user, timezone.now()
    if panel == "dispatch":
        issue = _dispatch_qs(user).filter(pk=issue_id).first() or _issue_or_404(user, issue_id)
        row = _dispatch_rows([issue], now)[0]
        extra = {"units": list(Unit.objects.filter(active=True))}
    elif panel == "queue":
        issue = _queue_qs(user).filter(pk=issue_id).first()
        if issue is None:
            issue = visible_issues(user).select_related("category", "district", "lead_unit").annotate(
                deadline=_deadline_expr(), pending_extension=Value(False), pending_plan=Value(False)).get(pk=issue_id)
        row = _queue_rows([issue], user, now)[0]
        extra = {}
    elif panel == "supervise":
        issue = visible_issues(user).select_related("category", "district", "lead_unit").annotate(
            deadline=_deadline_expr()).get(pk=issue_id)
        row = {"issue": issue, "late": _late(issue.deadline, now)}
        extra = {"can_verify": user.role == Role.SUPERVISOR}
    else:
        issue = _issue_or_404(user, issue_id)
        row = {"issue": issue, "phone": mask_phone(issue.reporter_phone)}
        extra = {"satisfactions": Satisfaction.choices}
    _with_urls([row])
    list_url = _safe_next(request) or reverse(f"staff:{panel}")
    ctx = {"row": row, "flash": flash, "error": error, "now": now, "list_url": list_url, **extra}
    if error is not None:
        ctx["typed"], ctx["errors"] = request.POST, error.fields
        if status == 409:  # the row's state moved on (a colleague, or the resident, acted first): text to copy
            ctx["unsaved"] = unsaved_text(action, request.POST)
    return render(request, ROW_TEMPLATES[panel], ctx, status=status)


def _repeat_answer(request, issue, action: str, panel: str):
    """The answer to a second copy of a form that was acted on (issues.formkeys): nothing is done again.

    It says the form was already sent, where the row or the issue is, or on
    the issue page (no JavaScript). ("Show the number" is never a repeat.)
    """
    return _done_answer(request, issue, action, panel, _("这张表单刚才已经提交过，这次没有重复保存。请看下方记录是否是您要的结果。"),
                        note=messages.info)


def _done_answer(request, issue, action: str, panel: str, result: str, note=messages.success):
    """The answer to an action that went through: ``result`` is its message (for "reveal-phone", the number).

    Gone from the user's scope (a return to dispatch): a notice in place of
    the row or panel, or the role's home page with the message. Otherwise
    the row (``panel``) or the issue panel with the message under htmx, or
    the issue page (``next`` when it is a page here) with the message.
    """
    if not visible_issues(request.user).filter(pk=issue.pk).exists():
        if request.htmx:
            return render(request, "partials/gone.html", {"flash": result, "issue": issue, "panel": panel})
        note(request, _coded(issue, result))
        return redirect(ROLE_HOME.get(request.user.role, "staff:home"))
    if action == "reveal-phone":
        issue = _issue_or_404(request.user, issue.pk)
        ctx = _issue_context(request, issue, revealed_phone=result, flash=_("号码已显示，本次查看已记录"))
        return render(request, "partials/issue_panel.html" if request.htmx else "staff/issue.html", ctx)
    if request.htmx:
        if panel:
            return _row_answer(request, issue.pk, panel, result, None, 200)
        issue = _issue_or_404(request.user, issue.pk)
        return render(request, "partials/issue_panel.html", _issue_context(request, issue, flash=result))
    note(request, _coded(issue, result))
    return redirect(_safe_next(request) or reverse("staff:issue", args=[issue.pk]))


def _safe_next(request) -> str | None:
    # The posted ``next``: a path on this site ("/work/queue/…"), or None. Anything else (another host, a
    # bare word that redirect() would take for a URL name) is ignored: the action is done by then.
    nxt = request.POST.get("next", "")
    if (nxt.startswith("/") and not nxt.startswith("//")
            and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        return nxt
    return None


@staff_page()
@require_POST
def act(request, issue_id, action: str):
    """POST /work/issues/<id>/<action>/: one workflow transition (see ACTIONS).

    Scope first (404: an issue gone from this user's scope is answered with
    a staff notice, not the residents' 404 page); then the workflow checks
    role (403), state (409) and input (400). ``panel`` =
    dispatch/queue/supervise/revisit answers htmx with that list's row,
    otherwise with the issue panel. When the action's form is no longer
    offered (a colleague acted first, or the issue left the scope), the
    free text that was posted (``TEXT_FIELDS``) is shown back read-only.
    """
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    panel = request.POST.get("panel", "")
    if panel not in ROW_TEMPLATES:
        panel = ""
    try:
        issue = _issue_or_404(request.user, issue_id)
    except Http404:
        # Gone from this user's scope since the page was drawn (a colleague returned, reassigned or merged
        # it): say so where the row or panel was, not with the residents' "page not found" (breaker).
        gone = _("这件诉求已不在您的办理范围内（可能刚被退单、改派或合并），请刷新工作台。")
        ctx = {"flash": gone, "issue_id": _small(issue_id), "panel": panel if request.htmx else "",
               "unsaved": unsaved_text(action, request.POST)}
        return render(request, "partials/gone_missing.html" if request.htmx else "staff/gone.html", ctx, status=404)
    actor = wf.Actor.of(request.user)
    try:
        # "Show the number" is never answered as a repeat: each copy goes through its checks and its audit.
        key = None if action == "reveal-phone" else request.POST.get("form_key")
        with formkeys.sent_once(request.user.pk, key, scope=f"{action}:{issue.pk}") as once:
            if once.repeat:
                return _repeat_answer(request, issue, action, panel)
            result = handler(request, issue, actor)
    except wf.WorkflowError as exc:
        if request.htmx and panel:
            return _row_answer(request, issue.pk, panel, None, exc, exc.status_code, action)
        issue = _issue_or_404(request.user, issue.pk)
        ctx = _issue_context(request, issue, error=exc, errors=exc.fields, typed=request.POST, failed=action)
        template = "partials/issue_panel.html" if request.htmx else "staff/issue.html"
        return render(request, template, ctx, status=exc.status_code)
    return _done_answer(request, issue, action, panel, result)
