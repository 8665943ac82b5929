"""Zhangye's reference data as plain Python: districts, categories, official calendar years.

DESIGN.md "Reference data" and "Deadlines". ``manage.py load_reference_data``
writes these rows; tests and the admin read them from here. Edit this file
(and re-run the command) to change the shipped defaults; admins' later edits
in Django admin are theirs.
"""

from __future__ import annotations

import holidays

from .choices import Priority, Utility
from .deadlines import DEFAULT_RULES

# code, 中文名, English name (DESIGN.md, Reference data).
DISTRICTS: list[tuple[str, str, str]] = [
    ("ganzhou", "甘州区", "Ganzhou District"),
    ("linze", "临泽县", "Linze County"),
    ("gaotai", "高台县", "Gaotai County"),
    ("shandan", "山丹县", "Shandan County"),
    ("minle", "民乐县", "Minle County"),
    ("sunan", "肃南裕固族自治县", "Sunan Yugur Autonomous County"),
]

GAS_SAFETY = (
    "请立即离开现场，到室外安全地点再打电话；不要开关任何电器（电灯、排气扇、门铃等），"
    "不要使用明火，不要在现场使用手机；如能安全操作，关闭燃气总阀并打开门窗通风。"
    "请拨打燃气公司24小时抢修热线或119。"
)
WATER_BURST_SAFETY = (
    "请远离冒水、积水和路面塌陷区域，绕行并提醒行人车辆；积水漫入室内时先切断室内电源。"
    "请拨打供水公司24小时热线，危及人身安全时拨打119。"
)
POWER_SAFETY = (
    "请远离断落的电线和倾斜的电杆（至少8米），不要触碰，也不要让他人靠近；"
    "请拨打供电公司24小时热线95598，危及人身安全时拨打119。"
)

GAS_SAFETY_EN = (
    "Leave at once and phone only from a safe place outdoors. Do not switch any electrical device on or off "
    "(lights, extractor fans, doorbells), do not use open flames and do not use a mobile phone on the spot. "
    "If it is safe to do so, close the main gas valve and open doors and windows. "
    "Call the gas company's 24-hour emergency line or 119."
)
WATER_BURST_SAFETY_EN = (
    "Keep away from gushing water, standing water and any sunken road surface; go around it and warn people "
    "and vehicles. If water comes indoors, switch off the electricity first. Call the water company's 24-hour "
    "line, or 119 if anyone is in danger."
)
POWER_SAFETY_EN = (
    "Keep at least 8 metres away from fallen wires and leaning poles, do not touch them and keep others away. "
    "Call the power company's 24-hour line 95598, or 119 if anyone is in danger."
)

SCOPE_CHOICES = ["仅我家", "整个单元", "整栋楼", "整个小区"]
SCOPE_CHOICES_EN = ["Only my home", "The whole entrance (unit)", "The whole building", "The whole compound"]


def _q(code, label, kind, required=False, choices=None, label_en="", choices_en=None, low=None, high=None,
       whole=False) -> dict:
    """One extra question in the shape Category.extra_questions documents (English label and choices, a
    number's bounds ``low``/``high`` as "min"/"max", and ``whole`` for a number without fraction, optional)."""
    q = {"code": code, "label": label, "type": kind, "required": required}
    if whole:
        q["whole"] = True
    if low is not None:
        q["min"] = low
    if high is not None:
        q["max"] = high
    if label_en:
        q["label_en"] = label_en
    if choices:
        q["choices"] = list(choices)
    if choices_en:
        q["choice_labels_en"] = list(choices_en)
    return q


def _scope(required=False) -> dict:
    return _q("scope", "影响范围", "choice", required=required, choices=SCOPE_CHOICES,
              label_en="How far it reaches", choices_en=SCOPE_CHOICES_EN)


