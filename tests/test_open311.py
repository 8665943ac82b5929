"""Open311 GeoReport v2: services, filing with an api_key, reading back in JSON and XML, errors.

Time is frozen at Monday 2026-11-30 09:00 Asia/Shanghai (heating season:
a heating complaint is urgent, resolution within 48 h).
"""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from rest_framework.test import APIClient

from issues.models import Issue
from issues.workflow import Actor, issue_assign, issue_reject

from .api_support import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.usefixtures("frozen")

BASE = "/open311/v2"
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


def form(systems, **kw):
    data = {"api_key": systems.hotline.token, "service_code": "heat-not-warm", "lat": "38.932100",
            "long": "100.455600", "address_string": "南关小区", "description": "暖气不热，室温12度",
            "first_name": "芳", "last_name": "王", "phone": "13800000000", "email": "wang@example.com"}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def xml_requests(response):
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    return [{child.tag: (child.text or "") for child in request} for request in root]


@pytest.fixture
def filed(world, api, systems, frozen):
    """POST with the hotline's api_key, then the issue assigned ten minutes later."""
    r = api.post(f"{BASE}/requests.json", form(systems))
    assert r.status_code == 201, r.content
    assert r.json() == [{"service_request_id": "ZY20261130000001", "service_notice": "", "account_id": ""}]
    frozen.shift(timedelta(minutes=10))
    issue = Issue.objects.get()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    return issue


