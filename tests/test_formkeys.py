"""A staff form sent twice is acted on once (issues.formkeys): a double click with JavaScript off.

Before, two identical POSTs of a progress note, a supervision order or "show
the number" each landed (breaker, with JavaScript off; htmx guards only the
browser with JavaScript).
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from issues import formkeys
from issues.choices import EventKind
from issues.workflow import Actor, issue_assign, issue_claim

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
REPEAT = "这张表单刚才已经提交过，这次没有重复保存。请看下方记录是否是您要的结果。"


def _claimed(world, issue):
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    return issue


def _key_of(html: str, action: str) -> str:
    """The form_key of the form posting to ``action`` on a staff page."""
    form = re.search(rf'<form[^>]*action="/work/issues/\d+/{action}/"(.*?)</form>', html, re.S)
    assert form, action
    return re.search(r'name="form_key" value="([0-9a-f]{32})"', form.group(1)).group(1)


def test_every_action_form_on_the_issue_page_has_its_own_key(client, world, file_issue, frozen, locmem_cache):
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    html = client.get(f"/work/issues/{issue.pk}/").content.decode()
    keys = re.findall(r'name="form_key" value="([0-9a-f]{32})"', html)
    posts = re.findall(r'<form method="post"', html)
    assert len(keys) == len(set(keys)) == len(posts) >= 4  # note, extension, resolve, return, show number…
    assert len(set(re.findall(r'name="form_key" value="([0-9a-f]{32})"',
                              client.get(f"/work/issues/{issue.pk}/").content.decode())) & set(keys)) == 0


def test_a_note_sent_twice_without_javascript_is_saved_once(client, world, file_issue, frozen, locmem_cache):
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "note")
    first = client.post(f"/work/issues/{issue.pk}/note/", {"note": "已联系住户，明早上门", "form_key": key})
    second = client.post(f"/work/issues/{issue.pk}/note/", {"note": "已联系住户，明早上门", "form_key": key})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/work/issues/{issue.pk}/"
    assert list(issue.events.filter(kind=EventKind.NOTE).values_list("note", flat=True)) == ["已联系住户，明早上门"]
    page = client.get(second["Location"]).content.decode()
    assert f"{issue.tracking_code}：{REPEAT}" in page and page.count("已联系住户，明早上门") == 1
    # A new page draws a new key: the same words sent on purpose again are a second note.
    again = _key_of(page, "note")
    assert client.post(f"/work/issues/{issue.pk}/note/", {"note": "已联系住户，明早上门", "form_key": again}).status_code == 302
    assert issue.events.filter(kind=EventKind.NOTE).count() == 2


def test_with_htmx_the_repeat_answers_in_the_panel(client, world, file_issue, frozen, locmem_cache):
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "note")
    client.post(f"/work/issues/{issue.pk}/note/", {"note": "更换阀门", "form_key": key}, **HX)
    second = client.post(f"/work/issues/{issue.pk}/note/", {"note": "更换阀门", "form_key": key}, **HX)
    html = second.content.decode()
    assert second.status_code == 200 and html.startswith('<div id="issue-panel">') and REPEAT in html
    assert issue.events.filter(kind=EventKind.NOTE).count() == 1


def test_a_refused_form_corrected_and_sent_with_the_same_key_is_saved(client, world, file_issue, frozen, locmem_cache):
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "note")
    assert client.post(f"/work/issues/{issue.pk}/note/", {"note": "\u3000", "form_key": key}).status_code == 400
    # Back in the browser to the page with the old key, the note typed in: it is acted on.
    assert client.post(f"/work/issues/{issue.pk}/note/", {"note": "已到现场", "form_key": key}).status_code == 302
    assert list(issue.events.filter(kind=EventKind.NOTE).values_list("note", flat=True)) == ["已到现场"]


def test_a_supervision_order_sent_twice_is_issued_once(client, world, file_issue, frozen, locmem_cache):
    issue = _claimed(world, file_issue())
    client.force_login(world.supervisor)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "supervise")
    data = {"level": "red", "instruction": "立即处置，今日反馈", "due_at": "2026-11-30T18:00", "form_key": key}
    assert [client.post(f"/work/issues/{issue.pk}/supervise/", data).status_code for _ in range(2)] == [302, 302]
    assert issue.events.filter(kind=EventKind.SUPERVISED).count() == 1


def test_show_number_is_never_answered_as_a_repeat(client, world, file_issue, frozen, locmem_cache):
    """Each copy goes through the workflow's checks and is audited (a repeat answer skipped both: breaker)."""
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "reveal-phone")
    answers = [client.post(f"/work/issues/{issue.pk}/reveal-phone/", {"reason": "上门前联系住户", "form_key": key})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert issue.events.filter(kind=EventKind.PHONE_REVEALED).count() == 2
    # With an empty reason the second copy is refused, as any would be.
    assert client.post(f"/work/issues/{issue.pk}/reveal-phone/", {"reason": "", "form_key": key}).status_code == 400


def test_a_key_used_up_on_one_form_is_not_a_repeat_on_another(client, world, file_issue, frozen, locmem_cache):
    """A supervisor's used key replayed on "show the number" of another issue showed the number with no check
    and no audit (breaker): the key counts only for its own action and issue."""
    issue, other = _claimed(world, file_issue()), _claimed(world, file_issue(phone="+8613900000009"))
    client.force_login(world.supervisor)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "supervise")
    data = {"level": "red", "instruction": "立即处置", "due_at": "2026-11-30T18:00", "form_key": key}
    assert client.post(f"/work/issues/{issue.pk}/supervise/", data).status_code == 302
    r = client.post(f"/work/issues/{other.pk}/reveal-phone/", {"reason": "", "form_key": key})
    assert r.status_code == 403 and "+8613900000009" not in r.content.decode()
    # The same key on the same action of another issue is a first copy too: it is issued there.
    assert client.post(f"/work/issues/{other.pk}/supervise/", data).status_code == 302
    assert [i.events.filter(kind=EventKind.SUPERVISED).count() for i in (issue, other)] == [1, 1]


