"""The staff workbenches in a real browser: Debian's headless Chromium driven by Playwright.

One issue goes round the loop through the pages, each person logging in on
the login page: a dispatcher assigns it with a co-handling unit; the lead unit
claims it, adds progress and asks for an extension; the co-handler adds a
note; the supervisor approves the extension and issues a red order; the unit
resolves it; the supervisor verifies the fix; a revisit agent records the
resident's rating. Screenshots go to ``screenshots/`` (gitignored).

Never downloads a browser: ``executable_path`` is /usr/bin/chromium.
"""

from __future__ import annotations

import os

import pytest

from issues.choices import EventKind, Status
from issues.models import Issue, RoutingRule
from issues.workflow import Actor, issue_submit
from tests.support.browser import DESKTOP, PHONE, shot

from playwright.sync_api import expect  # noqa: E402  (pinned in requirements-dev.txt)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("locmem_cache")]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "x-test-password-123"


def login(browser, live_server, username: str, **context):
    page = browser.new_context(**(context or DESKTOP)).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "工作人员登录"
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-button")
    page.wait_for_load_state()
    return page


def test_the_loop_through_the_workbenches(transactional_db, live_server, browser, world):
    RoutingRule.objects.create(utility="heat", district=world.ganzhou, unit=world.heat_gz)
    issue = issue_submit(actor=Actor.resident(world.phone), category=world.heat_cold, district=world.ganzhou,
                         community="南关小区", building="3", unit_no="2", room="501",
                         description="暖气片冰凉，室内只有12度", reporter_phone=world.phone, reporter_name="王女士")
    emergency = issue_submit(actor=Actor.resident("+8613900000009"), category=world.gas_leak,
                             district=world.ganzhou, community="北街小区", description="楼道有燃气味",
                             reporter_phone="+8613900000009")

    # 1. The dispatcher: emergencies on top; assign ours with a co-handling unit, in place.
    disp = login(browser, live_server, "dispatcher")
    assert disp.url.endswith("/work/dispatch/")
    cards = disp.locator(".row-card .code")
    assert cards.nth(0).inner_text() == emergency.tracking_code
    row = disp.locator(f"#row-{issue.pk}")
    assert "交办给 甘州区供热公司" in row.inner_text()
    shot(disp, "staff-dispatch-1280.png")
    row.locator("summary", has_text="选择单位 / 协办").click()
    row.locator("select[name=lead_unit]").select_option(str(world.heat_gz.pk))
    row.locator(f"input[name=co_units][value='{world.water_gz.pk}']").check()
    row.get_by_role("button", name="交办", exact=True).click()
    disp.locator(f"#row-{issue.pk} .flash-ok").wait_for()
    assert "已交办" in disp.locator(f"#row-{issue.pk}").inner_text()
    issue.refresh_from_db()
    assert issue.status == Status.ASSIGNED and list(issue.co_units.all()) == [world.water_gz]

    # 2. The lead unit claims from its queue (in place), adds progress, asks for more time.
    unit = login(browser, live_server, "heat_staff")
    assert unit.url.endswith("/work/queue/")
    shot(unit, "staff-queue-1280.png")
    unit.locator(f"#row-{issue.pk} button.claim").click()
    unit.locator(f"#row-{issue.pk} .flash-ok").wait_for()
    assert "已认领" in unit.locator(f"#row-{issue.pk}").inner_text()
    unit.locator(f"#row-{issue.pk} a", has_text="办理").click()
    unit.wait_for_url(f"**/work/issues/{issue.pk}/")
    assert "138****0000" in unit.locator("#phone").inner_text()
    unit.fill("#id_note", "已到现场，排查二次管网阀门")
    unit.click("#note-button")
    expect(unit.locator("#flash")).to_contain_text("进展已记录")
    unit.locator("#extension summary").click()
    unit.fill("#id_ext_reason", "需更换换热站循环泵，配件三天后到货")
    unit.fill("#id_requested_due", "2026-12-20T18:00")
    unit.click("#extension-button")
    expect(unit.locator("#flash")).to_contain_text("延期申请已提交")

    # 3. The co-handling unit adds a note (and may do nothing else).
    co = login(browser, live_server, "water_staff")
    co.goto(f"{live_server.url}/work/issues/{issue.pk}/")
    assert co.locator("#resolve").count() == 0 and co.locator("#claim-button").count() == 0
    co.fill("#id_note", "已配合关闭上游供水阀门")
    co.click("#note-button")
    expect(co.locator("#timeline")).to_contain_text("已配合关闭上游供水阀门")

    # 4. The supervisor approves the extension and issues a red order.
    sup = login(browser, live_server, "supervisor")
    sup.goto(f"{live_server.url}/work/supervise/?tab=extensions")
    assert issue.tracking_code in sup.locator("#rows").inner_text()
    shot(sup, "staff-supervise-1280.png")
    sup.locator(f"#row-{issue.pk} a", has_text="处理").click()
    sup.wait_for_url(f"**/work/issues/{issue.pk}/")
    sup.click("#approve-extension")
    expect(sup.locator("#flash")).to_contain_text("已批准延期")
    assert sup.locator("#resolution-due").inner_text() == "2026-12-20 18:00"
    sup.locator("#supervise summary").click()
    sup.get_by_label("红牌督办").check()
    sup.fill("#id_instruction", "三日内恢复供热，每日报告进展")
    sup.fill("#id_due_at", "2026-12-31T18:00")
    sup.click("#supervise-button")
    expect(sup.locator("#supervision")).to_have_text("红牌督办")
    shot(sup, "staff-issue-supervisor-1280.png")

    # 5. The unit resolves it; under a supervision order the fix must be verified.
    unit.goto(f"{live_server.url}/work/issues/{issue.pk}/")
    unit.locator("#resolve summary").click()
    unit.fill("#id_result", "已更换循环泵，室温恢复到20度")
    unit.click("#resolve-button")
    expect(unit.locator("#status")).to_have_text("待核查")
    shot(unit, "staff-issue-unit-1280.png")

    # 6. The supervisor verifies the fix from the supervision list, in place.
    sup.goto(f"{live_server.url}/work/supervise/?tab=verify")
    sup.locator(f"#row-{issue.pk} button.verify").click()
    sup.locator(f"#row-{issue.pk} .flash-ok").wait_for()
    issue.refresh_from_db()
    assert issue.status == Status.AWAITING_RATING

    # 7. The revisit agent calls the resident and records the answers.
    agent = login(browser, live_server, "revisit")
    assert agent.url.endswith("/work/revisit/")
    row = agent.locator(f"#row-{issue.pk}")
    assert "138****0000" in row.inner_text()
    shot(agent, "staff-revisit-1280.png")
    row.get_by_label("已解决").check()
    row.get_by_label("基本满意").check()
    row.locator("input[name=comment]").fill("修好了，就是等得有点久")
    row.locator("button.record-rating").click()
    agent.locator(f"#row-{issue.pk} .flash-ok").wait_for()
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    kinds = list(issue.events.values_list("kind", flat=True))
    for kind in (EventKind.ASSIGNED, EventKind.CLAIMED, EventKind.NOTE, EventKind.EXTENSION_DECIDED,
                 EventKind.SUPERVISED, EventKind.RESOLVED, EventKind.VERIFIED, EventKind.RATED):
        assert kind in kinds

    # The full timeline, internal events included, as the supervisor sees it.
    sup.goto(f"{live_server.url}/work/issues/{issue.pk}/")
    timeline = sup.locator("#timeline").inner_text()
    assert "申请延期" in timeline and "督办" in timeline and "内部" in timeline
    shot(sup, "staff-issue-timeline-1280.png")


