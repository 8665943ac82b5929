"""Open311 GeoReport v2 at /open311/v2/ (https://wiki.open311.org/GeoReport_v2).

Endpoints, each as ``.json`` or ``.xml``:

- ``GET discovery``, ``GET services`` (the active categories; ``metadata``
  true where a category has extra questions), ``GET services/{service_code}``
  (its attributes);
- ``GET requests`` filtered by ``service_request_id`` (comma list of
  tracking codes; the other filters are then ignored), ``service_code``,
  ``start_date``, ``end_date`` (ISO 8601; without either, the last 90 days),
  ``status`` (open, closed or both); newest first, at most 1000;
- ``POST requests``: file an issue; ``api_key`` (an ApiClient token) required
  (403 otherwise); a location is required: ``lat`` + ``long``, or
  ``address_string`` (its house part — building, unit, room — goes to the
  private fields, the rest becomes the public 小区: ``split_address``)
  (400 otherwise; 400 too for an ``address_string`` holding a phone number,
  ``validation.holds_phone``: a name usually comes with it); the
  district comes from ``district`` or ``attribute[district]`` (a district
  code), else ``settings.ZY_OPEN311_DEFAULT_DISTRICT``;
- ``GET requests/{service_request_id}``, ``GET tokens/{token}`` (filing is
  synchronous, so a token is the service_request_id itself).

``service_request_id`` is the tracking code (ZY…). ``jurisdiction_id`` is
accepted everywhere and, when ``settings.ZY_OPEN311_JURISDICTION`` is set,
must equal it (400). Statuses follow ``issues.choices.OPEN311_STATUS``.
Datetimes are ISO 8601 with the +08:00 offset.

Privacy (DESIGN.md): without a valid api_key — and for issues the key's
client did not file — a request shows only public fields: category,
district + 小区 as the address, status and dates; description, status_notes,
agency_responsible and lat/long are empty. The filing client sees its
issues in full.

Errors follow the specification: a list of ``{"code", "description"}``
(``<errors><error>`` in XML) with HTTP 400, 403 or 404.
"""

from __future__ import annotations

import codecs

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime
from datetime import timezone as dt_timezone, timedelta

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from issues import workflow as wf
from issues.choices import OPEN311_STATUS, RESIDENT_NOTE_KINDS, TERMINAL_STATUSES, Channel
from issues.forms import LIMITS
from issues.models import ApiClient, Category, District, Issue, IssueEvent
from issues.similar import NO_ADDRESS, NO_COMMUNITY
from issues.validation import (
    column_length,
    holds_phone,
    house_start,
    input_length,
    is_blank,
    public_community,
    user_length,
    user_prefix,
    without_format_characters,
)

MAX_RESULTS = 1000
DEFAULT_DAYS = 90

_DATATYPE = {"text": "string", "number": "number", "choice": "singlevaluelist", "boolean": "singlevaluelist"}
# Characters XML 1.0 cannot carry, even escaped.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CJK = re.compile("[\u3400-\u9fff]")
# The child tag of each list in XML answers.
_ITEM_TAG = {
    "services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
    "errors": "error", "endpoints": "endpoint", "formats": "format",
}


class Open311Error(Exception):
    """An answer in the specification's error format: HTTP ``status``, list of (code, description)."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = descriptions or ("error",)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_BAD.sub("", str(value))


def _to_xml(parent: ET.Element, tag: str, value) -> None:
    el = ET.SubElement(parent, tag)
    _fill(el, tag, value)


def _fill(el: ET.Element, tag: str, value) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _to_xml(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _to_xml(el, _ITEM_TAG.get(tag, "item"), item)
    else:
        el.text = _xml_text(value)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """Answer ``data`` as JSON (as is) or XML (``<root>`` with one child per list item)."""
    if fmt == "xml":
        el = ET.Element(root)
        _fill(el, root, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(el, encoding="utf-8", xml_declaration=False)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def render_error(fmt: str, exc: Open311Error) -> HttpResponse:
    """The specification's error list with the HTTP status."""
    items = [{"code": exc.status, "description": d} for d in exc.descriptions]
    return render(fmt, "errors", items, status=exc.status)


