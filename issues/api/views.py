"""REST API views (/api/v1/): thin — scope, serializer, workflow, answer.

- Reads start from ``accounts.scope.visible_issues(principal)``; outside it
  the answer is 404. A registered system (ApiClient) additionally reads the
  public fields of every issue (DESIGN.md: "reads the issues it filed in full
  and others' public fields").
- Every change is one ``issues.workflow`` function; its errors become HTTP
  answers in ``issues.api.errors`` (one shape). Checks answer in DESIGN.md's
  order — scope 404, role 403, state 409, input 400 — even when the body's
  types are wrong (see ``workflow.refusal_first``).
- Anonymous residents may file (``POST /issues/``) and follow
  (``POST /issues/{id}/follow/``), rate-limited by ``issues.limits`` (429).
- ``GET /measures/``: the dashboard's cards, computed by ``issues.measures``
  exactly as ``issues.views.dashboard`` computes them, for the same people.
"""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.scope import visible_issues
from issues import limits
from issues import measures as m
from issues import workflow as wf
from issues.choices import RESIDENT_NOTE_KINDS, Role
from issues.models import Category, District, Issue, Unit
from issues.validation import FieldError, normalize_phone
from issues.views.dashboard import _utilities_of as dashboard_utilities
from issues.views.dashboard import ledger_link

from . import examples as ex
from . import serializers as s
from .auth import IsPrincipal, is_client
from .errors import ErrorSerializer
from .filters import IssueFilter
from .pagination import KeysetPagination

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")


def parse_id(raw, what: str = "诉求") -> int:
    """A path id as an int; anything but 1..2^63-1 in ASCII digits is NotFound (404)."""
    text = str(raw)
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        raise wf.NotFound(f"{what}不存在")
    return int(text)


# --------------------------------------------------------------------------
# Which fields a caller sees (DESIGN.md, Privacy)
# --------------------------------------------------------------------------


def _client_unit_issue_ids(client, ids) -> set[int]:
    """Of ``ids``, those where the client's bound unit is lead or co-handler."""
    if not client.unit_id or not ids:
        return set()
    co = Issue.co_units.through.objects.filter(unit_id=client.unit_id).values("issue_id")
    return set(Issue.objects.filter(Q(lead_unit_id=client.unit_id) | Q(pk__in=co), pk__in=ids)
               .values_list("pk", flat=True))


def render_issues(principal, issues: list) -> list[dict]:
    """Serialize issues for ``principal``: full (own filing), staff (masked) or public.

    Staff users only ever get issues from their scope, so "staff"; an API
    client gets "full" for what it filed, "staff" for its unit's issues and
    "public" for the rest; an anonymous resident "public".
    """
    if is_client(principal):
        unit_ids = _client_unit_issue_ids(principal, [i.pk for i in issues if i.filed_by_client_id != principal.pk])
        out = []
        for issue in issues:
            if issue.filed_by_client_id == principal.pk:
                out.append(s.IssueFullSerializer(issue).data)
            elif issue.pk in unit_ids:
                out.append(s.IssueStaffSerializer(issue).data)
            else:
                out.append(s.IssuePublicSerializer(issue).data)
        return out
    if principal is not None and getattr(principal, "is_authenticated", False):
        return s.IssueStaffSerializer(issues, many=True).data
    return s.IssuePublicSerializer(issues, many=True).data


def render_issue(principal, issue) -> dict:
    """One issue, as ``render_issues`` would show it."""
    return render_issues(principal, [issue])[0]


ISSUE = PolymorphicProxySerializer(
    component_name="Issue",
    serializers={"public": s.IssuePublicSerializer, "staff": s.IssueStaffSerializer, "full": s.IssueFullSerializer},
    resource_type_field_name="view",
)
ISSUES = PolymorphicProxySerializer(
    component_name="Issue",
    serializers={"public": s.IssuePublicSerializer, "staff": s.IssueStaffSerializer, "full": s.IssueFullSerializer},
    resource_type_field_name="view",
    many=True,
)

