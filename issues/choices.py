"""Named constants of the domain: utilities, priorities, statuses and their groups.

The status table is DESIGN.md's "Statuses and transitions"; every page, the
API and Open311 read it from here. Never compare a status with a bare string.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Utility(models.TextChoices):
    """The four city lifelines (水电气暖)."""

    WATER = "water", _("供水")
    POWER = "power", _("供电")
    GAS = "gas", _("供气")
    HEAT = "heat", _("供暖")


class Priority(models.TextChoices):
    """Category priority; selects the DeadlineRule (DESIGN.md, Deadlines)."""

    EMERGENCY = "emergency", _("紧急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("一般")


class Status(models.TextChoices):
    """Issue status; see OPEN, TERMINAL, PHASE and OPEN311 below."""

    NEW = "new", _("待分派")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    PLANNED = "planned", _("限期整改")
    RESOLVED = "resolved", _("待核查")
    AWAITING_RATING = "awaiting_rating", _("待回访")
    CLOSED = "closed", _("已销号")
    REJECTED = "rejected", _("不予受理")  # not "已退回": a unit's return (退单) is another thing
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED, Status.RESOLVED, Status.AWAITING_RATING}
)
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.MERGED})
# Statuses in which the lead unit is still expected to fix the issue.
WORKING_STATUSES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED})


class Phase(models.TextChoices):
    """The four phases of the closed loop (全周期闭环管理)."""

    COLLECTED = "collected", _("问题汇集")
    ASSIGNED = "assigned", _("分流交办")
    SUPERVISED = "supervised", _("督查研判")
    RATED = "rated", _("回访评价")


PHASE_OF_STATUS = {
    Status.NEW: Phase.COLLECTED,
    Status.REJECTED: Phase.COLLECTED,
    Status.MERGED: Phase.COLLECTED,
    Status.ASSIGNED: Phase.ASSIGNED,
    Status.IN_PROGRESS: Phase.ASSIGNED,
    Status.PLANNED: Phase.SUPERVISED,
    Status.RESOLVED: Phase.SUPERVISED,
    Status.AWAITING_RATING: Phase.RATED,
    Status.CLOSED: Phase.RATED,
}

# Open311 GeoReport v2 has two statuses.
OPEN311_STATUS = {s: ("closed" if s in TERMINAL_STATUSES else "open") for s in Status}


class Channel(models.TextChoices):
    """How an issue reached the city."""

    WEB = "web", _("网页")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    HOTLINE = "hotline", _("热线")


class Role(models.TextChoices):
    """Staff roles (DESIGN.md, Users and what each sees)."""

    DISPATCHER = "dispatcher", _("分派员")
    UNIT_STAFF = "unit_staff", _("责任单位")
    SUPERVISOR = "supervisor", _("督查")
    REVISIT_AGENT = "revisit_agent", _("回访员")
    MAYOR = "mayor", _("市长办公室")
    ADMIN = "admin", _("系统管理员")


# Roles that may read every issue.
SEE_ALL_ROLES = frozenset({Role.DISPATCHER, Role.REVISIT_AGENT, Role.MAYOR, Role.ADMIN})


class SupervisionLevel(models.TextChoices):
    """Level of a supervision order (督办)."""

    NONE = "", _("无")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


class Satisfaction(models.TextChoices):
    """A resident's answer on the rating page."""

    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class RaterKind(models.TextChoices):
    """Who gave a rating."""

    REPORTER = "reporter", _("报告人")
    AGENT = "agent", _("回访员代录")
    FOLLOWER = "follower", _("关注人")


class Decision(models.TextChoices):
    """State of a request a supervisor decides (extension, plan)."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")
    # Left undecided when the issue was returned by its unit or went back for rework: that request was
    # for another unit or round, and approving it later would set a deadline nobody asked for.
    WITHDRAWN = "withdrawn", _("已失效")


class AppealDecision(models.TextChoices):
    """Outcome of an appeal against a dissatisfied rating."""

    PENDING = "pending", _("待裁定")
    UPHELD = "upheld", _("维持评价")
    EXCLUDED = "excluded", _("不计入考核")


class ClockUnit(models.TextChoices):
    """How a DeadlineRule window is counted (DESIGN.md, Deadlines)."""

    CALENDAR_MINUTES = "calendar_minutes", _("自然分钟")
    WORKING_MINUTES = "working_minutes", _("工作分钟")
    WORKING_DAYS = "working_days", _("工作日")


class EventKind(models.TextChoices):
    """Kinds of IssueEvent: one per transition, plus audit events."""

    SUBMITTED = "submitted", pgettext_lazy("event", "提交")  # "Submitted", not the button's "Submit"
    ASSIGNED = "assigned", _("交办")
    CLAIMED = "claimed", _("认领")
    RETURNED = "returned", _("退单")
    NOTE = "note", _("进展")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    PLAN_FILED = "plan_filed", _("提交整改计划")
    PLAN_DECIDED = "plan_decided", _("整改计划审批")
    PLAN_PROGRESS = "plan_progress", _("整改进展")
    RESOLVED = "resolved", _("办结")
    VERIFIED = "verified", _("核查通过")
    SENT_BACK = "sent_back", _("核查退回")
    RATED = "rated", _("评价")
    LIMIT_DECIDED = "limit_decided", _("重办上限裁定")
    APPEALED = "appealed", _("申诉")
    APPEAL_DECIDED = "appeal_decided", _("申诉裁定")
    CLOSED_OUT = "closed_out", _("销号")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("合并")
    SUPERVISED = "supervised", _("督办")
    FOLLOWED = "followed", _("关注")
    DEADLINES_RECOMPUTED = "deadlines_recomputed", _("时限重算")
    PHONE_REVEALED = "phone_revealed", _("查看号码")
    ESCALATED = "escalated", _("超时升级")
    DEIDENTIFIED = "deidentified", _("个人信息去标识化")


# The events whose note is written for residents: a reason for refusing or merging (the staff form
# says 群众可见), a progress note staff marked 群众可见, the 办理结果, the system's close-out words.
# Every other note (交办意见, plan, extension and verification decisions, plan progress) is for
# staff: /track/ and Open311's status_notes show the event without it.
RESIDENT_NOTE_KINDS = frozenset({EventKind.REJECTED, EventKind.MERGED, EventKind.NOTE, EventKind.RESOLVED,
                                 EventKind.CLOSED_OUT})