# Each category: service_code (Open311), utility, 中文名, English name,
# description, priority, heating-season priority ("" = same all year),
# needs_verification, extra questions, safety instructions.
# Emergency categories need a supervisor's verification of the fix by default.
CATEGORIES: list[dict] = [
    # --- heat 供暖 -----------------------------------------------------------
    dict(service_code="heat-not-warm", utility=Utility.HEAT, name="供暖不热", name_en="Heating not warm enough",
         description="室内温度达不到供热标准（18℃）。", priority=Priority.NORMAL,
         heating_season_priority=Priority.URGENT,
         extra_questions=[_q("indoor_temp", "室内温度（℃）", "number", required=True,
                             label_en="Indoor temperature (°C)", low=-30, high=40),
                          _scope()]),
    dict(service_code="heat-outage", utility=Utility.HEAT, name="单户/整栋停暖", name_en="No heating (home or building)",
         description="暖气完全不热，单户或整栋楼停暖，含单一热源故障。", priority=Priority.URGENT,
         extra_questions=[_scope(required=True)]),
    dict(service_code="heat-pipe-leak", utility=Utility.HEAT, name="暖气管道漏水", name_en="Heating pipe leak",
         description="户内外暖气管道、阀门、散热器漏水。", priority=Priority.URGENT),
    dict(service_code="heat-billing", utility=Utility.HEAT, name="供暖收费", name_en="Heating billing and charges",
         description="采暖费收取标准、面积核定、退费、发票等。", priority=Priority.NORMAL,
         extra_questions=[_q("area", "供热面积（㎡）", "number", label_en="Heated area (m²)", low=1, high=100000)]),
    dict(service_code="heat-conduct", utility=Utility.HEAT, name="供暖服务态度", name_en="Heating staff conduct",
         description="供热企业工作人员服务态度、作风问题。", priority=Priority.NORMAL),
    # --- water 供水 ----------------------------------------------------------
    dict(service_code="water-low-pressure", utility=Utility.WATER, name="水压不足", name_en="Low water pressure",
         description="水压低、高层上不去水。", priority=Priority.NORMAL,
         extra_questions=[_q("floor", "所在楼层", "number", label_en="Floor", low=-5, high=100, whole=True)]),
    dict(service_code="water-leak", utility=Utility.WATER, name="跑冒滴漏", name_en="Water leak or burst pipe",
         description="供水管道、阀门、水表井漏水或爆管。", priority=Priority.URGENT),
    dict(service_code="water-main-burst", utility=Utility.WATER, name="供水主管道爆管", name_en="Water main burst",
         description="市政供水主管道爆裂，大量冒水或路面塌陷。", priority=Priority.EMERGENCY,
         needs_verification=True, safety_instructions=WATER_BURST_SAFETY,
         safety_instructions_en=WATER_BURST_SAFETY_EN),
    dict(service_code="water-outage", utility=Utility.WATER, name="停水", name_en="No water",
         description="无计划停水或停水超时未恢复。", priority=Priority.URGENT,
         extra_questions=[_scope(required=True)]),
    dict(service_code="water-quality", utility=Utility.WATER, name="水质问题", name_en="Water quality",
         description="自来水浑浊、有异味或有杂质。", priority=Priority.URGENT,
         extra_questions=[_q("quality_issue", "水质情况", "choice", required=True, choices=["浑浊", "异味", "有杂质"],
                             label_en="What is wrong with the water",
                             choices_en=["Cloudy", "Smells", "Has particles"])]),
    dict(service_code="water-billing", utility=Utility.WATER, name="供水收费", name_en="Water billing and charges",
         description="水费、水表读数、阶梯水价、缴费等。", priority=Priority.NORMAL),
    dict(service_code="water-conduct", utility=Utility.WATER, name="供水服务态度", name_en="Water staff conduct",
         description="供水企业工作人员服务态度、作风问题。", priority=Priority.NORMAL),
    # --- gas 供气 ------------------------------------------------------------
    dict(service_code="gas-leak", utility=Utility.GAS, name="燃气泄漏/异味", name_en="Gas leak or smell of gas",
         description="闻到燃气味、燃气管道或设施泄漏。一律按紧急处置。", priority=Priority.EMERGENCY,
         needs_verification=True, safety_instructions=GAS_SAFETY, safety_instructions_en=GAS_SAFETY_EN,
         extra_questions=[_q("evacuated", "现场人员是否已撤离到安全地点", "boolean",
                             label_en="Has everyone left for a safe place?")]),
    dict(service_code="gas-hazard", utility=Utility.GAS, name="燃气安全隐患", name_en="Gas safety hazard",
         description="燃气管道锈蚀、私改管线、胶管老化、占压管道等安全隐患。", priority=Priority.URGENT,
         safety_instructions="如闻到燃气异味，请按燃气泄漏处理：" + GAS_SAFETY,
         safety_instructions_en="If you smell gas, treat it as a gas leak: " + GAS_SAFETY_EN),
    dict(service_code="gas-outage", utility=Utility.GAS, name="停气", name_en="No gas",
         description="燃气无计划中断或停气超时未恢复。", priority=Priority.URGENT,
         extra_questions=[_scope(required=True)]),
    dict(service_code="gas-billing", utility=Utility.GAS, name="燃气收费", name_en="Gas billing and charges",
         description="燃气费、IC卡表充值、计量争议等。", priority=Priority.NORMAL),
    dict(service_code="gas-conduct", utility=Utility.GAS, name="燃气服务态度", name_en="Gas staff conduct",
         description="燃气企业工作人员服务态度、作风问题。", priority=Priority.NORMAL),
    # --- power 供电 ----------------------------------------------------------
    dict(service_code="power-outage", utility=Utility.POWER, name="停电", name_en="Power outage",
         description="单户或楼栋停电，或停电超时未恢复。", priority=Priority.URGENT,
         safety_instructions=POWER_SAFETY, safety_instructions_en=POWER_SAFETY_EN,
         extra_questions=[_scope(required=True)]),
    dict(service_code="power-area-outage", utility=Utility.POWER, name="大面积停电", name_en="Area-wide power outage",
         description="片区、多个小区或整条街道停电，含线路断落、变压器故障。", priority=Priority.EMERGENCY,
         needs_verification=True, safety_instructions=POWER_SAFETY, safety_instructions_en=POWER_SAFETY_EN),
    dict(service_code="power-voltage", utility=Utility.POWER, name="电压不稳", name_en="Unstable voltage",
         description="电压过高、过低或频繁波动，电器无法正常使用。", priority=Priority.NORMAL),
    dict(service_code="power-meter", utility=Utility.POWER, name="智能电表/缴费服务", name_en="Smart meter and payment service",
         description="智能电表故障、缴费未到账、费控停电、线上缴费等。", priority=Priority.NORMAL,
         extra_questions=[_q("account_no", "用电户号", "text", label_en="Electricity account number")]),
    dict(service_code="power-billing", utility=Utility.POWER, name="电费收费", name_en="Electricity billing and charges",
         description="电费计算、阶梯电价、收费争议。", priority=Priority.NORMAL),
    dict(service_code="power-conduct", utility=Utility.POWER, name="供电服务态度", name_en="Power staff conduct",
         description="供电企业工作人员服务态度、作风问题。", priority=Priority.NORMAL),
]

