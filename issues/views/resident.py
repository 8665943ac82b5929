"""Resident pages: file an issue, "me too", track, lost code, rate, photos.

Thin views: bind a form, apply the rate limits, call ``issues.workflow``,
render. No account is needed; a resident who proved who they are (tracking
code + whole phone number, or a signed SMS link) gets the issue recorded in
a signed cookie as ``reporter`` or ``follower`` (``_remember``, issues.proofs), and that
decides what the tracking page and the photo view show them.

Answers: Invalid → the form again with messages, status 400 (KeyReused: 409); Conflict → a
message page, 409; not found or not theirs → one neutral page, 404; over a
rate limit → a friendly page, 429.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.scope import visible_issues

from .. import links
from .. import photos as photo_mod
from .. import public_figures, reference
from .. import similar as similar_mod
from ..choices import PHASE_OF_STATUS, RESIDENT_NOTE_KINDS, EventKind, Phase, Priority, RaterKind, Role, Status, Utility
from ..forms import LIMITS, FollowForm, RateForm, ReportForm, ResendForm, TrackForm
from ..limits import RateLimited, Reservation, admit, admit_once, client_network, hit
from ..links import (
    RATE_MAX_AGE,
    RATE_SALT,
    TRACK_MAX_AGE,
    TRACK_SALT,
    phone_hash,
    rating_token,
    read_token,
    read_token_round,
)
from ..models import Attachment, Category, Issue, Rating
from ..notifications import resend_codes
from ..validation import FieldError, clean_community, clean_text, is_mobile, lookup_phone, normalize_phone
from ..workflow import (
    REASON_MAX,
    Actor,
    Conflict,
    Invalid,
    KeyReused,
    already_follows,
    files_the_same,
    follower_errors,
    issue_follow,
    issue_rate,
    issue_submit,
    rating_outcome,
    repeat_of,
    reworks_left,
    round_resolved,
    scoped_idempotency_key,
    shown_note,
)

# The pages that also take a POST answer HEAD like GET: monitors and link
# checkers probe them with HEAD, and a HEAD never changes anything.
SAFE_METHODS = ("GET", "HEAD")

# What each status means, in the words the resident reads on /track/.
STATUS_WORDS = {
    Status.NEW: gettext_noop("您的诉求已受理，正在等待分派给责任单位。"),
    Status.ASSIGNED: gettext_noop("已交办给责任单位，等待单位接单处理。"),
    Status.IN_PROGRESS: gettext_noop("责任单位正在处理。"),
    Status.PLANNED: gettext_noop("问题需要限期整改，责任单位正按批准的整改计划处理。"),
    Status.RESOLVED: gettext_noop("责任单位已报告处理完毕，正在核查处理结果。"),
    Status.AWAITING_RATING: gettext_noop("已处理完毕，请您评价办理结果（评价链接已通过短信发送；找不到短信，可在查询页点“忘记受理编号？”重新发送）。"),
    Status.CLOSED: gettext_noop("已办结销号。感谢您的反映。"),
    Status.REJECTED: gettext_noop("您的诉求未予受理。"),
    Status.MERGED: gettext_noop("您的诉求与另一件同样的问题合并办理。"),
}
# A follower did not file it: "this issue", not "your issue" (as their SMS say "您关注的问题"; breaker).
FOLLOWER_STATUS_WORDS = {
    Status.NEW: gettext_noop("这件诉求已受理，正在等待分派给责任单位。"),
    Status.REJECTED: gettext_noop("这件诉求未予受理。"),
    Status.MERGED: gettext_noop("这件诉求与另一件同样的问题合并办理。"),
}
# Returned by its unit (not its duty) and waiting for the dispatcher again: the return's note is internal.
RETURNED_WORDS = gettext_noop("原承办单位认为不属于其职责范围，已退回分派中心，正在重新分派给责任单位。")
# A dissatisfied rating at the rework limit: the supervisor decides what follows (DESIGN.md).
DECISION_WORDS = {
    "reporter": gettext_noop("您对办理结果不满意，督查部门正在研判后续处理，结果会短信告知您。"),
    "landline": gettext_noop("您对办理结果不满意，督查部门正在研判后续处理，请过几天再凭受理编号和电话号码查询结果。"),
    "follower": gettext_noop("报告人对办理结果不满意，督查部门正在研判后续处理。"),
}
# Worked on again after a dissatisfied rating (the reporter's, or the supervisor's decision after one): the
# progress bar is back at 分流交办 (DESIGN.md's phase of in_progress), and the words say why (breaker).
REWORK_WORDS = {
    "reporter": gettext_noop("您对上一轮办理结果不满意，责任单位正在重新办理。"),
    "follower": gettext_noop("报告人对上一轮办理结果不满意，责任单位正在重新办理。"),
}
PHASES = [Phase.COLLECTED, Phase.ASSIGNED, Phase.SUPERVISED, Phase.RATED]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _rate_limited(request, exc: RateLimited, not_filed: bool = False, tracking: bool = False,
                  follow: Issue | None = None):
    """The friendly 429 page for ``exc`` (minutes until the window resets).

    ``not_filed``: the refused request was a filing or a follow, and the page
    says it was not recorded and leads back to what was typed; ``follow``: the
    issue a refused "me too" was for (the page spoke of a filing and led to
    the report form; breaker). ``tracking``:
    it was a look-up or a code resend, and the page leads back to /track/
    (it offered only the home page; breaker).
    """
    minutes = max(1, (exc.retry_after + 59) // 60)
    response = render(request, "resident/limited.html",
                      {"minutes": minutes, "not_filed": not_filed, "tracking": tracking, "follow": follow},
                      status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _not_found(request, *, form=None, resend_form=None, link: bool = False):
    """The one neutral "not found" answer of tracking and rating (404): the tracking form saying nothing was
    found. ``link``: the request was an SMS link (tracking or rating) that does not hold, so the words speak
    of the link, which the resident followed, not of a code and phone they never typed (breaker)."""
    return render(
        request,
        "resident/track.html",
        {"form": form or TrackForm(), "resend_form": resend_form or ResendForm(), "not_found": True,
         "bad_link": link},
        status=404,
    )


def _ask_phone(request, code: str, *, expired: bool = False):
    """The tracking form with ``code`` filled in, asking for the phone: a bookmarked or shared /track/<code>/
    (or /report/done/<code>/) opened in a browser that has not proved it may see the issue, 404 (the issue is
    not shown; nobody typed anything wrong, so no "not found" words), or an expired SMS link (``expired``: no
    code to fill in), 410. The same for any code, so it tells nothing of which exist."""
    form = TrackForm(initial={"code": code[:40]})
    return render(request, "resident/track.html", {"form": form, "resend_form": ResendForm(), "ask_phone": not expired,
                                                   "link_expired": expired}, status=410 if expired else 404)


def _message(request, title: str, text: str, status: int = 200, issue=None):
    return render(request, "resident/message.html", {"title": title, "text": text, "issue": issue}, status=status)


def _remember(request, issue: Issue, role: str) -> None:
    """Record (issues.proofs) that this browser proved it is ``role`` (reporter/follower) of ``issue``."""
    request.resident_proofs.remember(issue.pk, role)


def _tracked_role(request, issue_id) -> str | None:
    return request.resident_proofs.role(issue_id)


def _role_of_phone(issue: Issue, phone: str) -> str | None:
    if phone == issue.reporter_phone:
        return "reporter"
    if issue.followers.filter(phone=phone).exists():
        return "follower"
    return None


def _phone_from_hash(issue: Issue, digest: str) -> tuple[str, str] | tuple[None, None]:
    """The (phone, role) whose ``phone_hash`` is ``digest``: the reporter's or a follower's."""
    if phone_hash(issue.reporter_phone) == digest:
        return issue.reporter_phone, "reporter"
    for phone in issue.followers.values_list("phone", flat=True):
        if phone_hash(phone) == digest:
            return phone, "follower"
    return None, None


def _small_id(value) -> int | None:
    """``value`` as a database id, or None when it is not digits or too large for a 64-bit integer."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _is_dispatcher(request) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.role == Role.DISPATCHER)