def test_queue_and_issue_page_fit_a_phone(transactional_db, live_server, browser, world):
    from issues.workflow import issue_assign

    issue = issue_submit(actor=Actor.resident(world.phone), category=world.heat_cold, district=world.ganzhou,
                         community="南关小区", description="暖气不热", reporter_phone=world.phone)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, co_units=[world.water_gz])
    page = login(browser, live_server, "heat_staff", **PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "staff-queue-360.png")
    page.goto(f"{live_server.url}/work/issues/{issue.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "staff-issue-360.png")
    # Logging out ends the session: the queue asks for a login again.
    page.click("#logout-button")
    page.wait_for_url("**/accounts/login/")
    page.goto(f"{live_server.url}/work/queue/")
    assert "/accounts/login/" in page.url
    assert Issue.objects.get(pk=issue.pk).status == Status.ASSIGNED


def test_enter_in_a_decision_note_decides_nothing(transactional_db, live_server, browser, world):
    # Enter in the verify note "clicked" 核查通过, the form's first button, though the note asked to
    # send it back (breaker); it now does nothing, and only a click on a button decides.
    from issues.workflow import issue_assign, issue_claim, issue_resolve

    issue = issue_submit(actor=Actor.resident(world.phone), category=world.gas_leak, district=world.ganzhou,
                         community="北街小区", description="楼道有燃气味", reporter_phone=world.phone)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.gas_gz)
    issue_claim(issue=issue, actor=Actor.of(world.gas_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.gas_staff), result="已关阀检修")
    issue.refresh_from_db()
    assert issue.status == Status.RESOLVED  # a gas leak needs verification
    sup = login(browser, live_server, "supervisor")
    sup.goto(f"{live_server.url}/work/issues/{issue.pk}/")
    note = sup.locator("#verify input[name=note]")
    note.fill("没修好，请退回重新办理")
    posts = []
    sup.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    note.press("Enter")
    sup.wait_for_timeout(1500)
    assert posts == []  # nothing was sent
    issue.refresh_from_db()
    assert issue.status == Status.RESOLVED and note.input_value() == "没修好，请退回重新办理"
    sup.get_by_role("button", name="退回重新办理").click()
    sup.locator(".flash-ok").wait_for()
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