def _answers_errors(*methods: str):
    """Decorator: the view answers ``methods`` (GET also answers HEAD), in the specification's error format.

    Another method gets 405 with an Allow header and the error list (not
    Django's empty 405). The view is CSRF-exempt (api_key, not cookies).
    Open311Error and workflow errors raised by the view become the error
    list with their HTTP status (Invalid → 400 with one "field: message"
    per message).
    """
    allowed = tuple(dict.fromkeys(m for m in methods for m in ((m, "HEAD") if m == "GET" else (m,))))

    def decorate(view):
        def wrapped(request, *args, fmt="json", **kwargs):
            if request.method not in allowed:
                response = render_error(fmt, Open311Error(
                    405, f"method {request.method} not allowed here; use {', '.join(allowed)}"))
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                _refuse_nul(request, kwargs)
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return render_error(fmt, exc)
            except wf.Invalid as exc:
                messages = [f"{_open311_name(field)}: {m}" for field, msgs in exc.fields.items() for m in msgs] \
                    or [exc.message]
                return render_error(fmt, Open311Error(400, *messages))
            except wf.WorkflowError as exc:
                code = exc.status_code if exc.status_code in (400, 403, 404) else 400
                return render_error(fmt, Open311Error(code, exc.message))

        wrapped.__doc__ = view.__doc__
        wrapped.__name__ = view.__name__
        # Open311 authenticates by api_key, never by cookie: no CSRF check, so a wrong method gets its 405
        # (not a CSRF 403) on every endpoint.
        return csrf_exempt(wrapped)

    return decorate


# The workflow's field names as a GeoReport v2 client sent them (its errors named "latitude" for "lat").
_OPEN311_NAMES = {"latitude": "lat", "longitude": "long", "reporter_phone": "phone", "community": "address_string",
                  # the name is first_name and last_name together (one joined name, one limit)
                  "reporter_name": "first_name/last_name", "category": "service_code", "district": "district"}


def _open311_name(field: str) -> str:
    """A workflow field (``latitude``, ``extra_answers.temp``…) as the Open311 parameter that carried it."""
    if field.startswith("extra_answers."):
        return f"attribute[{field.split('.', 1)[1]}]"
    return _OPEN311_NAMES.get(field, field)


def _param(request, name: str) -> str:
    """A GET or POST parameter as text ("" when absent)."""
    value = None
    if request.method == "POST":
        try:
            value = request.POST.get(name)
        except Exception:  # noqa: BLE001 - an unparsable body; _refuse_nul answers 400 for it
            value = None
    if value is None:
        value = request.GET.get(name, "")
    return value


def _refuse_nul(request, kwargs) -> None:
    """NUL characters cannot be stored or searched (PostgreSQL refuses them), and undecodable bytes
    would be stored as U+FFFD: 400 at the door for either."""
    values = list(kwargs.values()) + [v for vs in request.GET.lists() for v in [vs[0], *vs[1]]]
    if request.method == "POST":
        _require_form_body(request)
        try:
            values += [v for vs in request.POST.lists() for v in [vs[0], *vs[1]]]
        except Exception:  # noqa: BLE001 - a body Django cannot parse (a multipart without its boundary…)
            # Said here, at the first read: Django keeps an empty POST after a failed parse, so a later
            # read would find no api_key and answer 403 (breaker round 2).
            raise Open311Error(400, "the body must be application/x-www-form-urlencoded") from None
    if any("\x00" in str(v) for v in values):
        raise Open311Error(400, "parameters must not contain NUL characters")
    # Bytes that are not UTF-8 reach the view as U+FFFD: refused, not stored as "漏水���" (a U+FFFD sent as
    # such, text damaged before it was sent, is refused alike).
    if any("\ufffd" in str(v) for v in values):
        raise Open311Error(400, "parameters must be UTF-8 text without U+FFFD (an undecodable byte, "
                                "or text damaged before it was sent)")


def _require_form_body(request) -> None:
    """A POST's body must be a form Django can read (GeoReport v2 posts application/x-www-form-urlencoded;
    multipart is read too): 400 for another content type (JSON, say) or an unknown charset, which Django
    would read as no parameters at all, so the client was told 403 "api_key missing" (breaker round 3)."""
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data") and (
            content_type or request.body):  # no content type is fine for an empty body
        raise Open311Error(400, "the body must be application/x-www-form-urlencoded")
    charset = (request.content_params or {}).get("charset")  # Django ignores one it does not know
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise Open311Error(400, f"unknown charset {charset[:40]}") from None


def _check_jurisdiction(request) -> None:
    expected = getattr(settings, "ZY_OPEN311_JURISDICTION", "")
    given = _param(request, "jurisdiction_id")
    if expected and given and given != expected:
        raise Open311Error(400, f"jurisdiction_id must be {expected}")


def _client(request) -> ApiClient | None:
    key = _param(request, "api_key")
    if not key or len(key) > 64 or "\x00" in key:
        return None
    client = ApiClient.by_token(key)
    return client if client is not None and client.active else None