def _catalogue():
    """Active categories grouped by utility, for the select, the script and the extra questions."""
    cats = reference.current().active_categories()
    groups = []
    for value, label in Utility.choices:
        members = [c for c in cats if c.utility == value]
        if members:
            groups.append({"utility": value, "label": label, "categories": members})
    data = [
        {
            "id": c.pk,
            "utility": c.utility,
            "name": c.shown_name,
            "emergency": c.priority == Priority.EMERGENCY,
            "safety": bool(c.safety_instructions),
        }
        for c in cats
    ]
    return cats, groups, data


# --------------------------------------------------------------------------
# Home, report, success
# --------------------------------------------------------------------------


@require_safe
def home(request):
    """GET / : the front door, linking to /report/, /track/ and /stats/."""
    return render(request, "resident/home.html")


@require_safe
def stats(request):
    """GET /stats/?month=YYYY-MM: the public figures of one month, city-wide (issues.public_figures).

    ``month`` is one of the 13 months offered (this month and the 12
    before it, Asia/Shanghai); without it, this month. Any other value
    shows this month with a notice saying so, status 400. Counts and rates
    only, no issue and no personal data; the counts are at most
    ``public_figures.CACHE_SECONDS`` (5 minutes) old.
    """
    now = timezone.now()
    offered = public_figures.months(now)
    raw = request.GET.get("month", "")
    chosen = next((d for d in offered if f"{d:%Y-%m}" == raw), None)
    problem = ""
    if chosen is None:
        chosen = offered[0]
        if raw:
            problem = _("只能查看最近 13 个月的数据，请从列表中选择月份。以下是本月的数据。")
    context = {**public_figures.figures(chosen, now), "months": offered, "chosen": chosen, "problem": problem,
               "current": chosen == offered[0]}
    return render(request, "resident/stats.html", context, status=400 if problem else 200)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    """GET/POST /report/: the filing form.

    GET renders an empty form with a fresh idempotency key. POST: the
    privacy consent and the photos' headers are checked here, then the
    per-IP and per-phone limits apply (not to a dispatcher filing for a
    caller; the phone's count is given back when the filing fails or
    repeats), and only once the filing itself would pass
    (``issue_submit(check_only=True)``) are the photos decoded and
    re-encoded (the costly part: nothing is stored when one is refused),
    then ``issue_submit`` files it (channel
    web, or hotline for a dispatcher) and the browser is redirected to the
    success page. A repeat of the form (same idempotency key and phone)
    gets the first filing's page, even over a limit (then without decoding its photos). Errors
    re-render the form with everything typed (photos must be chosen
    again), status 400; limits → 429. The same key and phone with changed
    content (Back after filing, edits, Submit) files nothing: 409, the
    form with everything typed, a notice naming the first filing's code
    and a new key, so Submit files it anew (workflow.KeyReused). So does the
    same key with another phone when this browser filed the first (Back,
    the phone corrected, Submit: the key alone is bound to the phone).
    """
    dispatcher = _is_dispatcher(request)
    if request.method in SAFE_METHODS:
        form = ReportForm(initial={"idempotency_key": ReportForm.new_key()})
        return _render_report(request, form, {}, dispatcher)

    form = ReportForm(request.POST)
    errors: dict[str, list[str]] = {}
    form.is_valid()
    for name, msgs in form.errors.items():
        errors.setdefault(name, []).extend(msgs)
    uploads = request.FILES.getlist("photos")
    try:
        photo_mod.check_photos(uploads)  # headers only: decoding waits until the filing is admitted
    except FieldError as exc:
        errors.setdefault("photos", []).append(str(exc))
    data = form.cleaned_data
    actor = Actor.of(request.user) if dispatcher else Actor.resident(data["reporter_phone"])
    filing = _filing(form, request.POST, actor)
    # What this browser filed lately: this very form under another phone (Back, the phone corrected, Submit:
    # its key is bound to the phone, so it would file a second issue without a word), said as any change is;
    # or the same filing under a newer key (changed, told so, changed back, Submit), answered as its repeat.
    same, other_phone = (None, None) if dispatcher else _filed_here_before(request, actor, filing)
    if errors:
        # Every mistake at once: what the workflow would refuse too (nothing is written or counted).
        notice, key = "", filing["idempotency_key"]
        try:
            if other_phone is not None:
                raise KeyReused(other_phone, ["reporter_phone"])
            if key:
                repeat_of(actor, key, filing)
        except KeyReused as exc:  # sent before, changed since: say so, and judge it as a new filing
            notice = _key_reused_notice(exc)
        if not notice and same is not None and set(errors) == {"photos"} and not _has_own_photos(same):
            notice = _photos_not_added(same)  # a photo refused by its header, sent with a filing made already
        # With the notice shown, the form is judged as the new filing that Submit will make.
        found = _new_filing_errors(filing) if notice else _filing_errors(filing)
        for name, msgs in found.items():
            errors.setdefault(name, []).extend(m for m in msgs if m not in errors[name])
        return _render_report(request, form, errors, dispatcher, status=400, notice=notice, new_key=bool(notice))
    try:
        if other_phone is not None:
            raise KeyReused(other_phone, ["reporter_phone"])
        if same is not None:
            return _same_filing(request, form, same, uploads)
        return _file_from_form(request, form, filing, dispatcher, actor, uploads)
    except KeyReused as exc:
        # The form was sent before and has changed since (Back, edits, Submit): nothing is filed; the
        # page says so, keeps what was typed, shows what a new filing would have to fix, and carries
        # a new key, so Submit files it as a new issue.
        errors = _new_filing_errors(filing)
        return _render_report(request, form, errors, dispatcher, status=400 if errors else 409,
                              notice=_key_reused_notice(exc), new_key=True)


SAME_FILING_SECONDS = 3600  # how long an identical filing from the same browser and phone is its repeat


def _same_filing(request, form: ReportForm, same: Issue, uploads: list):
    # The answer to a filing this browser made already under another key (``_filed_here_before``): its page,
    # with the photos chosen this time attached when it has none of its own (they were dropped without a word:
    # breaker). Decoded only then, and only within the per-IP limit, which each such try counts (decoding is the
    # costly part: breaker round 2); over it, the page without them, as for any repeat over a limit.
    photos, own = [], bool(uploads) and _has_own_photos(same)
    if uploads and not own:
        try:
            hit("file_ip", client_network(request))
            photos = photo_mod.clean_photos(uploads)
        except RateLimited:
            return _filed(request, same, False, [], photos_dropped=True)
        except FieldError as exc:
            return _render_report(request, form, {"photos": [str(exc)]}, False, status=400,
                                  notice=_photos_not_added(same))
    return _filed(request, same, False, photos, photos_kept=own)


def _has_own_photos(issue: Issue) -> bool:
    # Whether ``issue`` was filed with photos (a repeat then adds none).
    return issue.attachments.filter(event__kind=EventKind.SUBMITTED).exists()


