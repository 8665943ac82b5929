"""Admin → 短信记录: what the stand-in gateway "sent", findable by tracking code, phones masked."""

from __future__ import annotations

import pytest

from issues.models import SmsMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def messages(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    SmsMessage.objects.create(idempotency_key="41", phone="+8613800000000",
                              body="【张掖城市生命线】您反映的“供暖不热”问题已受理，编号ZY20261130000001，我们将在2026年12月02日09:00前办结。")
    SmsMessage.objects.create(idempotency_key="42", phone="+8613900000000", body="【张掖城市生命线】您已关注诉求ZY20261130000002。")


def test_the_list_is_in_chinese_shows_the_text_and_masks_phones(client, world, messages):
    client.force_login(world.admin)
    r = client.get("/admin/issues/smsmessage/")
    assert r.status_code == 200, (r.status_code, r.get("Location"))
    html = r.content.decode()
    for heading in ("收到时间", "电话", "短信内容", "收到次数"):
        assert heading in html
    assert "138****0000" in html and "13800000000" not in html and "+8613800000000" not in html
    assert "编号ZY20261130000001" in html
    assert "Idempotency key" not in html and "Received at" not in html


def test_search_by_tracking_code_finds_its_message(client, world, messages):
    client.force_login(world.admin)
    html = client.get("/admin/issues/smsmessage/", {"q": "ZY20261130000002"}).content.decode()
    assert "您已关注诉求ZY20261130000002" in html and "ZY20261130000001" not in html


def test_the_detail_page_is_titled_and_labelled_in_chinese(client, world, messages):
    client.force_login(world.admin)
    sms = SmsMessage.objects.get(idempotency_key="41")
    html = client.get(f"/admin/issues/smsmessage/{sms.pk}/change/").content.decode()
    assert "138****0000 2026-11-30 09:00" in html and "SmsMessage object" not in html
    assert "发件箱记录" in html and "短信内容" in html and "Body:" not in html
    assert "13800000000" not in html


def test_the_admin_index_names_the_apps_and_tables_in_chinese(client, world, messages):
    # README trial: "Accounts", "Issues", "Daily sequences", "Rollup states" in the Chinese admin.
    client.force_login(world.admin)
    html = client.get("/admin/").content.decode()
    assert ">诉求办理<" in html and ">账号<" in html
    assert "受理编号计数" in html and "统计汇总进度" in html
    for english in (">Issues<", ">Accounts<", "Daily sequences", "Rollup states"):
        assert english not in html
    from issues.models import ApiClient

    ApiClient.objects.create(name="12345热线系统")
    html = client.get("/admin/issues/apiclient/").content.decode()
    assert "创建时间" in html and "Created at" not in html


def test_a_whole_phone_number_finds_the_messages_sent_to_it(client, world, messages):
    # A new user checking "did my SMS go out?" typed the phone and got nothing (README trial).
    client.force_login(world.admin)
    html = client.get("/admin/issues/smsmessage/", {"q": "138 0000 0000"}).content.decode()
    assert "编号ZY20261130000001" in html and "ZY20261130000002" not in html