def _iso(dt) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _parse_date(name: str, raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 datetime") from None
    if not 1900 <= value.year <= 2200:
        raise Open311Error(400, f"{name} is out of range")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt_timezone.utc)  # PostgreSQL refuses offsets beyond ±15:59


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


def _service(cat: Category) -> dict:
    return {
        "service_code": cat.service_code,
        "service_name": cat.name,
        "description": cat.description,
        "metadata": bool(cat.extra_questions),
        "type": "realtime",
        "keywords": cat.utility,
        "group": str(cat.get_utility_display()),
    }


@_answers_errors("GET")
def discovery(request, fmt):
    """GET discovery.(json|xml): where this endpoint lives and what it speaks."""
    url = request.build_absolute_uri("/open311/v2/")
    return render(fmt, "discovery", {
        "changeset": "2026-11-29T00:00:00+08:00",
        "contact": "张掖市 12345 热线",
        "key_service": "api_key: ask the city's system operator for an API client",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": url,
                       "changeset": "2026-11-29T00:00:00+08:00", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    })


@_answers_errors("GET")
def services(request, fmt):
    """GET services.(json|xml): every active category as an Open311 service."""
    cats = Category.objects.filter(active=True).order_by("utility", "id")
    return render(fmt, "services", [_service(c) for c in cats])