def _photos_not_added(same: Issue) -> str:
    # The notice over a refused photo sent with a filing made already (``_same_filing``): it is filed.
    return _("这份诉求已经登记，受理编号 %(code)s。这次选的照片没有添加。") % {"code": same.tracking_code}


def _filed_here_before(request, actor: Actor, filing: dict) -> tuple[Issue | None, Issue | None]:
    # (an open issue this browser filed in the last hour with this phone holding just this filing under
    # another key, an issue it filed with this form's key under another phone), each or None (issues.proofs
    # keeps the last ten). Only for a phone that is one: a blank or mistyped phone is a field error, and its
    # fix, the first phone again, must get the first filing, not be told it changed (breaker). No query
    # when this browser has filed nothing.
    key, phone = filing["idempotency_key"], actor.resident_phone
    ids = request.resident_proofs.filed_ids() if key and _is_phone(phone) else []
    same = other = None
    for issue in Issue.objects.filter(pk__in=ids).order_by("-id") if ids else []:
        mine = issue.idempotency_key and issue.idempotency_key.endswith(f":{key}")
        if mine and issue.reporter_phone != phone and other is None:
            other = issue
        elif (not mine and same is None and issue.reporter_phone == phone and issue.is_open
              and timezone.now() - issue.filed_at < timedelta(seconds=SAME_FILING_SECONDS)
              and files_the_same(issue, filing)):
            same = issue
    return same, other


def _is_phone(text: str) -> bool:
    # ``text`` is a phone number as stored (E.164), not raw text kept because it did not parse.
    try:
        return normalize_phone(text) == text
    except FieldError:
        return False


def _filing_errors(filing: dict) -> dict[str, list[str]]:
    # What issue_submit would refuse in ``filing`` (its keyword arguments), per field; writes nothing.
    try:
        issue_submit(**filing, check_only=True)
    except Invalid as exc:
        return exc.fields
    return {}


def _new_filing_errors(filing: dict) -> dict[str, list[str]]:
    # As _filing_errors, for the filing made anew under a fresh key (its old key was used for another).
    return _filing_errors({**filing, "idempotency_key": None})


def _key_reused_notice(exc: KeyReused) -> str:
    return _("这张表单已经提交过，登记编号 %(code)s。这次的内容和那次不同，所以没有登记。"
             "如果这是另一个问题，请核对下面的内容后再点“提交”，将作为新诉求登记。") % {"code": exc.first.tracking_code}


def _file_from_form(request, form: ReportForm, filing: dict, dispatcher: bool, actor: Actor, uploads: list):
    # report()'s POST once the form is well-formed: limits, photos, the filing, the redirect. Raises KeyReused.
    data = form.cleaned_data
    key = data.get("idempotency_key")
    first = None  # the issue this POST repeats, when it is a repeat
    if dispatcher:  # no limits (issue_submit finds a repeat before it takes a tracking number)
        reservation = Reservation()
    else:
        phone = actor.resident_phone
        hits = [("file_ip", client_network(request))]
        reserve = [("file_phone", phone)] if phone.startswith("+") else []
        try:
            if key:  # a double click's copy waits for the first copy and gets its filing
                reservation, first = admit_once(hits, reserve, f"file:{scoped_idempotency_key(actor, str(key))}",
                                                first=lambda: repeat_of(actor, str(key), filing))
            else:
                reservation, first = admit(hits=hits, reserve=reserve), None
        except RateLimited as exc:
            # A repeat of a filing that went through (a double click on the last filing the phone
            # or the address may make) gets that filing's page, as any repeat does, not the limit.
            first = repeat_of(actor, str(key), filing) if key else None
            if first is None and exc.rule == "once":
                # An earlier copy of this very form is still (or was, until a restart) on its way: keep
                # what was typed and its key, so sending it again shortly files it once.
                response = _render_report(request, form, {}, dispatcher, status=429, notice=_(
                    "您刚才提交的同一份诉求还在处理中。请半分钟后再点“提交”，不会重复登记。"))
                response["Retry-After"] = str(exc.retry_after)
                return response
            if first is None:
                return _rate_limited(request, exc, not_filed=True)
            # Over a limit nothing is decoded, not even its photos: the page says they were not added when
            # they would have been (the first filing had none of its own).
            return _filed(request, first, dispatcher, [],
                          photos_dropped=bool(uploads) and not _has_own_photos(first))
    try:
        with reservation:  # given back if the photos or the filing fail
            if first is not None and uploads and _has_own_photos(first):  # none would be added: none decoded
                return _filed(request, first, dispatcher, [], photos_kept=True)
            if uploads and first is None:
                issue_submit(**filing, check_only=True)  # no decoding for a filing that would be refused
            try:
                photos = photo_mod.clean_photos(uploads)  # decoded only now: admitted, and all else well-formed
            except FieldError as exc:  # pixels damaged behind a good header
                raise Invalid(str(exc), {"photos": [str(exc)]}) from None
            if first is not None:
                return _filed(request, first, dispatcher, photos)
            issue = issue_submit(**filing)
    except KeyReused:
        raise
    except Invalid as exc:
        return _render_report(request, form, exc.fields, dispatcher, status=400)
    if issue.repeat:
        reservation.release()  # its key's first filing counts
    return _filed(request, issue, dispatcher, photos)


