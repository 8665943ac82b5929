"""Admin → 问题类别: the extra questions' English parts are checked, and bad stored ones never break a page."""

from __future__ import annotations

import pytest
from django.utils import translation

from issues.admin import CategoryForm
from issues.models import Category

pytestmark = pytest.mark.django_db

GOOD = {"code": "scope", "label": "影响范围", "type": "choice", "choices": ["仅我家", "整栋楼"],
        "label_en": "How far it reaches", "choice_labels_en": ["Only my home", "The whole building"]}


def form_errors(world, questions) -> list[str]:
    cat = world.water_pressure
    data = {"service_code": cat.service_code, "utility": cat.utility, "name": cat.name, "name_en": "",
            "description": "", "priority": cat.priority, "heating_season_priority": "", "active": "on",
            "extra_questions": __import__("json").dumps(questions, ensure_ascii=False),
            "safety_instructions": "", "safety_instructions_en": ""}
    form = CategoryForm(data, instance=cat)
    form.is_valid()
    return form.errors.get("extra_questions", [])


def test_good_english_parts_are_accepted(world):
    assert form_errors(world, [GOOD]) == []


@pytest.mark.parametrize("bad,message", [
    ({"label_en": 5}, "第 1 个问题的 label_en 须为文字"),
    ({"choice_labels_en": 5}, "第 1 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应"),
    ({"choice_labels_en": "Cloudy"}, "第 1 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应"),
    ({"choice_labels_en": ["Only my home"]}, "第 1 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应"),
    ({"choice_labels_en": ["Only my home", 2]}, "第 1 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应"),
])
def test_bad_english_parts_are_refused(world, bad, message):
    # A typo here took the English form down with a 500 (breaker round 3).
    assert form_errors(world, [{**GOOD, **bad}]) == [message]


TEMP = {"code": "indoor_temp", "label": "室内温度（℃）", "type": "number"}


@pytest.mark.parametrize("bounds, ok", [
    ({"min": -30, "max": 40}, True), ({"min": 0}, True), ({"max": 40.5}, True),
    ({"min": "low"}, False), ({"max": True}, False), ({"min": 50, "max": 40}, False),
    # JSON's NaN and 1e400 (NaN, infinity: jsonb refuses them, a 500) and a 401-digit integer (no float) (breaker)
    ({"min": float("nan")}, False), ({"min": float("inf")}, False), ({"min": 10 ** 400}, False),
    ({"max": 2e9}, False),
])
def test_a_number_questions_bounds_are_checked(world, bounds, ok):
    errors = form_errors(world, [{**TEMP, **bounds}])
    assert errors == ([] if ok else ["第 1 个问题的 min / max 须为 ±10 亿以内的数字，且 min 不大于 max"])


@pytest.mark.parametrize("question, ok", [
    ({**TEMP, "whole": True}, True), ({**TEMP, "whole": False}, True),
    ({**TEMP, "whole": "yes"}, False), ({**TEMP, "whole": 1}, False), ({**GOOD, "whole": True}, False),
])
def test_whole_is_a_number_questions_yes_or_no(world, question, ok):
    errors = form_errors(world, [question])
    assert errors == ([] if ok else ["第 1 个问题的 whole 只用于数字题，须为 true 或 false"])


def test_bad_english_parts_already_stored_are_ignored_not_a_500(client, world):
    Category.objects.filter(pk=world.water_pressure.pk).update(extra_questions=[
        {**GOOD, "label_en": 5, "choice_labels_en": 5},
        {"code": "floor", "label": "所在楼层", "type": "number", "label_en": ["x"]},
    ])
    client.cookies["django_language"] = "en"
    r = client.get("/report/")
    assert r.status_code == 200
    html = r.content.decode()
    assert ">影响范围" in html and '<option value="整栋楼" >整栋楼</option>' in html and ">所在楼层" in html
    with translation.override("en"):
        assert Category.question_options({"choices": ["仅我家"], "choice_labels_en": "Cloudy"}) == [("仅我家", "仅我家")]