@_answers_errors("GET")
def service_definition(request, code, fmt):
    """GET services/{service_code}.(json|xml): the category's extra questions as attributes; 404 if unknown."""
    cat = Category.objects.filter(active=True, service_code=code).first()
    if cat is None:
        raise Open311Error(404, f"service_code {code} not found")
    attributes = []
    for order, q in enumerate(cat.extra_questions or [], start=1):
        kind = q.get("type", "text")
        if kind == "boolean":
            values = [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
        else:
            values = [{"key": c, "name": c} for c in q.get("choices") or []]
        attributes.append({
            "variable": True, "code": q.get("code", ""), "datatype": _DATATYPE.get(kind, "string"),
            "required": bool(q.get("required")), "datatype_description": "", "order": order,
            "description": q.get("label", q.get("code", "")), "values": values,
        })
    return render(fmt, "service_definition", {"service_code": cat.service_code, "attributes": attributes})


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------


def _latest_public_note(issue: Issue) -> str:
    # Only a note written for residents (RESIDENT_NOTE_KINDS): the same as /track/ shows.
    event = (IssueEvent.objects.filter(issue=issue, public=True, kind__in=RESIDENT_NOTE_KINDS).exclude(note="")
             .order_by("-at", "-id").only("note").first())
    return event.note if event else ""


def request_object(issue: Issue, *, full: bool) -> dict:
    """One issue as the specification's request object; ``full`` for the filing client only.

    ``issue`` must carry ``updated`` (the latest event's time) as an annotation.
    """
    updated = getattr(issue, "updated", None) or issue.filed_at
    district = issue.district.name
    if full:
        notes = issue.public_reason or _latest_public_note(issue) or str(issue.get_status_display())
    else:
        notes = ""
    return {
        "service_request_id": issue.tracking_code,
        "status": OPEN311_STATUS[issue.status],
        "status_notes": notes,
        "service_name": issue.category.name,
        "service_code": issue.category.service_code,
        "description": issue.description if full else "",
        "agency_responsible": (issue.lead_unit.name if issue.lead_unit else "") if full else "",
        "service_notice": issue.category.safety_instructions,
        "requested_datetime": _iso(issue.filed_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(issue.resolution_due),
        # Others see the 小区 without a house number a web filer may have typed into it (breaker).
        "address": _address(district, issue.address if full else (public_community(issue.community) or NO_COMMUNITY)),
        "address_id": "",
        "zipcode": "",
        "lat": float(issue.latitude) if full and issue.latitude is not None else None,
        "long": float(issue.longitude) if full and issue.longitude is not None else None,
        "media_url": "",
    }


def _address(district: str, place: str) -> str:
    # District, then the place — unless the filer already wrote the district at its start
    # ("甘州区 南关小区" is not made "甘州区 甘州区 南关小区").
    return place if place.startswith(district) else f"{district} {place}"


def _requests_qs():
    return Issue.objects.select_related("category", "district", "lead_unit").annotate(updated=Max("events__at"))


def _objects(issues, client) -> list[dict]:
    return [request_object(i, full=client is not None and i.filed_by_client_id == client.pk) for i in issues]


# The usual spelling of the house part: 3号楼2单元501室, 12栋 3单元 1502 (building, unit, room numbers).
_HOUSE = re.compile(r"(\d{1,6})\s*(?:号楼|號樓|栋|棟|幢)\s*(?:(\d{1,6})\s*(?:单元|單元)\s*)?(\d{1,8})?\s*(?:室|户|戶|号房)?")


def _address_parts(address: str) -> dict[str, str]:
    # split_address for an address_string a 小区 and its house could hold; a longer one goes whole to the
    # workflow, which refuses it as too long without reading it all (bounded work for any input).
    return split_address(address) if len(address) <= input_length(100) else {"community": address, "unsplit": ""}


def split_address(text: str) -> dict[str, str]:
    """An Open311 ``address_string`` (str) → ``{"community", "building", "unit_no", "room"}`` (str each).

    The 小区 (community) is public — the duplicate suggestion and every
    reader of a request see it — so nothing that may be a house number
    goes there (DESIGN.md: public views show no house numbers): the 小区
    is the text before its house part (validation.house_start: a digit,
    "#", a lettered or numbered building, unit, room or floor); the rest is
    private. In the usual spelling it is split into building, unit and room
    numbers ("南关路88号金色家园3号楼2单元501室" → 小区 "南关路", and
    "88号金色家园3号楼2单元501室" private: 户 is the whole rest, as it does
    not start with a building); "金色家园3号楼2单元501室" → 小区
    "金色家园", 楼栋 "3", 单元 "2", 户 "501". Any other rest is kept whole
    as the 户 when it fits (20 characters). A longer one ("118号 金色家园小区
    12号楼 3单元 1502室") fills the fields as far as it can (the usual
    spelling at its end, else its first 20 characters as the 户) and the
    whole address comes back as ``unsplit`` (else ""), for the caller to
    keep with the description: nothing of it is lost. What the public 小区
    leaves out goes to the private part whole ("负1层", not "1层"). An
    address with no house part is the 小区 whole; one that starts with it
    (in Chinese or English: "3号楼…", "Building 3, Unit 2") gets
    NO_COMMUNITY as its 小区.
    """
    text = without_format_characters(unicodedata.normalize("NFKC", text)).strip()
    start = house_start(text)
    if start is None:
        return {"community": text, "building": "", "unit_no": "", "room": "", "unsplit": ""}
    # "" when the address starts at its house part, "Building 3, Unit 2" too (its first word was made the
    # public 小区, "Building", shared by every such request: breaker round 2).
    community = public_community(text)
    # All the 小区 leaves out, but the punctuation between them: "负1层车库", not "1层车库" (breaker round 4).
    rest = text[len(community):] if text.startswith(community) else text[start:]
    rest = rest.lstrip(" .,:;、，。：；").strip()
    house = _HOUSE.fullmatch(rest)
    unsplit = ""
    if house:
        building, unit, room = house.groups()
        parts = {"building": building, "unit_no": unit or "", "room": room or ""}
    elif user_length(rest) <= LIMITS["room"]:
        parts = {"building": "", "unit_no": "", "room": rest}
    else:
        # Too long for the 户: it was cut to 20 characters without a word, the room number lost ("Building 3,
        # Unit 2, Room 501"), and refusing it refused the usual "路名118号 小区 12号楼 3单元 1502室" (breakers
        # rounds 3 and 4). The fields hold what they can; the whole address goes with the description.
        unsplit = text
        tail = _HOUSE.search(rest)
        if tail and tail.group().strip() and rest.endswith(tail.group()):
            building, unit, room = tail.groups()
            parts = {"building": building, "unit_no": unit or "", "room": room or ""}
        else:
            parts = {"building": "", "unit_no": "", "room": user_prefix(rest, LIMITS["room"],
                                                                        column_length(LIMITS["room"]))}
    return {"community": community or NO_COMMUNITY, **parts, "unsplit": unsplit}


@_answers_errors("GET", "POST")
def requests(request, fmt):
    """GET requests.(json|xml): search; POST requests.(json|xml): file (api_key required).

    GET answers a list of request objects. POST answers
    ``[{"service_request_id", "service_notice", "account_id"}]`` with 201;
    errors 400 (unknown service_code, no location, bad fields, bad
    jurisdiction_id), 403 (missing or invalid api_key).
    """
    if request.method == "POST":
        return _create(request, fmt)
    client = _client(request)
    qs = _requests_qs()
    ids = [x.strip() for x in request.GET.get("service_request_id", "").split(",") if x.strip()]
    if ids:
        qs = qs.filter(tracking_code__in=ids[:MAX_RESULTS])
    else:
        code = request.GET.get("service_code", "").strip()
        if code:
            qs = qs.filter(category__service_code=code)
        start = _parse_date("start_date", request.GET.get("start_date", ""))
        end = _parse_date("end_date", request.GET.get("end_date", ""))
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(filed_at__gte=start)
        if end is not None:
            qs = qs.filter(filed_at__lte=end)
        wanted = {x.strip() for x in request.GET.get("status", "").split(",") if x.strip()}
        if wanted - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma separated)")
        if wanted == {"open"}:
            qs = qs.exclude(status__in=TERMINAL_STATUSES)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=TERMINAL_STATUSES)
    issues = list(qs.order_by("-filed_at", "-id")[:MAX_RESULTS])
    return render(fmt, "service_requests", _objects(issues, client))