def _filing(form: ReportForm, post, actor: Actor) -> dict:
    # issue_submit's arguments from the bound form (cleaned, as far as it went) and the raw POST.
    data = form.cleaned_data
    key = data.get("idempotency_key")
    return dict(
        actor=actor,
        # Ids too large for the database read as "none chosen" (SQLite cannot bind them).
        category=_small_id(data["category"]) or "",
        district=_small_id(data["district"]) or "",
        community=data["community"],
        building=data["building"],
        unit_no=data["unit_no"],
        room=data["room"],
        latitude=data["latitude"] or None,
        longitude=data["longitude"] or None,
        description=data["description"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        extra_answers=form.extra_answers(post, data["category"]),
        idempotency_key=str(key) if key else None,
    )


PHOTOS_DROPPED = "photos-not-added"  # the success page's query string when a repeat's photos were not added
PHOTOS_KEPT = "photos-kept"  # … when a repeat's photos were not added because the first filing stored its own


def _filed(request, issue: Issue, dispatcher: bool, photos: list[bytes], photos_dropped: bool = False,
           photos_kept: bool = False):
    # The answer to a filing or its repeat: its photos (a repeat adds none when the first
    # stored its own), then this browser may see the success page and, for a resident, the
    # issue as its reporter. ``photos_dropped``: a repeat's photos were not added (over the per-IP
    # limit): the success page says so (they had been dropped without a word: breaker). A repeat whose
    # first filing stored photos of its own adds none (``photos_kept``, or photos.attach finding them):
    # the page says that too (breaker).
    kept_earlier = photos_kept or (bool(photos) and not photo_mod.attach(
        issue, issue.events.filter(kind=EventKind.SUBMITTED).first(), photos))
    if not dispatcher:
        _remember(request, issue, "reporter")
    request.resident_proofs.filed(issue.pk)
    url = _done_url(issue.tracking_code)
    if photos_dropped or kept_earlier:
        url = f"{url}?{PHOTOS_DROPPED if photos_dropped else PHOTOS_KEPT}"
    return HttpResponseRedirect(url)


_CODE_SLOT = "ZY0CODE0"


@lru_cache(maxsize=16)
def _done_url_template(script_prefix: str) -> str:
    return reverse("resident:report_done", kwargs={"code": _CODE_SLOT})


def _done_url(code: str) -> str:
    # The success page's address: reverse() once per script prefix, then the code put in its place
    # (reverse() matches the URL patterns anew each time, a tenth of the view's own work). A
    # tracking code is letters and digits, which need no quoting; anything else goes by reverse().
    if not code.isascii() or not code.isalnum():
        return reverse("resident:report_done", kwargs={"code": code})
    return _done_url_template(get_script_prefix()).replace(_CODE_SLOT, code)


# The report form's fields as the page shows them ("extra": the chosen category's questions).
_PAGE_ORDER = ["utility", "category", "extra", "district", "community", "building", "unit_no", "room", "latitude",
               "longitude", "description", "photos", "reporter_phone", "reporter_name", "privacy"]


def _in_page_order(errors: dict, chosen: str) -> list[tuple[str, list]]:
    """``errors`` ({workflow or form field: [message]}) as [(the id of its message element less "-error",
    [message])], in the order the fields stand on the page: the summary a page without a script lists."""
    def place(name):
        key = "extra" if name.startswith("extra_answers.") else name
        return _PAGE_ORDER.index(key) if key in _PAGE_ORDER else len(_PAGE_ORDER)

    return [(f"extra_{chosen}_{name.split('.', 1)[1]}" if name.startswith("extra_answers.") else name, msgs)
            for name, msgs in sorted(errors.items(), key=lambda item: place(item[0]))]


def _render_report(request, form, errors, dispatcher, status=200, notice="", new_key=False):
    cats, groups, cat_data = _catalogue()
    districts = list(reference.current().districts.values())
    chosen = str(form["category"].value() or "")
    # Coordinates are hidden fields the resident cannot edit: sent back, refused ones would be refused
    # again, so the page drops them (below) and says so.
    location_dropped = bool(errors.get("latitude"))
    if location_dropped:
        errors = {**errors, "latitude": [*errors["latitude"], _("已去掉这个位置：写清地址就够了，可以直接再次提交。")]}
    extra_errors = {}
    for name, msgs in errors.items():
        if name.startswith("extra_answers."):
            extra_errors[f"extra_{chosen}_{name.split('.', 1)[1]}"] = msgs
    questions = []
    for c in cats:
        qs = []
        for q in c.extra_questions or []:
            field = f"extra_{c.pk}_{q.get('code')}"
            qs.append({**q, "label": Category.question_label(q), "options": Category.question_options(q),
                       "field": field, "value": form.data.get(field, "") if form.is_bound else "",
                       "errors": extra_errors.get(field, [])})
        if qs:
            questions.append({"category": c, "questions": qs})
    selected = next((c for c in cats if str(c.pk) == chosen), None)
    context = {
        "form": form,
        "errors": errors,
        "error_list": _in_page_order(errors, chosen),
        # Drawn here too, for a browser without a script (htmx draws it again on load, as the resident types).
        "similar_items": _similar_items(form.data.get("category", ""), form.data.get("district", ""),
                                        form.data.get("community", "")) if form.is_bound else [],
        "groups": groups,
        "districts": districts,
        "questions": questions,
        "safety": [{"pk": c.pk, "text": c.shown_safety_instructions()} for c in cats if c.safety_instructions],
        "emergencies": [c for c in cats if c.priority == Priority.EMERGENCY],
        "selected": selected,
        "cat_data": cat_data,
        "limits": LIMITS,
        "dispatcher": dispatcher,
        "photo_accept": photo_mod.ACCEPT_ATTR,
        "photo_max": photo_mod.max_count(),
        "photo_mb": photo_mod.max_bytes() // (1024 * 1024),
        "had_photos": bool(request.FILES.getlist("photos")) if form.is_bound else False,
        "notice": notice,
        "value": {name: (form[name].value() or "") for name in form.fields if name != "privacy"},
        "service_area": ",".join(str(d) for d in settings.ZY_SERVICE_AREA),
    }
    if location_dropped:
        context["value"]["latitude"] = context["value"]["longitude"] = ""
    if form.is_bound:  # the key as cleaned, or a fresh one in place of a mangled or used-up one
        key = None if new_key else form.cleaned_data.get("idempotency_key")
        context["value"]["idempotency_key"] = key or ReportForm.new_key()
    response = render(request, "resident/report.html", context, status=status)
    # A resident's refused form (a POST answered with the form again: 400, 409, 429) is kept for Back
    # (KeptForHistoryMiddleware). Not a logged-in dispatcher's: after logout, a caller's details stay out of Back.
    response.kept_for_history = form.is_bound and status != 200 and not request.user.is_authenticated
    return response


@never_cache
@require_safe
def report_done(request, code: str):
    """GET /report/done/<code>/: the tracking code, the three deadlines, what happens next.

    Shown only to the browser that filed it, among its last ten filings (its signed proofs cookie);
    elsewhere (a shared or bookmarked address) the tracking form with the code filled in
    (``_ask_phone``, 404). Worded for the resident, or, for a dispatcher who filed a caller's
    issue (channel hotline), for the operator: the caller's SMS, and a link to the staff page
    instead of the resident's tracking page (a dispatcher is no reporter there). A landline's
    reporter is told to rate on the tracking page, not that an SMS will come.
    With ``?photos-not-added`` (a repeat's photos over the per-IP limit, ``_filed``) and the
    issue still without photos of its own, a notice says the photos chosen were not added; with
    ``?photos-kept`` (a repeat of a filing that stored photos), that those were kept and these not added.
    Once the issue is no longer open (rejected, merged, closed), the filing's
    promises no longer hold: a redirect (302) to its tracking page (the
    staff page for a dispatcher).
    """
    issue = Issue.objects.select_related("category", "district", "lead_unit").filter(tracking_code=code).first()
    if issue is None or not request.resident_proofs.filed_here(issue.pk):
        return _ask_phone(request, code)
    if not issue.is_open:
        # Rejected, merged or closed since (a later visit, or the same form sent again): where it is now,
        # not the filing's "已受理" and deadlines (breaker).
        if _is_dispatcher(request):
            return redirect("staff:issue", issue.pk)
        return redirect("resident:track_detail", issue.tracking_code)
    return render(request, "resident/report_done.html", {
        "issue": issue,
        "category_name": issue.category.shown_name,
        "mobile": is_mobile(issue.reporter_phone),
        # A dispatcher filing for a caller reads the page as the operator: the caller's SMS, the staff page.
        "dispatcher": _is_dispatcher(request),
        "emergency": issue.priority == Priority.EMERGENCY,
        # A routing rule assigned it as it was filed (a dispatcher's later assignment is no part of the filing).
        # Returned by its unit since, it waits for the dispatcher again: the dispatch is to come (breaker).
        "routed": (issue.first_assigned_at is not None and issue.first_assigned_at == issue.filed_at
                   and issue.lead_unit_id is not None),
        # A repeat's photos were not added (``_filed``), unless the issue has its own by now.
        "photos_dropped": PHOTOS_DROPPED in request.GET and not _has_own_photos(issue),
        "photos_kept": PHOTOS_KEPT in request.GET and _has_own_photos(issue),
    })


# --------------------------------------------------------------------------
# Duplicate suggestion and "me too"
# --------------------------------------------------------------------------


@require_safe
def similar(request):
    """GET /report/similar/?category=&district=&community= (htmx fragment).

    Open issues of that category in that 小区 filed in the last 7 days,
    at most 5, the same 小区 first, then one whose name holds or is held by
    the typed one ("锦绣花园" and "滨河新区锦绣花园小区"; issues.similar),
    each newest first: category, 小区, status and time only. Empty
    fragment when a parameter is missing. Worded for the operator when a
    dispatcher fills the form for a caller.
    """
    items = _similar_items(request.GET.get("category", ""), request.GET.get("district", ""),
                           request.GET.get("community", ""))
    return render(request, "resident/similar.html", {"items": items, "dispatcher": _is_dispatcher(request)})


def _similar_items(category: str, district: str, community: str) -> list[dict]:
    """The suggestions of ``similar`` for what was typed (ids as text, the 小区 as typed); [] when one is missing.

    Each shows the stored 小区 without a house number typed into it (Issue.shown_community).

    Which issues match, and in what order, is issues.similar's rule.
    """
    try:
        community = clean_community(community)  # as the filing stored it
    except FieldError:
        community = ""
    category, district = _small_id(str(category or "").strip()), _small_id(str(district or "").strip())
    found = similar_mod.suggestions(category, district, community) if category and district and community else []
    return [{"id": i.pk, "category": i.category.shown_name, "community": i.shown_community,
             "status": i.shown_status, "filed_at": i.filed_at} for i in found]


def _followable(issue_id) -> Issue | None:
    if _small_id(issue_id) is None:
        return None
    return Issue.objects.open().select_related("category", "district").filter(pk=issue_id).first()


def _no_longer_followable(request, issue_id, form: FollowForm, status: int):
    # "Me too" on an issue closed since it was suggested: for one merged into an open original, that
    # original's "me too" form with what was typed and a notice; else a page saying it has ended (not
    # the tracking page's "not found": the resident typed no code). None when there is no such issue.
    gone = Issue.objects.filter(pk=issue_id).only("status", "duplicate_of").first() if _small_id(issue_id) else None
    if gone is None:
        return None
    original = None
    for _hop in range(5):  # along a chain of merges (A into B, then B into C) to the issue still open
        if gone is None or gone.status != Status.MERGED or not gone.duplicate_of_id:
            break
        original = _followable(gone.duplicate_of_id)
        if original is not None:
            break
        gone = Issue.objects.filter(pk=gone.duplicate_of_id).only("status", "duplicate_of").first()
    if original is not None:
        return render(request, "resident/follow.html", {
            "issue": original, "category_name": original.category.shown_name,
            "district_name": original.district.shown_name, "form": form, "errors": {}, "limits": LIMITS,
            "dispatcher": _is_dispatcher(request),
            "notice": _("您选的诉求已和下面这件合并办理（同一个问题）。请确认关注这一件。")}, status=status)
    text = (_("这件诉求已经结束办理，不能再添加关注人。如果来电群众的问题仍然存在，请返回表单为其登记新的诉求。")
            if _is_dispatcher(request) else
            _("这件诉求已经结束办理，不能再关注。如果您的问题仍然存在，请返回表单提交新的诉求。"))
    return render(request, "resident/message.html", {"title": _("无法关注"), "report_again": True, "text": text},
                  status=status)


def _followed(request, issue: Issue, phone: str):
    # The "me too" answer: worded for the resident, or for a dispatcher who added a caller (breaker round 2).
    return render(request, "resident/follow_done.html", {
        "issue": issue, "category_name": issue.category.shown_name, "mobile": is_mobile(phone),
        "dispatcher": _is_dispatcher(request),
    })


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request, issue_id: int):
    """GET/POST /report/follow/<id>/: "这也是我的问题" — become a follower instead of filing.

    GET shows the issue's public fields and a small form (phone, optional
    name, consent). POST: per-IP and per-phone filing limits (not for a
    dispatcher adding a caller, as for their filings), then
    ``issue_follow``; on success the tracking code is shown so the follower
    can track it with their own phone. A repeat (a double tap, or pressed
    again later) gets the same page, without being counted or refused by
    the limits (``admit_once``, ``already_follows``). Unknown issue → the
    neutral 404. An issue closed since it was suggested → a page saying so,
    or, when it was merged into an open original, the original's form with
    what was typed and a notice (status 200 for GET, 409 for a POST:
    nothing was recorded). The reporter's own phone goes through the
    same checks, limits and writes as a new follower's and gets the same
    page, and then nothing of it stays (``issue_follow(as_stranger=True)``):
    the page never tells which phone filed.
    """
    form = FollowForm(request.POST if request.method == "POST" else None)  # an empty POST is bound: its errors
    issue = _followable(issue_id)
    if issue is None:
        return (_no_longer_followable(request, issue_id, form, 200 if request.method in SAFE_METHODS else 409)
                or _not_found(request))
    # A dispatcher adds a caller: the page speaks to the operator about the caller (breaker round 2).
    context = {"issue": issue, "category_name": issue.category.shown_name,
               "district_name": issue.district.shown_name, "form": form, "errors": {}, "limits": LIMITS,
               "dispatcher": _is_dispatcher(request)}
    if request.method in SAFE_METHODS:
        return render(request, "resident/follow.html", context)
    if not form.is_valid():
        # Every mistake at once: the phone and name as the workflow judges them, with the form's own.
        data = form.cleaned_data
        context["errors"] = {**follower_errors(data.get("phone", ""), data.get("name", "")), **form.errors}
        return render(request, "resident/follow.html", context, status=400)
    data = form.cleaned_data
    phone = Actor.resident(data["phone"]).resident_phone
    try:
        # A copy of this press in flight is waited for and gets its page (a double tap). A dispatcher adding
        # a caller is not limited, as their filings for callers are not (one hotline centre, many callers).
        limited = not _is_dispatcher(request)
        hits = [("file_ip", client_network(request))] if limited else []
        reserve = [("file_phone", phone)] if limited and phone.startswith("+") else []
        reservation, repeat = admit_once(hits, reserve, f"follow:{issue.pk}:{phone}",
                                         first=lambda: already_follows(issue, phone) or None)
    except RateLimited as exc:
        if already_follows(issue, phone):  # pressed again over the limit: counted the first time
            return _followed(request, issue, phone)
        return _rate_limited(request, exc, not_filed=True, follow=issue)
    if repeat:
        return _followed(request, issue, phone)
    try:
        with reservation:  # counts against the phone only when accepted
            # as_stranger: the reporter's own phone is answered as any new follower's (see issue_follow).
            follower = issue_follow(issue=issue, phone=data["phone"], name=data["name"], as_stranger=True)
        if follower.repeat:
            reservation.release()  # already following: counted the first time
    except Invalid as exc:
        context["errors"] = exc.fields
        return render(request, "resident/follow.html", context, status=400)
    except Conflict as exc:  # closed or merged a moment ago
        return _no_longer_followable(request, issue.pk, form, 409) or _message(request, _("无法关注"), exc.message,
                                                                               status=409)
    return _followed(request, issue, follower.phone)