_ERROR_TEXT = {
    400: "Invalid input: `error.fields` names each field (code invalid)",
    401: "No or bad credentials (code unauthenticated)",
    403: "The caller's role may not do this (code forbidden)",
    404: "No such issue, or outside the caller's scope (code not_found)",
    409: "The issue's state does not allow it, or another user won a race (code conflict)",
    422: "The Idempotency-Key was already used for a different filing; nothing was filed "
         "(code idempotency_key_reused)",
    429: "Rate limit reached; see Retry-After (code rate_limited)",
}


def errors(*codes: int) -> dict:
    """extend_schema ``responses`` entries for the given error statuses, each with an example of the error shape."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[code],
                                  examples=[ex.ERROR_EXAMPLES[code]]) for code in codes}


ACTION_ERRORS = (400, 401, 403, 404, 409)


# --------------------------------------------------------------------------
# Input precedence
# --------------------------------------------------------------------------


def _raw(data) -> dict:
    return dict(data.items()) if hasattr(data, "items") else {}


def _transition(request, pk, in_cls, call, render, *, ok=status.HTTP_200_OK):
    """Validate types, run the workflow ``call(issue_id, actor, data)``, answer ``render(result)``."""
    actor = wf.Actor.of(request.user)
    issue_id = parse_id(pk)
    ser = in_cls(data=request.data)
    if not ser.is_valid():
        raw = _raw(request.data)
        wf.refusal_first(lambda: call(issue_id, actor, raw))
        raise ValidationError(ser.errors)
    result = call(issue_id, actor, ser.validated_data)
    out = render(result)
    return out if isinstance(out, Response) else Response(out, status=ok)


# --------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------


@extend_schema(tags=["issues"])
class IssueViewSet(viewsets.GenericViewSet):
    """Issues: list, retrieve, file, and one POST action per workflow transition."""

    permission_classes = [IsPrincipal]
    filterset_class = IssueFilter
    pagination_class = KeysetPagination
    lookup_value_regex = "[^/]+"
    serializer_class = s.IssueStaffSerializer

    def get_permissions(self):
        if self.action in ("create", "follow"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        base = Issue.objects.select_related("category", "district", "lead_unit").prefetch_related("co_units")
        if getattr(self, "swagger_fake_view", False):
            return base.none()
        principal = self.request.user
        if is_client(principal):
            return base  # public fields of every issue; render_issues decides what is shown
        return visible_issues(principal, base)

    def _issue_out(self, issue):
        return render_issue(self.request.user, issue)

    # -- reads ---------------------------------------------------------------

    @extend_schema(summary="List issues in scope", responses={200: ISSUES, **errors(400, 401)},
                   examples=ex.ISSUE_LIST)
    def list(self, request):
        """Issues the caller may see, newest first (``-filed_at, -id``), keyset-paginated.

        Staff: their scope, personal fields with masked phones. API client: its
        own filings in full, its unit's issues as staff, others' public fields.
        Errors: 400 for a bad filter, cursor or page_size; 401 without credentials.
        """
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(render_issues(request.user, page))

    @extend_schema(summary="Read one issue", responses={200: ISSUE, **errors(401, 404)},
                   examples=ex.ISSUE_RETRIEVE)
    def retrieve(self, request, pk=None):
        """One issue by id, with the fields the caller may see. 404 outside scope, 401 without credentials."""
        issue = self.get_queryset().filter(pk=parse_id(pk)).first()
        if issue is None:
            raise wf.NotFound("诉求不存在")
        return Response(self._issue_out(issue))

    @extend_schema(
        summary="File an issue",
        request=s.IssueCreateIn,
        parameters=[OpenApiParameter(
            "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
            description="1–64 printable ASCII characters; a repeat with the same key returns the first issue (200), "
                        "the same key with a different body is refused (422)",
        )],
        responses={201: ISSUE, 200: OpenApiResponse(ISSUE, description="repeat of an Idempotency-Key"),
                   **errors(400, 401, 403, 422, 429)},  # 401: a bad token (no token files as a resident)
        examples=ex.ISSUE_CREATE,
    )
    def create(self, request):
        """File an issue as an anonymous resident, a dispatcher (hotline) or a registered system.

        Body: IssueCreateIn. Answers 201 with the new issue (anonymous callers
        see its public fields and tracking code; a client its own filing in
        full), or 200 with the first issue when the Idempotency-Key was
        already used by the same filer for the same filing. Errors: 400 per
        field, 403 for staff other than dispatchers, 422 (code
        idempotency_key_reused, field Idempotency-Key) when the key was used
        for a different filing, 429 over the anonymous filing limits.
        """
        try:
            return self._create(request)
        except wf.KeyReused as exc:  # the key is a header here: name it as the client sent it
            raise wf.KeyReused(exc.first, exc.differ, field="Idempotency-Key") from None

    def _create(self, request):
        principal = request.user
        anonymous = not is_client(principal) and not principal.is_authenticated
        key = request.headers.get("Idempotency-Key")
        now = timezone.now()
        actor = None  # who files: set below, before the first call of filing()

        def filing(values) -> dict:
            # issue_submit's keyword arguments for this request's body (validated or raw).
            return dict(
                actor=actor, category=values.get("category"), district=values.get("district"),
                community=values.get("community"), description=values.get("description"),
                reporter_phone=values.get("reporter_phone"), reporter_name=values.get("reporter_name", ""),
                building=values.get("building", ""), unit_no=values.get("unit_no", ""), room=values.get("room", ""),
                latitude=values.get("latitude"), longitude=values.get("longitude"),
                extra_answers=values.get("extra_answers") or {}, idempotency_key=key, now=now,
            )

        if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
            raise wf.Invalid("Idempotency-Key 无效", {"Idempotency-Key": ["应为 1–64 个可打印 ASCII 字符"]})
        ser = s.IssueCreateIn(data=request.data)
        valid = ser.is_valid()
        data = ser.validated_data if valid else _raw(request.data)
        phone = data.get("reporter_phone")
        reservation = limits.Reservation()
        if anonymous:
            try:
                phone = normalize_phone(phone)
                phone_ok = True
            except FieldError:
                phone_ok = False  # the workflow names the field
            actor = wf.Actor.resident(phone if isinstance(phone, str) else "")
            if key is not None:
                # Anonymous keys are scoped by phone: two residents never share one.
                key = hashlib.sha256(f"{phone}\x00{key}".encode()).hexdigest()[:48]
            # Every attempt counts against the IP. Only accepted filings count against a phone:
            # reserved here and given back below when the filing fails or repeats, so a
            # stranger's refused attempts cannot use up a resident's quota; a retry sent while
            # the first is in flight waits for it and gets its filing.
            hits = [("file_ip", limits.client_network(request))]
            reserve = [("file_phone", phone)] if phone_ok else []
            try:
                if key is not None and phone_ok:
                    once = f"file:{wf.scoped_idempotency_key(actor, key)}"
                    reservation, first = limits.admit_once(hits, reserve, once,
                                                           first=lambda: wf.repeat_of(actor, key, filing(data)))
                else:
                    reservation, first = limits.admit(hits=hits, reserve=reserve), None
            except limits.RateLimited as exc:
                # A retry of a filing that went through gets it, even over the phone's limit.
                first = wf.repeat_of(actor, key, filing(data)) if key is not None and exc.rule == "file_phone" else None
                if first is None:
                    raise
            if first is not None:
                return Response(render_issue(principal, first), status=200)
        else:
            actor = wf.Actor.of(principal)

        with reservation:  # given back when this raises
            if not valid:
                wf.refusal_first(lambda: wf.issue_submit(**filing(data)))
                raise ValidationError(ser.errors)
            issue = wf.issue_submit(**filing(data))
        created = not issue.repeat
        if not created:
            reservation.release()
        return Response(render_issue(principal, issue), status=status.HTTP_201_CREATED if created else 200)

    @extend_schema(summary="An issue's timeline", responses={200: s.EventSerializer(many=True), **errors(401, 404)})
    @action(detail=True, methods=["get"], url_path="events", pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        """The timeline, oldest first.

        Staff in scope (and a client bound to the issue's unit) see internal
        events too; a client reading its own filing sees the public ones,
        with a note only where it was written for residents
        (RESIDENT_NOTE_KINDS, as /track/ shows; otherwise ``note`` is "")
        and ``actor`` the unit or office, never a staff login name
        (IssueEvent.public_actor). 404 outside scope.
        """
        principal = request.user
        issue_id = parse_id(pk)
        issue = visible_issues(principal).filter(pk=issue_id).first()
        if issue is None:
            raise wf.NotFound("诉求不存在")
        events = list(issue.events.select_related("actor", "actor__unit").order_by("at", "id"))
        if is_client(principal) and issue_id not in _client_unit_issue_ids(principal, [issue_id]):
            events = [e for e in events if e.public]
            for e in events:  # not saved: the answer's copy only
                if e.kind not in RESIDENT_NOTE_KINDS:
                    e.note = ""
                e.actor_label = e.public_actor()  # the unit or office, as /track/ says: no staff login names
        return Response(s.EventSerializer(events, many=True).data)

    @extend_schema(summary="An issue's followers", responses={200: s.FollowerOut(many=True),
                                                              **errors(401, 403, 404)},
                   examples=ex.FOLLOWERS)
    @action(detail=True, methods=["get"], url_path="followers", pagination_class=None, filter_backends=[])
    def followers(self, request, pk=None):
        """The residents following the issue, oldest first, each phone masked (139****0001).

        Staff in scope and the API client that filed the issue. 404 outside
        the caller's scope; 403 for an API client that sees the issue (its
        unit's) but did not file it; 401 without credentials.
        """
        principal = request.user
        issue = visible_issues(principal).filter(pk=parse_id(pk)).first()
        if issue is None:
            raise wf.NotFound("诉求不存在")
        if is_client(principal) and issue.filed_by_client_id != principal.pk:
            raise wf.Forbidden("只有提交该诉求的接口客户端可以查看关注人")
        qs = issue.followers.order_by("created_at", "id")
        return Response(s.FollowerOut(qs, many=True).data)

    # -- Collected -----------------------------------------------------------

    @extend_schema(summary="Assign (交办): new → assigned", request=s.AssignIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)}, examples=ex.ASSIGN)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Dispatcher assigns a lead unit and optional co-handling units. Body: AssignIn."""
        return _transition(request, pk, s.AssignIn, lambda i, a, d: wf.issue_assign(
            issue=i, actor=a, lead_unit=d.get("lead_unit"), co_units=d.get("co_units") or (),
            note=d.get("note", "")), self._issue_out)

    @extend_schema(summary="Reject as out of scope: new → rejected", request=s.RejectIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Dispatcher rejects with a reason shown to the resident. Body: RejectIn."""
        return _transition(request, pk, s.RejectIn, lambda i, a, d: wf.issue_reject(
            issue=i, actor=a, reason=d.get("reason")), self._issue_out)

    @extend_schema(summary="Merge a duplicate: new → merged", request=s.MergeIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Dispatcher merges into an open original (its reporter then follows it). Body: MergeIn."""
        return _transition(request, pk, s.MergeIn, lambda i, a, d: wf.issue_merge(
            issue=i, actor=a, original=d.get("original"), note=d.get("note", "")), self._issue_out)

    @extend_schema(summary='Follow ("me too")', request=s.FollowIn, auth=[],
                   responses={201: s.FollowOut, 200: s.FollowOut, **errors(400, 401, 404, 409, 429)})
    @action(detail=True, methods=["post"])
    def follow(self, request, pk=None):
        """A resident (no account needed) follows an open issue with their phone.

        201 when now following, 200 when already was. 409 when the issue is
        closed. The reporter's own phone is answered 201 as a new follower's
        would be, and nothing of it is kept (``issue_follow(as_stranger=True)``,
        as on the "me too" page), so the answer never tells which phone filed.
        A staff member follows for a caller only an issue in their scope (404
        otherwise); an API client, any issue (it reads every issue's public
        fields). Limits: a follow counts against its phone (the filing
        limits, 429 over them) for every caller but a dispatcher, who takes
        calls for residents; anonymous attempts also count against their IP,
        and the attempts on one issue of a signed-in caller who can read its
        timeline (unit staff, supervisors, a unit's system; not a dispatcher
        or a hotline system without a unit, who follow for many callers of
        one outage) against that pair (``follow_caller``, 20 an hour),
        whoever they name.
        """
        principal = request.user
        anonymous = not is_client(principal) and not principal.is_authenticated
        if not anonymous and not is_client(principal):
            if not visible_issues(principal).filter(pk=parse_id(pk)).exists():
                raise wf.NotFound("诉求不存在")
        takes_calls = (is_client(principal) and principal.unit_id is None) or \
            getattr(principal, "role", None) == Role.DISPATCHER  # a hotline: many callers follow one outage
        if not anonymous and not takes_calls:  # every attempt counts: see the follow_caller rule in settings
            caller = f"{'c' if is_client(principal) else 'u'}{principal.pk}"
            limits.hit("follow_caller", f"{caller}:{parse_id(pk)}")
        reservation = limits.Reservation()
        if anonymous or getattr(principal, "role", None) != Role.DISPATCHER:
            try:
                phones = [normalize_phone(request.data.get("phone") if hasattr(request.data, "get") else None)]
            except FieldError:
                phones = []
            # Anonymous attempts count against the IP; a follow counts against the phone only when
            # accepted (given back on failure or a repeat).
            hits = [("file_ip", limits.client_network(request))] if anonymous else []
            reservation = limits.admit(hits=hits, reserve=[("file_phone", p) for p in phones])

        def call(i, a, d):
            return wf.issue_follow(issue=i, phone=d.get("phone"), name=d.get("name", ""), as_stranger=True)

        def render(follower):
            if follower.repeat:
                reservation.release()  # already following: counted the first time
            data = {"issue": follower.issue_id, "tracking_code": follower.issue.tracking_code, "following": True}
            return Response(data, status=status.HTTP_200_OK if follower.repeat else status.HTTP_201_CREATED)

        with reservation:  # given back when this raises
            return _transition(request, pk, s.FollowIn, call, render)

    # -- Assigned ------------------------------------------------------------

    @extend_schema(summary="Claim (认领): assigned → in_progress", request=s.EmptyIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)}, examples=ex.CLAIM)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """The lead unit's staff claims the issue. No body. 409 to the loser of a race."""
        return _transition(request, pk, s.EmptyIn, lambda i, a, d: wf.issue_claim(issue=i, actor=a),
                           self._issue_out)

    @extend_schema(summary="Return to dispatch (退单): assigned/in_progress → new", request=s.ReturnIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """The lead unit returns the issue as not theirs, with a reason. Body: ReturnIn."""
        return _transition(request, pk, s.ReturnIn, lambda i, a, d: wf.issue_return(
            issue=i, actor=a, reason=d.get("reason")), self._issue_out)

    @extend_schema(summary="Add a progress note", request=s.NoteIn,
                   responses={201: s.EventSerializer, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """The lead or a co-handling unit adds a note (no status change). Answers the new event."""
        return _transition(request, pk, s.NoteIn, lambda i, a, d: wf.issue_add_note(
            issue=i, actor=a, note=d.get("note"), public=d.get("public") is True),
            lambda e: s.EventSerializer(e).data, ok=status.HTTP_201_CREATED)

    @extend_schema(summary="Request an extension", request=s.ExtensionIn,
                   responses={201: s.ExtensionRequestOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path="extension-requests")
    def extension_requests(self, request, pk=None):
        """The lead unit's staff asks to move the resolution deadline. 409 while one is pending.

        API clients may not (the request records a staff user): 403.
        """
        def call(i, a, d):
            return wf.issue_request_extension(issue=i, actor=a, reason=d.get("reason"),
                                              requested_due=d.get("requested_due"))
        return _transition(request, pk, s.ExtensionIn, call, lambda r: s.ExtensionRequestOut(r).data,
                           ok=status.HTTP_201_CREATED)

    @extend_schema(summary="Decide an extension request", request=s.DecideIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path=r"extension-requests/(?P<rid>[^/]+)/decide")
    def decide_extension(self, request, pk=None, rid=None):
        """Supervisor approves (new resolution deadline) or refuses (note required). Body: DecideIn."""
        request_id = parse_id(rid, "延期申请")
        return _transition(request, pk, s.DecideIn, lambda i, a, d: wf.issue_decide_extension(
            issue=i, actor=a, request=request_id, approve=d.get("approve") is True, note=d.get("note", "")),
            self._issue_out)

    @extend_schema(summary="File a rectification plan (限期销号)", request=s.PlanIn,
                   responses={201: s.PlanOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def plans(self, request, pk=None):
        """The lead unit's staff files a plan for an in-progress issue. API clients: 403."""
        def call(i, a, d):
            return wf.issue_file_plan(issue=i, actor=a, steps=d.get("steps"), target_due=d.get("target_due"))
        return _transition(request, pk, s.PlanIn, call, lambda p: s.PlanOut(p).data, ok=status.HTTP_201_CREATED)

    @extend_schema(summary="Decide a rectification plan", request=s.DecideIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path=r"plans/(?P<pid>[^/]+)/decide")
    def decide_plan(self, request, pk=None, pid=None):
        """Supervisor approves (→ planned, deadline = the plan's date) or refuses. Body: DecideIn."""
        plan_id = parse_id(pid, "整改计划")
        return _transition(request, pk, s.DecideIn, lambda i, a, d: wf.issue_decide_plan(
            issue=i, actor=a, plan=plan_id, approve=d.get("approve") is True, note=d.get("note", "")),
            self._issue_out)

    @extend_schema(summary="Report progress on the approved plan", request=s.ProgressIn,
                   responses={201: s.ProgressOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path="plans/progress")
    def plan_progress(self, request, pk=None):
        """The lead unit's staff reports progress (0–100 %) on a planned issue. API clients: 403."""
        def call(i, a, d):
            return wf.issue_report_plan_progress(issue=i, actor=a, note=d.get("note"), percent=d.get("percent"))
        return _transition(request, pk, s.ProgressIn, call, lambda p: s.ProgressOut(p).data,
                           ok=status.HTTP_201_CREATED)

    # -- Supervised ----------------------------------------------------------

    @extend_schema(summary="Report fixed (办结)", request=s.ResolveIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The lead unit reports the fix: → resolved (needs verification) or awaiting_rating."""
        return _transition(request, pk, s.ResolveIn, lambda i, a, d: wf.issue_resolve(
            issue=i, actor=a, result=d.get("result")), self._issue_out)

    @extend_schema(summary="Verify a fix", request=s.VerifyIn, responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Supervisor: resolved → awaiting_rating, or sends it back → in_progress (note required)."""
        return _transition(request, pk, s.VerifyIn, lambda i, a, d: wf.issue_verify(
            issue=i, actor=a, approve=d.get("approve") is True, note=d.get("note", "")), self._issue_out)

    @extend_schema(summary="Supervision order (督办)", request=s.SuperviseIn,
                   responses={201: s.SupervisionOrderOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        """Supervisor or mayor's office issues a yellow/red order on an open issue."""
        return _transition(request, pk, s.SuperviseIn, lambda i, a, d: wf.issue_supervise(
            issue=i, actor=a, level=d.get("level"), instruction=d.get("instruction"), due_at=d.get("due_at")),
            lambda o: s.SupervisionOrderOut(o).data, ok=status.HTTP_201_CREATED)

    # -- Revisit-rated -------------------------------------------------------

    @extend_schema(summary="Record the reporter's rating (回访)", request=s.RateIn,
                   responses={201: s.RatingOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """A revisit agent records the reporter's answers on an awaiting_rating issue. 409 if already rated."""
        return _transition(request, pk, s.RateIn, lambda i, a, d: wf.issue_rate(
            issue=i, actor=a, resolved=d.get("resolved"), satisfaction=d.get("satisfaction"),
            comment=d.get("comment", "")), lambda r: s.RatingOut(r).data, ok=status.HTTP_201_CREATED)

    @extend_schema(summary="Decide at the rework limit", request=s.DecideAtLimitIn,
                   responses={200: ISSUE, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path="decide-at-limit")
    def decide_at_limit(self, request, pk=None):
        """Supervisor closes with a note, or orders one more rework, an issue marked for decision."""
        return _transition(request, pk, s.DecideAtLimitIn, lambda i, a, d: wf.issue_decide_at_limit(
            issue=i, actor=a, close=d.get("close") is True, note=d.get("note")), self._issue_out)

    @extend_schema(summary="Appeal a dissatisfied rating", request=s.AppealIn,
                   responses={201: s.AppealOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"])
    def appeals(self, request, pk=None):
        """The lead unit's staff appeals a dissatisfied reporter rating as unreasonable. API clients: 403."""
        def call(i, a, d):
            return wf.issue_appeal(issue=i, actor=a, rating=d.get("rating"), reason=d.get("reason"))
        return _transition(request, pk, s.AppealIn, call, lambda x: s.AppealOut(x).data,
                           ok=status.HTTP_201_CREATED)

    @extend_schema(summary="Decide an appeal", request=s.DecideAppealIn,
                   responses={200: s.AppealOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path=r"appeals/(?P<aid>[^/]+)/decide")
    def decide_appeal(self, request, pk=None, aid=None):
        """Supervisor upholds the rating or excludes it from every measure. Body: DecideAppealIn."""
        appeal_id = parse_id(aid, "申诉")
        return _transition(request, pk, s.DecideAppealIn, lambda i, a, d: wf.issue_decide_appeal(
            issue=i, actor=a, appeal=appeal_id, exclude=d.get("exclude") is True, note=d.get("note", "")),
            lambda x: s.AppealOut(x).data)

    # -- Audit ---------------------------------------------------------------

    @extend_schema(summary='Show the reporter\'s number ("show number", audited)', request=s.RevealPhoneIn,
                   responses={200: s.RevealPhoneOut, **errors(*ACTION_ERRORS)})
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        """The lead unit's staff or a revisit agent gets the full phone; the reason is audited."""
        return _transition(request, pk, s.RevealPhoneIn, lambda i, a, d: wf.issue_reveal_phone(
            issue=i, actor=a, reason=d.get("reason")), lambda phone: {"reporter_phone": phone})


# --------------------------------------------------------------------------
# Reference data (read-only)
# --------------------------------------------------------------------------


class _ReadOnly(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A small read-only list plus retrieve by id (404 for any bad id)."""

    pagination_class = None
    filter_backends = []
    lookup_value_regex = "[^/]+"

    def retrieve(self, request, pk=None):
        obj = self.get_queryset().filter(pk=parse_id(pk, "对象")).first()
        if obj is None:
            raise wf.NotFound("不存在")
        return Response(self.get_serializer(obj).data)


@extend_schema_view(
    list=extend_schema(summary="Active categories (Open311 services)", responses={200: s.CategorySerializer(many=True)}),
    retrieve=extend_schema(summary="One category", responses={200: s.CategorySerializer, **errors(404)}),
)
@extend_schema(tags=["reference"])
class CategoryViewSet(_ReadOnly):
    """Active categories with their extra questions; public (the filing form needs them)."""

    permission_classes = [AllowAny]
    serializer_class = s.CategorySerializer
    queryset = Category.objects.filter(active=True).order_by("utility", "id")


@extend_schema_view(
    list=extend_schema(summary="Districts (县区)", responses={200: s.DistrictSerializer(many=True)}),
    retrieve=extend_schema(summary="One district", responses={200: s.DistrictSerializer, **errors(404)}),
)
@extend_schema(tags=["reference"])
class DistrictViewSet(_ReadOnly):
    """The districts of Zhangye; public."""

    permission_classes = [AllowAny]
    serializer_class = s.DistrictSerializer
    queryset = District.objects.order_by("id")


@extend_schema_view(
    list=extend_schema(summary="Responsible units", responses={200: s.UnitSerializer(many=True), **errors(401)}),
    retrieve=extend_schema(summary="One unit", responses={200: s.UnitSerializer, **errors(401, 404)}),
)
@extend_schema(tags=["reference"])
class UnitViewSet(_ReadOnly):
    """Active responsible units (for assignment); staff and registered systems only (401 otherwise)."""

    permission_classes = [IsPrincipal]
    serializer_class = s.UnitSerializer
    queryset = Unit.objects.filter(active=True).prefetch_related("districts").order_by("id")


# --------------------------------------------------------------------------
# Measures (the dashboard's cards)
# --------------------------------------------------------------------------


def measures_scope(principal):
    """The utilities whose measures ``principal`` may read (None = all), as the dashboard decides.

    The mayor's office and admins: all; supervisors: their utilities; other
    staff and API clients: Forbidden (403).
    """
    if is_client(principal):
        raise wf.Forbidden("接口客户端不能读取统计指标")
    try:
        return dashboard_utilities(principal)
    except PermissionDenied:
        raise wf.Forbidden("统计指标仅供市长办公室和督查人员使用") from None


def measure_cards(summary: m.Summary) -> list[dict]:
    """The summary's cards as API rows: the value and the counts it rests on, with their ledger links.

    Reads ``summary.cards`` (computed by ``issues.measures``) in the order of
    ``issues.measures.CARDS``; no arithmetic of its own.
    """
    period = summary.period
    out = []
    for (name, *_rest), card in zip(m.CARDS, summary.cards):
        out.append({
            "key": name, "label": card.label, "definition": card.definition,
            "kind": "rate" if card.is_rate else "count", "now": card.now, "value": card.value,
            "count": None if card.is_rate else card.value,
            "numerator": card.numerator if card.is_rate else None,
            "denominator": card.basis if card.is_rate else None,
            "measure": card.key, "basis_measure": card.basis_key,
            "ledger_url": ledger_link(card.key, period),
            "basis_ledger_url": ledger_link(card.basis_key, period) if card.basis_key else None,
        })
    return out


@extend_schema(tags=["measures"])
class MeasuresViewSet(viewsets.GenericViewSet):
    """The dashboard's measures for a period, in the caller's scope.

    Routed as ``GET /api/v1/measures/`` → ``read`` (one document, not a list).
    """

    permission_classes = [IsPrincipal]
    pagination_class = None
    filter_backends = []
    serializer_class = s.MeasuresOut

    @extend_schema(summary="Measures (the dashboard's cards)", parameters=[s.MeasuresQuery],
                   responses={200: s.MeasuresOut, **errors(400, 401, 403)}, examples=ex.MEASURES)
    def read(self, request):
        """The dashboard's cards for ``period`` (today|week|month|custom with start/end), as /dashboard/ shows them.

        Computed by ``issues.measures.summarize`` for the caller's utilities:
        the mayor's office and admins every utility, supervisors the ones they
        regulate. Each card: a count, or a rate (a fraction 0–1, null when
        nothing to rate) with its numerator and denominator, and the ledger
        links to exactly those issues. Errors: 401 without credentials, 403
        for other staff and API clients, 400 for a bad period or date.
        """
        utilities = measures_scope(request.user)
        now = timezone.now()
        query = s.MeasuresQuery(data=request.query_params, context={"now": now})
        query.is_valid(raise_exception=True)
        period = query.validated_data["period_obj"]
        summary = m.summarize(period, utilities=utilities, now=now, with_trend=False)
        return Response(s.MeasuresOut({
            "period": {"kind": period.kind, "start": period.start_day, "end": period.end_day},
            "utilities": utilities, "cards": measure_cards(summary),
        }).data)