def _create(request, fmt):
    post = request.POST  # readable: an unreadable body was refused at the door (_refuse_nul)
    client = _client(request)
    if client is None:
        raise Open311Error(403, "api_key missing or invalid")
    code = post.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    cat = Category.objects.filter(active=True, service_code=code).first()
    if cat is None:
        raise Open311Error(400, f"service_code {code} not found")
    lat, lon = post.get("lat", "").strip(), post.get("long", "").strip()
    address = post.get("address_string", "").strip()
    if not (lat and lon) and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    # Before the split, which would put the number in the room and leave the name public; an address too long
    # for a 小区 is refused for that below, unread (holds_phone's time grows with the text).
    if len(address) <= input_length(100) and holds_phone(address):
        raise Open311Error(400, "address_string must not hold a phone number (a name usually comes with it, and "
                                "the 小区 is public): send the resident's number as phone")
    attributes = {k[len("attribute["):-1]: v for k, v in post.items() if k.startswith("attribute[") and k.endswith("]")}
    district_code = post.get("district", "").strip() or attributes.pop("district", "").strip() or \
        settings.ZY_OPEN311_DEFAULT_DISTRICT
    attributes.pop("district", None)
    district = District.objects.filter(code=district_code).first()
    if district is None:
        raise Open311Error(400, f"district {district_code} not found")
    first, last = post.get("first_name", "").strip(), post.get("last_name", "").strip()
    name = f"{last}{first}" if _CJK.search(first + last) else " ".join(x for x in (first, last) if x)
    # Without an address the coordinates go only where they are kept from other readers (latitude,
    # longitude); the 小区, shown to anyone who reads the request, says none was given (breaker).
    place = _address_parts(address) if address else {"community": NO_ADDRESS, "unsplit": ""}
    description, unsplit = post.get("description", ""), place.pop("unsplit")
    if unsplit and not is_blank(description):  # a blank description stays blank: refused as such
        description = f"{description.rstrip()}\n（地址原文：{unsplit}）"  # private, as the description is
        if user_length(description) > wf.DESCRIPTION_MAX:  # said as what it is, not as a description too long
            raise Open311Error(400, "address_string: its building, unit and room do not fit their fields, and "
                                    "the description has no room left to keep the whole address; write them as "
                                    "3号楼2单元501室 or shorten the description")
    # email is not collected: the loop reaches residents by phone (PIPL: collect only what is needed).
    issue = wf.issue_submit(
        actor=wf.Actor.of(client), category=cat, district=district, **place, description=description,
        # The whole name: one too long is refused (first_name/last_name), as the form refuses it (it was cut at 50
        # code points without a word, inside an emoji at times: breaker).
        reporter_phone=post.get("phone", ""), reporter_name=name,
        latitude=lat or None, longitude=lon or None, extra_answers=attributes, channel=Channel.OPEN311,
    )
    body = [{"service_request_id": issue.tracking_code, "service_notice": cat.safety_instructions,
             "account_id": ""}]
    return render(fmt, "service_requests", body, status=201)


@_answers_errors("GET")
def request_detail(request, request_id, fmt):
    """GET requests/{service_request_id}.(json|xml): one request object (a list of one); 404 if unknown."""
    issue = _requests_qs().filter(tracking_code=request_id).first()
    if issue is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return render(fmt, "service_requests", _objects([issue], _client(request)))


@_answers_errors("GET")
def token_detail(request, token, fmt):
    """GET tokens/{token}.(json|xml): filing is synchronous, so the token is the service_request_id."""
    if not Issue.objects.filter(tracking_code=token).exists():
        raise Open311Error(404, f"token {token} not found")
    return render(fmt, "service_requests", [{"service_request_id": token, "token": token}])