# --------------------------------------------------------------------------
# Tracking
# --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request):
    """GET/POST /track/: tracking code + the whole phone number.

    POST counts against the per-IP tracking limit (429 page over it); a
    match (reporter or follower) is remembered in the signed proofs cookie and the
    browser is redirected to /track/<code>/. Anything else — unknown code,
    wrong or masked phone, a closed follower — gets the same neutral
    "not found" page (404), so nothing reveals whether a code exists.
    """
    if request.method in SAFE_METHODS:
        form = TrackForm(initial={"code": request.GET.get("code", "")})
        return render(request, "resident/track.html", {"form": form, "resend_form": ResendForm()})
    form = TrackForm(request.POST)
    try:
        hit("track_ip", client_network(request))
    except RateLimited as exc:
        return _rate_limited(request, exc, tracking=True)
    if not form.is_valid():
        return render(request, "resident/track.html", {"form": form, "resend_form": ResendForm()}, status=400)
    try:
        phone = lookup_phone(form.cleaned_data["phone"])
    except FieldError:
        return _not_found(request, form=form)
    issue = Issue.objects.filter(tracking_code=form.cleaned_data["code"]).first()
    role = _role_of_phone(issue, phone) if issue else None
    if role is None:
        return _not_found(request, form=form)
    _remember(request, issue, role)
    return redirect("resident:track_detail", code=issue.tracking_code)