def test_the_key_is_one_users(client, world, file_issue, frozen, locmem_cache):
    """Another user sending a copied form (the same key) acts as themselves."""
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    key = _key_of(client.get(f"/work/issues/{issue.pk}/").content.decode(), "note")
    client.post(f"/work/issues/{issue.pk}/note/", {"note": "甲", "form_key": key})
    other = Client()
    other.force_login(world.heat_staff2)
    assert other.post(f"/work/issues/{issue.pk}/note/", {"note": "乙", "form_key": key}).status_code == 302
    assert sorted(issue.events.filter(kind=EventKind.NOTE).values_list("note", flat=True)) == ["乙", "甲"]


@pytest.mark.parametrize("key", ["", "not-a-key", "g" * 32, "0" * 31])
def test_a_form_without_a_good_key_acts_as_before(client, world, file_issue, frozen, locmem_cache, key):
    issue = _claimed(world, file_issue())
    client.force_login(world.heat_staff)
    for _ in range(2):
        assert client.post(f"/work/issues/{issue.pk}/note/", {"note": "进展", "form_key": key}).status_code == 302
    assert issue.events.filter(kind=EventKind.NOTE).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_the_same_moment_make_one_note(world, file_issue, locmem_cache):
    issue = _claimed(world, file_issue())
    key = formkeys.new_key()
    barrier, statuses = threading.Barrier(2), []

    def send():
        c = Client()
        c.force_login(world.heat_staff)
        try:
            barrier.wait(timeout=30)
            statuses.append(c.post(f"/work/issues/{issue.pk}/note/", {"note": "抢修中", "form_key": key}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert statuses == [302, 302]
    assert issue.events.filter(kind=EventKind.NOTE).count() == 1


@pytest.mark.redis
def test_on_redis_a_key_is_taken_kept_and_given_back(redis_cache):
    key = formkeys.new_key()
    with pytest.raises(RuntimeError), formkeys.sent_once(7, key, "note:1") as once:
        assert not once.repeat
        raise RuntimeError("refused")
    with formkeys.sent_once(7, key, "note:1") as once:  # given back: acts
        assert not once.repeat
    with formkeys.sent_once(7, key, "note:1") as once:  # kept as done: a repeat
        assert once.repeat
    with formkeys.sent_once(8, key, "note:1") as once:  # another user's
        assert not once.repeat
    with formkeys.sent_once(7, key, "note:2") as once:  # another issue's
        assert not once.repeat
    client = redis_cache._cache.get_client(write=True)
    assert 3500 < client.ttl(redis_cache.make_and_validate_key(f"zy-form:7:note:1:{key}")) <= 3600


@pytest.mark.parametrize("first_fails, second_repeats", [(False, True), (True, False)])
def test_a_copy_waits_for_the_first_still_in_flight(locmem_cache, first_fails, second_repeats):
    """The second copy arrives while the first is acting: done → a repeat; refused → the copy acts itself."""
    key, inside, seen = formkeys.new_key(), threading.Event(), []

    def first():
        try:
            with formkeys.sent_once(5, key) as once:
                assert not once.repeat
                inside.set()
                time.sleep(0.3)
                if first_fails:
                    raise ValueError("refused")
        except ValueError:
            pass

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    started = time.monotonic()
    with formkeys.sent_once(5, key) as once:
        seen.append(once.repeat)
    waited = time.monotonic() - started
    thread.join(5)
    assert seen == [second_repeats] and 0.2 < waited < formkeys.WAIT