# Years whose official schedule the ``holidays`` library carries, with the
# State Council notice it follows.
CALENDAR_YEARS: list[tuple[int, str]] = [
    (2025, "国务院办公厅关于2025年部分节假日安排的通知"),
    (2026, "国务院办公厅关于2026年部分节假日安排的通知"),
]


def category_values(spec: dict) -> dict:
    """The Category field values for one CATEGORIES entry (everything but the key and ``active``)."""
    return {
        "utility": str(spec["utility"]),
        "name": spec["name"],
        "name_en": spec["name_en"],
        "description": spec.get("description", ""),
        "priority": str(spec["priority"]),
        "heating_season_priority": str(spec.get("heating_season_priority", "")),
        "needs_verification": spec.get("needs_verification", spec["priority"] == Priority.EMERGENCY),
        "extra_questions": spec.get("extra_questions", []),
        "safety_instructions": spec.get("safety_instructions", ""),
        "safety_instructions_en": spec.get("safety_instructions_en", ""),
    }


def rule_values(priority: str) -> dict:
    """DeadlineRule field values for ``priority`` from issues.deadlines.DEFAULT_RULES."""
    windows = DEFAULT_RULES[Priority(priority)]
    values = {}
    for name in ("dispatch", "response", "resolution"):
        value, unit = windows[name]
        values[f"{name}_value"] = value
        values[f"{name}_unit"] = str(unit)
    return values


def library_has_official_year(year: int) -> bool:
    """True when the ``holidays`` library carries ``year``'s official schedule.

    The official schedule always moves some days off by 调休, so the library
    lists weekend working days for that year; an estimated year has none.
    """
    cn = holidays.China(years=year)
    return any(d.year == year for d in getattr(cn, "weekend_workdays", ()))