@never_cache
@require_safe
def track_link(request, token: str):
    """GET /track/t/<token>/: the signed link from the SMS; shows the issue here and remembers it.

    The page is the one /track/<code>/ shows (``_detail``), answered at the
    link itself, so a browser that keeps no cookies (a privacy mode, an
    app's built-in viewer) still sees its issue; the proofs cookie is set
    too, so /track/<code>/ opens it later in a browser that keeps it.
    An expired one (TRACK_MAX_AGE) gets the tracking form saying so, 410.
    A forged or altered token, or one whose phone is no longer the
    reporter's or a follower's, gets the 404 tracking form saying the link
    does not open (``_not_found(link=True)``) and counts against the
    per-IP tracking limit (429 over it). A good link does not count: it
    cannot be guessed, and residents behind a carrier's shared address
    would otherwise use up each other's lookups.
    """
    found = read_token(token, TRACK_SALT, TRACK_MAX_AGE)
    issue = _detail_issues().filter(pk=found[0]).first() if found else None
    phone, role = _phone_from_hash(issue, found[1]) if issue else (None, None)
    if role is None:
        if found is None and links.expired(token, TRACK_SALT, TRACK_MAX_AGE):
            return _ask_phone(request, "", expired=True)  # signed here, so not a guess: not counted
        try:
            hit("track_ip", client_network(request))
        except RateLimited as exc:
            return _rate_limited(request, exc)
        return _not_found(request, link=True)
    _remember(request, issue, role)
    return _detail(request, issue, role)


def _detail_issues():
    """Issues with what the tracking page reads of them in the same query."""
    return Issue.objects.select_related("category", "district", "lead_unit", "duplicate_of")


@never_cache
@require_safe
def track_detail(request, code: str):
    """GET /track/<code>/: the issue for a browser that proved it is the reporter or a follower.

    Shows the status in plain words, the four phases as a progress bar, the
    three deadlines, the handling unit's name (and 24-hour line) and the public timeline
    (a note only where it was written for residents, RESIDENT_NOTE_KINDS;
    ratings without their comments). The reporter
    also sees the description, the address and their photos, and, while the
    issue awaits rating, a landline reporter gets a link to rate it (no SMS
    reaches a landline); a follower
    sees only what public surfaces show (category, district, 小区, status).
    A browser that has not proved it (a bookmark, a shared address, proofs
    expired) gets the tracking form with this code filled in, asking for the
    phone (``_ask_phone``, the same for any code, 404).
    """
    issue = _detail_issues().filter(tracking_code=code).first()
    role = _tracked_role(request, issue.pk) if issue else None
    if role is None:
        return _ask_phone(request, code)
    return _detail(request, issue, role)


def _detail(request, issue: Issue, role: str):
    """The tracking page of ``issue`` for ``role`` ("reporter" or "follower"), 200 (see track_detail)."""
    status = Status(issue.status)
    words = FOLLOWER_STATUS_WORDS.get(status, STATUS_WORDS[status]) if role == "follower" else STATUS_WORDS[status]
    landline_reporter = role == "reporter" and not is_mobile(issue.reporter_phone)
    can_rate = False
    current = PHASE_OF_STATUS[status]
    returned = status == Status.NEW and issue.first_assigned_at is not None
    deciding = issue.awaiting_decision  # rated; the supervisor's turn
    if returned:
        words = RETURNED_WORDS
    elif status == Status.IN_PROGRESS and issue.resolution_round > 1:
        words = REWORK_WORDS[role]
    if deciding:
        # The supervisor's turn, not the rating's (no SMS reaches a landline reporter).
        words, current = DECISION_WORDS["landline" if landline_reporter else role], Phase.SUPERVISED
    elif issue.status == Status.AWAITING_RATING:
        # The SMS link is named only to whom it went: a mobile reporter; a landline reporter rates here.
        if role == "reporter" and Rating.objects.filter(issue=issue, round=issue.resolution_round,
                                                        follower__isnull=True).exists():
            words = gettext_noop("已收到您对本轮办理结果的评价，谢谢。")
        elif landline_reporter:
            words, can_rate = gettext_noop("已处理完毕，请您评价办理结果。"), True
        elif role == "follower":
            # Spoken to this follower, who may have rated already (the page does not know which follower
            # reads it): not "followers" in the third person (breaker).
            # A landline gets no SMS: it was told to wait for one (breaker).
            words = gettext_noop("已处理完毕，正在请群众评价。您留的是手机号码的，会收到评价短信，请用短信里的链接评价；"
                                 "留的是固定电话的，收不到短信，对办理结果有意见可以拨打12345热线反映；"
                                 "已经评价过的，无需再评价，谢谢。")
    index = PHASES.index(current)
    closed = issue.status == Status.CLOSED  # every phase done, none under way
    phases = [{"label": p.label, "done": i < index or closed or (deciding and p == Phase.RATED),
               "current": i == index and not closed}
              for i, p in enumerate(PHASES)]
    events = []
    for e in issue.events.filter(public=True).select_related("actor", "actor__unit").prefetch_related("attachments"):
        hide_note = e.kind not in RESIDENT_NOTE_KINDS
        shown_photos = [a for a in e.attachments.all() if role == "reporter" or e.kind != EventKind.SUBMITTED]
        for a in shown_photos:  # addresses that open without the proofs cookie (a page shown at an SMS link)
            a.shown_url = f"{reverse('resident:attachment', args=[a.pk])}?t={links.photo_token(a.pk)}"
        kind, to_status = e.get_kind_display(), e.get_to_status_display() if e.to_status else ""
        if e.kind == EventKind.RATED and (e.data or {}).get("needs_decision"):
            to_status = _("待督查裁定")  # the status stayed 待回访, but no rating is awaited (Issue.shown_status)
        events.append({"at": e.at, "kind": kind, "who": e.public_actor(),
                       # a unit's or a system's own name is Chinese on English pages too
                       "who_is_name": bool(e.actor_client_id or (e.actor_id and e.actor.unit_id)),
                       "note": "" if hide_note else shown_note(e.note), "photos": shown_photos,
                       # "交办 → 已交办", "Assigned → Assigned" say nothing: the status only where it adds a word
                       "to_status": "" if kind.casefold() in to_status.casefold() else to_status})
    return render(request, "resident/track_detail.html", {
        "issue": issue,
        "role": role,
        "category_name": issue.category.shown_name,
        "district_name": issue.district.shown_name,
        "status_words": _(words),
        "public_reason": shown_note(issue.public_reason),
        "phases": phases,
        "show_phases": issue.status not in (Status.REJECTED, Status.MERGED),
        "events": events,
        "open": issue.is_open,
        # Dispatched once and returned by its unit: waiting for a new dispatch, and so for a new claim.
        "returned": returned,
        # A landline reporter may rate here, having no SMS link (a mobile's link proves the phone is
        # theirs; the code and the number are less of a proof, so only where there is no other way).
        "rate_url": reverse("resident:rate", args=[rating_token(issue, issue.reporter_phone)])
        if can_rate else "",
    })


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def resend(request):
    """POST /track/resend/: "lost your code?" — SMS the codes of that phone's open issues.

    The answer is the same whether or not the phone has open issues (no
    enumeration). Per-phone resend limit and per-IP tracking limit → 429.
    An unparseable phone, or a landline (no SMS reaches it: call 12345), →
    the form again with the message, 400, counted by neither limit. GET (a
    refresh, a bookmark, the language switch after the POST) goes to
    /track/, where the form is.
    """
    if request.method in SAFE_METHODS:
        return redirect("resident:track")
    form = ResendForm(request.POST)
    context = {"form": TrackForm(), "resend_form": form}
    if not form.is_valid():
        return render(request, "resident/track.html", context, status=400)
    try:
        phone = normalize_phone(form.cleaned_data["phone"])
    except FieldError as exc:
        form.add_error("phone", str(exc))
        return render(request, "resident/track.html", context, status=400)
    if not is_mobile(phone):
        # No SMS reaches a landline: said at the field, uncounted ("sent to that number" misled; breaker).
        form.add_error("phone", _("固定电话收不到短信，编号无法发送。请拨打12345热线，凭电话号码查询受理编号。"))
        return render(request, "resident/track.html", {**context, "landline": True}, status=400)
    try:
        hit("track_ip", client_network(request))
        hit("resend_phone", phone)
    except RateLimited as exc:
        return _rate_limited(request, exc, tracking=True)
    resend_codes(phone, request_id=uuid.uuid4().hex)
    return _message(request, _("已处理您的请求"),
                    _("如果该号码反映或关注的诉求还在办理中或待评价，受理编号已通过短信发送到该号码，请注意查收；待评价的，评价链接也一并重新发送。"))