class TestFileAndReadBack:
    def test_json_with_the_key_shows_every_field_of_the_request_object(self, api, systems, filed):
        r = api.get(f"{BASE}/requests/ZY20261130000001.json", {"api_key": systems.hotline.token})
        assert r.status_code == 200
        assert r["Content-Type"] == "application/json; charset=utf-8"
        [request] = r.json()
        assert list(request) == REQUEST_FIELDS
        assert request == {
            "service_request_id": "ZY20261130000001",
            "status": "open",
            "status_notes": "已交办",
            "service_name": "供暖不热",
            "service_code": "heat-not-warm",
            "description": "暖气不热，室温12度",
            "agency_responsible": "甘州区供热公司",
            "service_notice": "",
            "requested_datetime": "2026-11-30T09:00:00+08:00",
            "updated_datetime": "2026-11-30T09:10:00+08:00",
            "expected_datetime": "2026-12-02T09:00:00+08:00",
            "address": "甘州区 南关小区",
            "address_id": "",
            "zipcode": "",
            "lat": 38.9321,
            "long": 100.4556,
            "media_url": "",
        }
        issue = Issue.objects.get()
        assert (issue.channel, issue.reporter_name, issue.reporter_phone) == ("open311", "王芳", "+8613800000000")
        assert issue.district.code == "ganzhou"

    def test_xml_with_the_key_shows_the_same(self, api, systems, filed):
        r = api.get(f"{BASE}/requests/ZY20261130000001.xml", {"api_key": systems.hotline.token})
        assert r.status_code == 200
        assert r["Content-Type"] == "text/xml; charset=utf-8"
        [request] = xml_requests(r)
        assert list(request) == REQUEST_FIELDS
        assert request == {
            "service_request_id": "ZY20261130000001", "status": "open", "status_notes": "已交办",
            "service_name": "供暖不热", "service_code": "heat-not-warm", "description": "暖气不热，室温12度",
            "agency_responsible": "甘州区供热公司", "service_notice": "",
            "requested_datetime": "2026-11-30T09:00:00+08:00", "updated_datetime": "2026-11-30T09:10:00+08:00",
            "expected_datetime": "2026-12-02T09:00:00+08:00", "address": "甘州区 南关小区", "address_id": "",
            "zipcode": "", "lat": "38.9321", "long": "100.4556", "media_url": "",
        }

    @pytest.mark.parametrize("key", [None, "wrong-key", "other"])
    def test_without_the_filers_key_only_public_fields(self, api, systems, filed, key):
        params = {} if key is None else {"api_key": systems.other.token if key == "other" else key}
        [request] = api.get(f"{BASE}/requests/ZY20261130000001.json", params).json()
        assert request == {
            "service_request_id": "ZY20261130000001", "status": "open", "status_notes": "",
            "service_name": "供暖不热", "service_code": "heat-not-warm", "description": "",
            "agency_responsible": "", "service_notice": "",
            "requested_datetime": "2026-11-30T09:00:00+08:00", "updated_datetime": "2026-11-30T09:10:00+08:00",
            "expected_datetime": "2026-12-02T09:00:00+08:00", "address": "甘州区 南关小区", "address_id": "",
            "zipcode": "", "lat": None, "long": None, "media_url": "",
        }
        xml = api.get(f"{BASE}/requests.xml", params).content.decode()
        for secret in ("暖气不热", "13800000000", "王", "38.93", "甘州区供热公司"):
            assert secret not in xml

    def test_a_closed_issue_reads_closed_with_its_reason_for_the_filer(self, world, api, systems):
        api.post(f"{BASE}/requests.json", form(systems))
        issue_reject(issue=Issue.objects.get(), actor=Actor.of(world.dispatcher), reason="属于物业管理范围")
        [mine] = api.get(f"{BASE}/requests/ZY20261130000001.json", {"api_key": systems.hotline.token}).json()
        assert (mine["status"], mine["status_notes"]) == ("closed", "属于物业管理范围")

    def test_an_address_without_coordinates_is_accepted(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, lat=None, long=None, address_string="西关小区",
                                                   district="linze"))
        assert r.status_code == 201
        issue = Issue.objects.get()
        assert (issue.community, issue.latitude, issue.district.code) == ("西关小区", None, "linze")

    def test_an_address_that_names_its_district_is_not_given_the_district_twice(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, address_string="甘州区 南关小区"))
        assert r.status_code == 201
        [request] = api.get(f"{BASE}/requests/ZY20261130000001.json").json()
        assert request["address"] == "甘州区 南关小区"
        r = api.post(f"{BASE}/requests.json", form(systems, address_string="南关小区 甘州区菜市场对面"))
        [request] = api.get(f"{BASE}/requests/ZY20261130000002.json").json()
        assert request["address"] == "甘州区 南关小区 甘州区菜市场对面"

    @pytest.mark.parametrize("address, community, house", [
        ("金色家园3号楼2单元501室", "金色家园", ("3", "2", "501")),
        ("滨河新区锦绣花园１２栋 ３单元 １５０２", "滨河新区锦绣花园", ("12", "3", "1502")),
        ("3号楼2单元501室", "（地址未写小区名称）", ("3", "2", "501")),
        # Anything else that may hold a house number stays private whole, as the 户 (breaker round 3).
        ("南关路88号金色家园3号楼2单元501室", "南关路", ("", "", "88号金色家园3号楼2单元501室")),
        ("东湖小区2单元501室", "东湖小区", ("", "", "2单元501室")),
        ("金色家园3-2-501", "金色家园", ("", "", "3-2-501")),
        ("金色家园B座1201", "金色家园", ("", "", "B座1201")),
        ("金色家园 3 号 楼", "金色家园", ("", "", "3 号 楼")),
        ("金色家园3号樓2單元", "金色家园", ("", "", "3号樓2單元")),
        ("金色家园第三号楼", "金色家园", ("", "", "第三号楼")),  # 第 kept: nothing the 小区 leaves out is lost
        ("金色家园五〇一室", "金色家园", ("", "", "五〇一室")),
        ("金色家园两号楼", "金色家园", ("", "", "两号楼")),
        ("金色家园3\u200b号楼", "金色家园", ("3", "", "")),
        ("A栋1201", "（地址未写小区名称）", ("", "", "A栋1201")),
        ("3#2-501", "（地址未写小区名称）", ("", "", "3#2-501")),
        # Named in English: the 小区 was "Building", shared by every such request (breaker round 2).
        ("Building 3, Unit 2", "（地址未写小区名称）", ("", "", "Building 3, Unit 2")),
        ("Block B", "（地址未写小区名称）", ("", "", "Block B")),
        # Inside a 小区 an English word is no house part: "Century Tower" is a name (breaker round 3). The
        # house part starts at its number, as before.
        ("Century Tower 5号楼2单元501室", "Century Tower", ("5", "2", "501")),
        ("Sunny Garden Bldg. 7 Room 302", "Sunny Garden Bldg", ("", "", "7 Room 302")),
        # What the public 小区 leaves out is private whole: the basement's 负 was lost (breaker round 4).
        ("金色家园负1层配电室", "金色家园", ("", "", "负1层配电室")),
        ("(Building 3) Unit 2", "（地址未写小区名称）", ("", "", "(Building 3) Unit 2")),
        ("Floor 5, Building 3", "（地址未写小区名称）", ("", "", "Floor 5, Building 3")),
        ("Unity Garden 3栋2单元", "Unity Garden", ("3", "2", "")),
    ])
    def test_the_house_part_of_an_address_stays_private(self, api, systems, address, community, house):
        # The whole address_string became the public 小区: anyone read "…3号楼2单元501室" without a key (breaker).
        r = api.post(f"{BASE}/requests.json", form(systems, address_string=address))
        assert r.status_code == 201
        issue = Issue.objects.get()
        assert (issue.community, (issue.building, issue.unit_no, issue.room)) == (community, house)
        [anyone] = APIClient().get(f"{BASE}/requests/{issue.tracking_code}.json").json()
        assert anyone["address"] == f"甘州区 {community}"

    def test_a_web_filing_with_its_house_number_in_the_compound_reads_without_it(self, api, file_issue):
        # The web form stores the 小区 as typed: "锦绣花园5号楼2单元501室" reached every Open311 reader (breaker).
        issue = file_issue(community="锦绣花园5号楼2单元501室", building="", unit_no="", room="")
        [anyone] = api.get(f"{BASE}/requests/{issue.tracking_code}.json").json()
        assert anyone["address"] == "甘州区 锦绣花园"
        numbered = file_issue(community="16号院")
        [anyone] = api.get(f"{BASE}/requests/{numbered.tracking_code}.json").json()
        assert anyone["address"] == "甘州区 （地址未写小区名称）"

    def test_an_address_holding_a_phone_number_is_refused_whole(self, api, systems):
        # Split first, the number went to the private room and the name beside it stayed in the public 小区,
        # "甘州区 锦绣花园 王建国" for any reader (breaker).
        for address in ("锦绣花园 王建国 13812345678", "王建国13812345678", "锦绣花园 +86 138 1234 5678"):
            r = api.post(f"{BASE}/requests.json", form(systems, address_string=address))
            assert r.status_code == 400 and r.json() == [{"code": 400, "description": (
                "address_string must not hold a phone number (a name usually comes with it, and the 小区 is "
                "public): send the resident's number as phone")}], address
        assert Issue.objects.count() == 0
        ok = api.post(f"{BASE}/requests.json", form(systems, address_string="康乐路188-12-13-1502"))
        assert ok.status_code == 201

    def test_an_address_too_long_for_a_compound_is_refused_on_it(self, api, systems):
        # Split before its length was judged, 10,000 letters held a worker 2.4 s (breaker round 3).
        r = api.post(f"{BASE}/requests.json", form(systems, address_string="a" * 10000))
        assert r.status_code == 400 and "address_string" in r.content.decode()
        assert "小区最多 100 个字" in r.content.decode() and Issue.objects.count() == 0

    def test_coordinates_without_an_address_are_accepted_and_shown_only_to_their_filer(self, api, systems):
        # The raw coordinates were written into the 小区, which every reader of the request sees (breaker).
        r = api.post(f"{BASE}/requests.json", form(systems, address_string=None, lat="38.123456789012345678"))
        assert r.status_code == 201
        issue = Issue.objects.get()
        assert (issue.community, float(issue.latitude), float(issue.longitude)) == (
            "（未填地址，仅有坐标）", 38.123457, 100.4556)
        [anyone] = APIClient().get(f"{BASE}/requests/{issue.tracking_code}.json").json()
        assert anyone["address"] == "甘州区 （未填地址，仅有坐标）" and anyone["lat"] is None
        assert "38.12" not in json.dumps(anyone)

    def test_requests_without_a_named_community_are_nobodys_duplicates(self, api, systems, world):
        # Every coordinates-only request (and every address starting at the building) was stored with one
        # stand-in 小区, so each was "the same 小区" as all the others in the district (breaker).
        from issues.similar import in_community

        for n, address in enumerate([None, None, "3号楼2单元501", "5号楼1单元", "南关小区3栋"]):
            r = api.post(f"{BASE}/requests.json", form(systems, address_string=address, phone=f"1380000000{n}",
                                                       lat="38.93" if address is None else None,
                                                       long="100.45" if address is None else None))
            assert r.status_code == 201, r.content
        issues = Issue.objects.filter(category=world.heat_cold)
        assert sorted(issues.values_list("community", flat=True)) == [
            "南关小区", "（地址未写小区名称）", "（地址未写小区名称）", "（未填地址，仅有坐标）", "（未填地址，仅有坐标）"]
        for community in ("（未填地址，仅有坐标）", "（地址未写小区名称）"):
            assert in_community(issues, community, 5) == []
        assert [i.community for i in in_community(issues, "南关小区", 5)] == ["南关小区"]

    def test_a_name_or_text_that_cannot_be_kept_whole_is_refused_not_cut(self, api, systems):
        # A 60-letter name was stored cut to 50 code points (inside an emoji at times), and bytes that are not
        # UTF-8 were stored as "漏水���" (breaker).
        r = api.post(f"{BASE}/requests.json", form(systems, first_name="a" * 60, last_name="张"))
        assert r.status_code == 400 and r.json()[0]["description"] == "first_name/last_name: 称呼最多 50 个字（现在 61 个）"
        family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # one emoji the user sees, five code points
        r = api.post(f"{BASE}/requests.json", form(systems, first_name="张" * 48 + family, last_name="王"))
        assert r.status_code == 201, r.content
        assert Issue.objects.get().reporter_name == "王" + "张" * 48 + family
        body = ("api_key=" + systems.hotline.token + "&service_code=heat-not-warm&lat=38.9321&long=100.4556"
                "&phone=13800000001&description=%E6%BC%8F%E6%B0%B4%ED%B2%80").encode()  # 漏水 and a lone surrogate
        r = api.generic("POST", f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded")
        assert r.status_code == 400
        assert r.json()[0]["description"] == ("parameters must be UTF-8 text without U+FFFD (an undecodable byte, "
                                              "or text damaged before it was sent)")
        assert Issue.objects.count() == 1

    @pytest.mark.parametrize("address, community, house", [
        ("甘州区青年东街 118号 金色家园小区 12号楼 3单元 1502室", "甘州区青年东街", ("12", "3", "1502")),
        ("Building 3, Unit 2, Room 501", "（地址未写小区名称）", ("", "", "Building 3, Unit 2,")),
    ])
    def test_a_house_part_too_long_for_its_fields_goes_whole_with_the_description(self, api, systems, address,
                                                                                 community, house):
        # Cut to 20 characters, "Building 3, Unit 2, Room 501" lost its room without a word (breaker round 3),
        # and refusing it refused the usual road, number, 小区, building address (breaker round 4): the fields
        # hold what they can, and the whole address is kept with the (private) description.
        r = api.post(f"{BASE}/requests.json", form(systems, address_string=address))
        assert r.status_code == 201, r.content
        issue = Issue.objects.get()
        assert (issue.community, (issue.building, issue.unit_no, issue.room)) == (community, house)
        assert issue.description == f"暖气不热，室温12度\n（地址原文：{address}）"
        [public] = APIClient().get(f"{BASE}/requests/{issue.tracking_code}.json").json()
        assert public["description"] == "" and "118" not in json.dumps(public) and "501" not in json.dumps(public)

    def test_the_kept_address_never_fills_a_blank_description_nor_hides_why_it_is_refused(self, api, systems):
        # A description of an invisible character was made valid by the address kept with it, and a valid
        # 1985-character one was refused as "最多 2000 个字（现在 2022 个）" (breaker round 5).
        address = "金色家园 12号楼3单元1502室 东边那个门口旁边的车棚"
        r = api.post(f"{BASE}/requests.json", form(systems, address_string=address, description="\u200b"))
        assert r.status_code == 400 and r.json()[0]["description"].startswith("description: ")
        r = api.post(f"{BASE}/requests.json", form(systems, address_string=address, description="漏" * 1985))
        assert r.status_code == 400
        assert r.json()[0]["description"] == (
            "address_string: its building, unit and room do not fit their fields, and the description has no room "
            "left to keep the whole address; write them as 3号楼2单元501室 or shorten the description")
        assert not Issue.objects.exists()

    def test_district_as_an_attribute_and_extra_answers(self, api, systems, world):
        world.heat_cold.extra_questions = [{"code": "temp", "label": "室温", "type": "number", "required": True}]
        world.heat_cold.save()
        r = api.post(f"{BASE}/requests.json", {**form(systems), "attribute[district]": "linze",
                                                "attribute[temp]": "12"})
        assert r.status_code == 201, r.content
        issue = Issue.objects.get()
        assert (issue.district.code, issue.extra_answers) == ("linze", {"temp": 12.0})

    def test_post_answers_xml_too(self, api, systems):
        r = api.post(f"{BASE}/requests.xml", form(systems))
        assert r.status_code == 201
        assert xml_requests(r) == [{"service_request_id": "ZY20261130000001", "service_notice": "",
                                    "account_id": ""}]

    def test_tokens_resolve_to_the_request_id(self, api, systems, filed):
        assert api.get(f"{BASE}/tokens/ZY20261130000001.json").json() == [
            {"service_request_id": "ZY20261130000001", "token": "ZY20261130000001"}]
        assert api.get(f"{BASE}/tokens/nope.json").status_code == 404


class TestSearch:
    def test_filters(self, world, api, systems, filed, file_issue, frozen):
        water = file_issue(category=world.water_pressure)
        issue_reject(issue=water, actor=Actor.of(world.dispatcher), reason="重复")
        ids = lambda **q: [r["service_request_id"] for r in api.get(f"{BASE}/requests.json", q).json()]  # noqa
        assert ids() == [water.tracking_code, "ZY20261130000001"]
        assert ids(status="closed") == [water.tracking_code]
        assert ids(status="open") == ["ZY20261130000001"]
        assert ids(status="open,closed") == [water.tracking_code, "ZY20261130000001"]
        assert ids(service_code="heat-not-warm") == ["ZY20261130000001"]
        assert ids(service_request_id=f"ZY20261130000001,{water.tracking_code},nope") == [
            water.tracking_code, "ZY20261130000001"]
        assert ids(start_date="2026-11-30T09:05:00+08:00") == [water.tracking_code]
        assert ids(end_date="2026-11-30T09:05:00+08:00") == ["ZY20261130000001"]
        assert ids(start_date="2026-12-01T00:00:00Z") == []
        frozen.shift(timedelta(days=91))
        assert ids() == []  # default window: the last 90 days

    @pytest.mark.parametrize("query", [{"start_date": "yesterday"}, {"end_date": "0001-01-01T00:00:00"},
                                       {"status": "pending"}])
    def test_bad_filters_are_400(self, api, query):
        r = api.get(f"{BASE}/requests.json", query)
        assert r.status_code == 400
        [error] = r.json()
        assert error["code"] == 400 and error["description"]


class TestServices:
    def test_services_list_and_definition(self, world, api):
        world.heat_cold.extra_questions = [
            {"code": "temp", "label": "室温", "type": "number", "required": True},
            {"code": "floor", "label": "楼层", "type": "choice", "choices": ["低层", "高层"]},
        ]
        world.heat_cold.save()
        services = {s["service_code"]: s for s in api.get(f"{BASE}/services.json").json()}
        assert set(services) == {"heat-not-warm", "water-low-pressure", "gas-leak", "power-outage"}
        assert services["heat-not-warm"] == {"service_code": "heat-not-warm", "service_name": "供暖不热",
                                             "description": "", "metadata": True, "type": "realtime",
                                             "keywords": "heat", "group": "供暖"}
        assert services["gas-leak"]["metadata"] is False
        definition = api.get(f"{BASE}/services/heat-not-warm.json").json()
        assert definition == {"service_code": "heat-not-warm", "attributes": [
            {"variable": True, "code": "temp", "datatype": "number", "required": True, "datatype_description": "",
             "order": 1, "description": "室温", "values": []},
            {"variable": True, "code": "floor", "datatype": "singlevaluelist", "required": False,
             "datatype_description": "", "order": 2, "description": "楼层",
             "values": [{"key": "低层", "name": "低层"}, {"key": "高层", "name": "高层"}]},
        ]}
        root = ET.fromstring(api.get(f"{BASE}/services/heat-not-warm.xml").content)
        assert root.tag == "service_definition"
        assert [v.findtext("key") for v in root.find("attributes")[1].find("values")] == ["低层", "高层"]
        services_xml = ET.fromstring(api.get(f"{BASE}/services.xml").content)
        assert [s.tag for s in services_xml] == ["service"] * 4

    def test_unknown_service_is_404(self, world, api):
        r = api.get(f"{BASE}/services/nope.json")
        assert (r.status_code, r.json()) == (404, [{"code": 404, "description": "service_code nope not found"}])


class TestErrors:
    def test_unknown_service_code_is_400(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, service_code="nope"))
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description": "service_code nope not found"}])
        assert Issue.objects.count() == 0

    def test_missing_location_is_400(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, lat=None, long=None, address_string=None))
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description":
                                                    "a location is required: lat and long, or address_string"}])
        r = api.post(f"{BASE}/requests.json", form(systems, long=None, address_string=None))
        assert r.status_code == 400
        assert Issue.objects.count() == 0

    def test_missing_location_in_xml(self, api, systems, world):
        r = api.post(f"{BASE}/requests.xml", form(systems, lat=None, long=None, address_string=None))
        root = ET.fromstring(r.content)
        assert r.status_code == 400
        assert root.tag == "errors"
        assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
            ("400", "a location is required: lat and long, or address_string")]

    def test_bad_jurisdiction_is_400_when_configured(self, api, systems, world, settings):
        settings.ZY_OPEN311_JURISDICTION = "zhangye.gov.cn"
        r = api.post(f"{BASE}/requests.json", form(systems, jurisdiction_id="beijing.gov.cn"))
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description":
                                                    "jurisdiction_id must be zhangye.gov.cn"}])
        assert api.get(f"{BASE}/services.json", {"jurisdiction_id": "x"}).status_code == 400
        assert api.post(f"{BASE}/requests.json", form(systems, jurisdiction_id="zhangye.gov.cn")).status_code == 201
        assert api.post(f"{BASE}/requests.json", form(systems)).status_code == 201  # optional
        settings.ZY_OPEN311_JURISDICTION = ""
        assert api.get(f"{BASE}/services.json", {"jurisdiction_id": "anything"}).status_code == 200

    @pytest.mark.parametrize("key", [None, "", "wrong", "x" * 500])
    def test_posting_without_a_valid_key_is_403(self, api, systems, world, key):
        r = api.post(f"{BASE}/requests.json", form(systems, api_key=key))
        assert (r.status_code, r.json()) == (403, [{"code": 403, "description": "api_key missing or invalid"}])

    def test_nul_characters_are_400(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, api_key="a\x00b"))
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description":
                                                    "parameters must not contain NUL characters"}])
        r = api.get(f"{BASE}/requests.json", {"service_request_id": "ZY\x00"})
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description":
                                                    "parameters must not contain NUL characters"}])
        r = api.get(f"{BASE}/requests.xml", {"service_request_id": "ZY\x00"})
        assert r.status_code == 400 and b"<description>parameters must not contain NUL characters</description>" in r.content
        assert api.get(f"{BASE}/requests/ZY%00.json").status_code in (400, 404)

    def test_an_inactive_client_is_403(self, api, systems, world):
        systems.hotline.active = False
        systems.hotline.save()
        assert api.post(f"{BASE}/requests.json", form(systems)).status_code == 403

    def test_invalid_fields_are_400_one_error_each(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, phone="123", description="", lat="north"))
        assert r.status_code == 400
        descriptions = sorted(e["description"].split(":")[0] for e in r.json())
        # Named as the client sent them, not as the workflow calls them (breaker).
        assert descriptions == ["description", "lat", "phone"]
        assert {e["code"] for e in r.json()} == {400}

    def test_a_bad_attribute_is_named_as_sent(self, api, systems, world):
        world.heat_cold.extra_questions = [{"code": "temp", "label": "室温", "type": "number", "required": True}]
        world.heat_cold.save()
        r = api.post(f"{BASE}/requests.json", {**form(systems), "attribute[temp]": "warm"})
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description": "attribute[temp]: 室温应为数字"}])

    def test_unknown_district_is_400(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, district="beijing"))
        assert (r.status_code, r.json()) == (400, [{"code": 400, "description": "district beijing not found"}])

    def test_unknown_request_is_404(self, api, world):
        r = api.get(f"{BASE}/requests/ZY20990101000001.xml")
        assert r.status_code == 404
        assert ET.fromstring(r.content).find("error").findtext("code") == "404"

    @pytest.mark.parametrize("payload,content_type", [
        (b"\xff\xfe garbage", "multipart/form-data; boundary=zz"),
        (b"service_code=%00&lat=1e999&long=nan&address_string=%00", "application/x-www-form-urlencoded"),
        (b'{"service_code": "heat-not-warm"}', "application/json"),
    ])
    def test_garbage_is_never_500(self, api, systems, world, payload, content_type):
        r = api.generic("POST", f"{BASE}/requests.json?api_key={systems.hotline.token}", payload,
                        content_type=content_type)
        assert r.status_code == 400, r.content

    def test_unknown_format_is_404_and_wrong_method_405(self, api, world):
        assert api.get(f"{BASE}/services.csv").status_code == 404
        assert api.delete(f"{BASE}/requests.json").status_code == 405

    @pytest.mark.parametrize("method,path,allow", [
        ("DELETE", "requests.json", "GET, HEAD, POST"),
        ("PUT", "requests/ZY20261130000001.json", "GET, HEAD"),
        ("POST", "services.json", "GET, HEAD"),
        ("POST", "services/heat-not-warm.json", "GET, HEAD"),
        ("POST", "tokens/ZY20261130000001.json", "GET, HEAD"),
        ("PATCH", "discovery.json", "GET, HEAD"),
    ])
    def test_a_wrong_method_gets_405_in_the_error_format(self, world, method, path, allow):
        from django.test import Client

        api = Client(enforce_csrf_checks=True)  # as a real client: a POST without a CSRF token (breaker round 2)
        r = api.generic(method, f"{BASE}/{path}", b"a=1", content_type="application/x-www-form-urlencoded")
        assert (r.status_code, r["Allow"], r["Content-Type"]) == (405, allow, "application/json; charset=utf-8")
        assert r.json() == [{"code": 405, "description": f"method {method} not allowed here; use {allow}"}]

    def test_a_wrong_method_gets_405_in_xml_when_xml_was_asked_for(self, api, world):
        r = api.put(f"{BASE}/services.xml")
        assert r.status_code == 405
        error = ET.fromstring(r.content).find("error")
        assert (error.findtext("code"), error.findtext("description")) == (
            "405", "method PUT not allowed here; use GET, HEAD")

    def test_head_is_answered_like_get(self, api, world):
        r = api.head(f"{BASE}/services.json")
        assert (r.status_code, r["Content-Type"]) == (200, "application/json; charset=utf-8")

    def test_control_characters_are_refused_so_they_never_reach_the_xml(self, api, systems, world):
        r = api.post(f"{BASE}/requests.json", form(systems, description="不热\x01\x02了"))
        assert r.status_code == 400
        r = api.get(f"{BASE}/requests.xml", {"api_key": systems.hotline.token})
        assert xml_requests(r) == []