# --------------------------------------------------------------------------
# Rating
# --------------------------------------------------------------------------


NOT_AWAITING_RATING = gettext_noop("该诉求目前不在待评价状态，无需评价。")  # the rating page, before or after a race


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, token: str):
    """GET/POST /rate/<token>/: the revisit page linked from the SMS.

    The token names the issue and a hash of the phone it was sent to; the
    phone is found among the reporter and followers. GET only shows the
    page (never uses the token up). POST rates through ``issue_rate`` as
    ``Actor.resident(phone)``: the reporter's rating moves the issue
    (dissatisfied → rework), a follower's is recorded only. A POST from
    someone who already rated with this link's round (a double tap, a page
    sent again), while that round is current or within two minutes of the
    rating, gets the thanks page for that rating, 200. GET after
    rating → "already rated". Not awaiting a rating → a clear message
    (409 to a POST). A link sent for an earlier resolution round (the
    issue was reworked since) rates nothing: the page says where the issue
    is now — closed, or its newer link already sent, or to come (409 to a
    POST). A reporter's link after the revisit agent recorded the round's
    rating by phone says so and keeps nothing (409 to a POST). A link older
    than 30 days (RATE_MAX_AGE) → "expired", 410; a forged or altered one →
    404, the tracking form saying the link does not open. A POST by someone
    who rated this round already with other answers (a second tab, an old
    page) keeps nothing: 409, the page naming their first rating. The
    thanks page says what the rating did (``rating_outcome``).
    """
    found = read_token_round(token, RATE_SALT, RATE_MAX_AGE)
    issue = (Issue.objects.select_related("category", "district", "lead_unit").filter(pk=found[0]).first()
             if found else None)
    phone, role = _phone_from_hash(issue, found[1]) if issue else (None, None)
    if role is None:
        if found is None and links.expired(token, RATE_SALT, RATE_MAX_AGE):
            return _message(request, _("评价链接已过期"), _(
                "这个评价链接发出已超过30天，不能再评价了。凭受理编号和电话号码仍可查询办理进度；"
                "对办理结果有意见，请拨打12345热线。"), status=410)
        return _not_found(request, link=True)
    _remember(request, issue, role)
    follower = issue.followers.filter(phone=phone).first() if role == "follower" else None
    # The round the link was sent for (a link from before rounds were named: the current one).
    link_round = found[2] if found[2] is not None else issue.resolution_round
    mine = _rating_by(issue, follower, link_round)
    # The revisit agent recorded this round's rating on the phone: the reporter has no rating of their own
    # to be thanked for, and what they send now is not kept (breaker: it was thanked and dropped).
    by_agent = mine is not None and mine.rater_kind == RaterKind.AGENT
    # A follower rates the round their link was sent for, even once the reporter's rating moved the issue on.
    late_follower = (role == "follower" and mine is None and round_resolved(issue, link_round)
                     and (link_round != issue.resolution_round or issue.status != Status.AWAITING_RATING))
    context = {"issue": issue, "role": role, "category_name": issue.category.shown_name,
               "result": _result_of(issue, link_round), "errors": {}, "limits": LIMITS,
               "moved_on": _moved_on_words(issue) if late_follower else ""}
    if mine is not None and not by_agent and request.method == "POST" and (
            link_round == issue.resolution_round or timezone.now() - mine.created_at < _DOUBLE_TAP):
        # Rated already with this link, in this round or a moment ago: a double tap, or the page sent
        # again, is thanked as the first copy was (its rating may have closed the issue or started a
        # rework); other answers (another tab, an old page) are told they were not kept (breaker).
        return _rated_before(request, issue, mine, role, context)
    context["reworks_left"] = reworks_left(issue)
    if link_round != issue.resolution_round and not late_follower:
        rated_now = _rating_by(issue, follower, issue.resolution_round) is not None
        context["closed_reason"] = _earlier_round_words(issue, rated_link=mine is not None and not by_agent,
                                                        rated_now=rated_now)
        return render(request, "resident/rate.html", context, status=409 if request.method == "POST" else 200)
    if by_agent:
        if request.method == "POST":
            context["closed_reason"] = _(AGENT_RATED)
            return render(request, "resident/rate.html", context, status=409)
        context["closed_reason"] = _(AGENT_RATED_BEFORE)  # nothing typed yet: nothing to say was not kept
        return render(request, "resident/rate.html", context)
    if mine is not None:
        context["closed_reason"] = _("您已评价过本轮办理结果，感谢您的反馈。")
        return render(request, "resident/rate.html", context)
    if issue.status != Status.AWAITING_RATING and not late_follower:
        context["closed_reason"] = _not_awaiting_words(issue)
        return render(request, "resident/rate.html", context, status=409 if request.method == "POST" else 200)
    form = RateForm(request.POST if request.method == "POST" else None)
    context["form"] = form
    if request.method in SAFE_METHODS:
        return render(request, "resident/rate.html", context)
    form.is_valid()  # a choice left out goes on as None/"": issue_rate names every mistake at once, the comment's too
    data = form.cleaned_data
    try:
        rating = issue_rate(issue=issue, actor=Actor.resident(phone), resolved=data.get("resolved"),
                            satisfaction=data.get("satisfaction", ""), comment=data.get("comment", ""),
                            round=link_round if role == "follower" else None)
    except Invalid as exc:
        context["errors"] = exc.fields
        return render(request, "resident/rate.html", context, status=400)
    except Conflict as exc:
        mine = _rating_by(issue, follower, link_round)
        if mine is not None and mine.rater_kind == RaterKind.AGENT:  # the agent's phone record won the race
            issue.refresh_from_db()
            context["closed_reason"] = _(AGENT_RATED)
            context.pop("form")
            return render(request, "resident/rate.html", context, status=409)
        if mine is not None:  # the same person's other copy (a double tap, another tab) won the race
            issue.refresh_from_db()
            context.pop("form")
            return _rated_before(request, issue, mine, role, context)
        # Someone else's rating moved the issue a moment ago (the reporter's closed it, or began a rework):
        # the words a link opened just after would give, not the workflow's staff wording (breaker).
        issue.refresh_from_db()
        if link_round != issue.resolution_round:
            context["closed_reason"] = _earlier_round_words(
                issue, rated_link=False, rated_now=_rating_by(issue, follower, issue.resolution_round) is not None)
        elif issue.status != Status.AWAITING_RATING:
            context["closed_reason"] = _not_awaiting_words(issue)
        else:
            context["closed_reason"] = exc.message
        context.pop("form")
        return render(request, "resident/rate.html", context, status=409)
    issue.refresh_from_db()
    return _thanks(request, issue, rating, role)


def _not_awaiting_words(issue: Issue) -> str:
    # Why a rating link rates nothing now. Closed at the end of the rating window, it said only "not awaiting a
    # rating, none needed": the SMS named no window, and the resident had no way forward (breaker).
    closed_by = (issue.events.filter(to_status=Status.CLOSED).order_by("-at", "-id").values_list("kind", flat=True)
                 .first() if issue.status == Status.CLOSED else None)
    if closed_by == EventKind.CLOSED_OUT:
        return _("回访期（%(days)s天）内没有收到评价，这件诉求已按规定自动办结销号，不能再评价了。"
                 "问题仍然存在的，请重新提交诉求，或拨打12345热线。") % {"days": settings.ZY_REVISIT_WINDOW_DAYS}
    return _(NOT_AWAITING_RATING)


def _rated_before(request, issue: Issue, rating: Rating, role: str, context: dict):
    # A rating POSTed by whoever gave ``rating`` already: its thanks page again when it sends the same
    # answers (a double tap, the page sent again), else the rate page saying these answers were not kept
    # and what the first one said, 409 (a second tab, an old page: it was thanked and dropped; breaker).
    if _same_answers(request.POST, rating):
        return _thanks(request, issue, rating, role)
    context["closed_reason"] = _("您已评价过本轮办理结果（%(satisfaction)s），这次填写的内容没有保存。"
                                 "对办理结果有不同意见，请拨打12345热线。") % {
        "satisfaction": rating.get_satisfaction_display()}
    return render(request, "resident/rate.html", context, status=409)


def _same_answers(post, rating: Rating) -> bool:
    # Whether the rate form in ``post`` gives ``rating``'s answers: resolved, satisfaction and the comment as
    # issue_rate keeps it (trimmed, NFC). A form that would not pass gives other answers.
    form = RateForm(post)
    if not form.is_valid():
        return False
    try:
        comment = clean_text(form.cleaned_data["comment"], max_length=REASON_MAX, required=False)
    except FieldError:
        return False
    return (form.cleaned_data["resolved"] == rating.resolved
            and form.cleaned_data["satisfaction"] == rating.satisfaction and comment == rating.comment)


def _thanks(request, issue: Issue, rating: Rating, role: str):
    """The thanks page for ``rating`` (200): what that rating did, said from ``rating_outcome``, not from where
    the issue is now (a page sent again after a return or a new fix said "the supervisor will decide"; breaker).
    A rework's new deadline is named while the issue is still in the round that rating began. A rating
    that says the problem is not solved, on an issue closed by it or before it (a follower's), also says
    what to do: file it again or call 12345 (it read "办结销号" and no more; breaker)."""
    outcome = rating_outcome(rating)
    show_due = (outcome == "rework" and issue.resolution_round == rating.round + 1
                and issue.status in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED))
    still_broken = not rating.resolved and (outcome == "closed" or issue.status == Status.CLOSED)
    return render(request, "resident/rate_done.html",
                  {"issue": issue, "rating": rating, "role": role, "outcome": outcome, "show_due": show_due,
                   "still_broken": still_broken})


def _result_of(issue: Issue, round: int) -> str:
    # The public result note of resolution ``round`` (the latest resolution's when none names that round).
    resolved = list(issue.events.filter(kind=EventKind.RESOLVED, public=True).order_by("-at", "-id"))
    found = next((e for e in resolved if (e.data or {}).get("round") == round), resolved[0] if resolved else None)
    return found.note if found else ""


def _moved_on_words(issue: Issue) -> str:
    # What a follower rating a round the issue has moved on from is told of where it is now (closed by a rating,
    # a decision or the revisit window's end; or handled again after one).
    if issue.status == Status.CLOSED:
        return _("这件诉求已办结销号。您的评价仍会记录，并反馈给承办单位。")
    return _("问题已重新办理。您对上一轮办理结果的评价仍会记录，并反馈给承办单位。")


def _rating_by(issue: Issue, follower, round: int) -> Rating | None:
    # The rating of ``round`` by ``follower`` (a Follower), or by the reporter (or an agent for them) when None.
    found = issue.ratings.filter(round=round)
    found = found.filter(follower=follower) if follower else found.filter(follower__isnull=True)
    return found.order_by("id").first()


AGENT_RATED_BEFORE = gettext_noop("回访员已通过电话回访记录了本轮办理结果的评价，无需再评价。"
                                   "对办理结果有不同意见，请拨打12345热线。")
AGENT_RATED = gettext_noop("回访员已通过电话回访记录了本轮办理结果的评价，这里填写的内容没有保存。"
                            "对办理结果有不同意见，请拨打12345热线。")
_DOUBLE_TAP = timedelta(minutes=2)  # a second copy of a rating within this is thanked, even after a rework began


def _earlier_round_words(issue: Issue, rated_link: bool, rated_now: bool) -> str:
    # What a rating link of an earlier resolution round says: whether its reader rated with it
    # (``rated_link``), then where the issue is now (``rated_now``: they rated the current round too).
    first = _("您已评价过这一轮办理结果。") if rated_link else _("这个评价链接是上一轮办理结果的。")
    if issue.status == Status.CLOSED:
        then = _("这件诉求现已办结销号，无需再评价。")
    elif issue.status == Status.AWAITING_RATING and rated_now:
        then = _("最新一轮办理结果您已评价，感谢您的反馈。")
    elif issue.status == Status.AWAITING_RATING:
        then = _("问题已重新办理，新的办理结果已用短信发送，请用最新短信里的链接评价。")
    else:
        then = _("问题已重新办理，新的结果办好后会再发短信请您评价，请用新短信里的链接。")
    return first + then


# --------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------


@never_cache
@require_safe
def attachment(request, attachment_id: int):
    """GET /attachments/<id>/: one photo, only for those who may see it.

    Staff: the issue must be in ``accounts.scope.visible_issues``. A
    resident: the issue must be tracked in this browser (issues.proofs) — the reporter sees
    every public photo, a follower only those of public events after the
    filing (e.g. the fix); or ``?t=`` carries the photo's token from the
    tracking page that showed it (links.photo_token, a day), for a browser
    that keeps no cookies. Otherwise 404. Sent inline as image/jpeg,
    private, not sniffable.
    """
    att = (Attachment.objects.select_related("event").filter(pk=attachment_id).first()
           if _small_id(attachment_id) is not None else None)
    if att is None:
        raise Http404
    allowed = False
    if request.user.is_authenticated:
        allowed = visible_issues(request.user).filter(pk=att.issue_id).exists()
    public = att.event is None or att.event.public
    if not allowed and public and links.photo_token_ok(request.GET.get("t", ""), att.pk):
        allowed = True  # its address on a tracking page shown to its reporter or follower (links.photo_token)
    if not allowed:
        role = _tracked_role(request, att.issue_id)
        if role == "reporter" and public:
            allowed = True
        elif role == "follower" and public and att.event is not None and att.event.kind != EventKind.SUBMITTED:
            allowed = True
    if not allowed:
        raise Http404
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=att.content_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="photo-{att.pk}.jpg"'
    return response

