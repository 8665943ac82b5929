"""Fill locale/en/LC_MESSAGES/django.po with the English of the resident pages and the shared labels.

Run after ``manage.py makemessages -l en --no-wrap --no-location --ignore=.venv --ignore=var
--ignore=tests --ignore=bench --ignore=scripts``, then ``manage.py compilemessages``.
Entries already translated in the file are kept; strings not listed here fall back to Chinese.
"""

import re
import sys
from pathlib import Path

EN = {
    "这份诉求之前已经登记，当时附的照片已保存；这次选的照片没有再添加。": "This issue was filed before and the photos sent then are kept; the photos chosen this time were not added.",
    "这是单位的客服热线号码（400、800、96 开头等），请填写您本人的手机或固定电话": "This is a company hotline (numbers starting 400, 800, 96 and the like): please give your own mobile or landline",
    "这次关注没有成功，您还不是这件诉求的关注人。": "You have not been added as a follower of this issue.",
    "回访期（%(days)s天）内没有收到评价，这件诉求已按规定自动办结销号，不能再评价了。问题仍然存在的，请重新提交诉求，或拨打12345热线。": "No rating came within the %(days)s-day revisit window, so this issue was closed automatically and can no longer be rated. If the problem is still there, report it again or call the 12345 hotline.",
    "%(label)s不能只有标点符号，请用文字填写": "%(label)s needs words, not only punctuation",
    "称呼一栏请不要填电话号码，联系电话请填在“联系电话”一栏": "Please do not put a phone number in the name; put it under Phone number",
    "%(label)s应为整数": "%(label)s should be a whole number",
    "第 %(i)s 个问题的 whole 只用于数字题，须为 true 或 false": "Question %(i)s: whole is only for a number question and must be true or false",
    "返回查询页": "Back to tracking",
    "分机号不用填写，请只填电话号码（例如 0936-8212345）":
        "Leave out the extension: give the phone number only (for example 0936-8212345)",
    "请只填一个电话号码": "Give one phone number only",
    "固定电话收不到短信，编号无法发送。请拨打12345热线，凭电话号码查询受理编号。":
        "A landline cannot receive text messages, so the codes cannot be sent. Call the 12345 hotline and give your "
        "phone number to find your codes.",
    "您选了“问题未解决”，但评价为“%(answer)s”。按规定，满意或基本满意即办结，这件诉求已办结销号。":
        "You said the problem is not solved but rated the work “%(answer)s”. A rating of satisfied or basically "
        "satisfied closes an issue, so this one is closed.",
    "这件诉求已经办结。问题仍然存在的，请重新提交诉求，或拨打12345热线。": "This issue is closed. If the problem is still there, report it again or call the 12345 hotline.",
    "问题仍然存在的，请重新提交诉求，或拨打12345热线。": "If the problem is still there, report it again or call the 12345 hotline.",
    "重新提交诉求": "Report it again",
    "（%(unit)s）": " (%(unit)s)",
    "这份诉求已经登记，照常办理。这次选的照片没有添加：同一网络近期提交次数过多。":
        "This issue is filed and will be handled as usual. The photos you chose this time were not added: "
        "too many forms have been sent from this network lately.",
    "剩余 %(t)s": "%(t)s left",
    "该单位没有可以认领诉求的工作人员或接口，不能自动交办：先为它添加工作人员或接口，或不勾选自动交办，由分派员交办":
        "This unit has no staff member or system that can claim issues, so it cannot be assigned automatically: "
        "give it staff or a system first, or untick automatic assignment and let a dispatcher assign",
    "选日期，也选具体时间（例如 2026-12-31 18:00）": "Choose a date and a time (for example 2026-12-31 18:00)",
    "时间格式不正确，请按“2026-12-10 18:00”的格式填写": "Not a date and time: write it as “2026-12-10 18:00”",
    "日期时间格式不正确，请按 ISO 8601 填写，例如 2026-12-10T18:00:00+08:00":
        "Not a date and time: write it in ISO 8601, for example 2026-12-10T18:00:00+08:00",
    "日期超出范围（2000–2100）": "Date out of range (2000–2100)",
    "不予受理（不属于受理范围）": "Reject (out of scope)", "确认不予受理": "Reject",
    "%(unit)s没有可以认领诉求的工作人员或接口，请选择其他牵头单位":
        "%(unit)s has no staff member or system that can claim issues: choose another lead unit",
    "您对上一轮办理结果不满意，责任单位正在重新办理。": "You were not satisfied with the last result, so the unit is working on it again.",
    "报告人对上一轮办理结果不满意，责任单位正在重新办理。":
        "The person who reported it was not satisfied with the last result, so the unit is working on it again.",
    "小区一栏请不要填电话号码或姓名，联系电话请填在“联系电话”一栏":
        "Do not type a phone number or a name in the residential compound field: put your number under “Phone number”.",
    "您已评价过本轮办理结果（%(satisfaction)s），这次填写的内容没有保存。对办理结果有不同意见，请拨打12345热线。":
        "You have already rated this round of work (%(satisfaction)s); what you filled in this time was not saved. "
        "If you disagree with the result, please call the 12345 hotline.",
    "您对办理结果不满意，问题已重新交承办单位办理。最新进展请查看办理进度。":
        "You were not satisfied with the result, so the issue went back to the handling unit to be worked on again. "
        "See its progress for the latest.",
    "已处理完毕，正在请群众评价。您留的是手机号码的，会收到评价短信，请用短信里的链接评价；留的是固定电话的，收不到短信，对办理结果有意见可以拨打12345热线反映；已经评价过的，无需再评价，谢谢。":
        "The work is done and residents are being asked to rate it. If you gave a mobile number, you will get a text "
        "message: rate it with the link in it. A landline gets no text messages: to say what you think of the work, "
        "call the 12345 hotline. If you have rated it already, there is nothing more to do. Thank you.",
    "这个链接打不开，可能复制时不完整。请从短信里直接点开链接，或在下面输入受理编号和提交时留的电话号码查询。":
        "This link does not open; it may have been copied incompletely. Open the link straight from the text "
        "message, or enter below the tracking code and the phone number you gave.",
    "不予受理": "Rejected", "已不予受理，理由将告知群众": "Rejected; the resident will see the reason",
    "这件诉求已经结束办理，不能再添加关注人。如果来电群众的问题仍然存在，请返回表单为其登记新的诉求。":
        "This report is no longer open, so no follower can be added. If the caller's problem is still there, go back to the form and file a new report for them.",
    "回访员已通过电话回访记录了本轮办理结果的评价，无需再评价。对办理结果有不同意见，请拨打12345热线。":
        "A revisit agent has already recorded your rating of this result by phone, so there is nothing more to rate. If you disagree with the result, please call the 12345 hotline.",
    "您对办理结果不满意，督查部门正在研判后续处理，请过几天再凭受理编号和电话号码查询结果。":
        "You were not satisfied with the result. The supervising department is deciding what happens next: please check again here in a few days with your code and phone number.",
    # The tracking page: a follower's words, a return to dispatch, the supervisor's decision at the rework limit.
    "这件诉求已受理，正在等待分派给责任单位。": "This report has been received and is waiting to be passed to the responsible unit.",
    "这件诉求未予受理。": "This report was not accepted.",
    "这件诉求与另一件同样的问题合并办理。": "This report was merged with another report of the same problem.",
    "原承办单位认为不属于其职责范围，已退回分派中心，正在重新分派给责任单位。":
        "The unit it was passed to found it is not theirs to handle and sent it back; it is being passed to the responsible unit.",
    "交给负责单位：原单位已退回，正在重新分派": "Passed to the unit: sent back by the unit, being passed on again",
    "单位接单处理：等待单位接单": "Taken on by the unit: waiting for the unit",
    "您对办理结果不满意，督查部门正在研判后续处理，结果会短信告知您。":
        "You were not satisfied with the result. The supervising department is deciding what happens next and will tell you by text message.",
    "报告人对办理结果不满意，督查部门正在研判后续处理。":
        "The person who reported it was not satisfied with the result. The supervising department is deciding what happens next.",
    "回访员已通过电话回访记录了本轮办理结果的评价，这里填写的内容没有保存。对办理结果有不同意见，请拨打12345热线。":
        "A revisit agent has already recorded your rating of this result by phone, so what you entered here was not saved. If you disagree with the result, please call the 12345 hotline.",
    # A dispatcher adding a caller as a follower (the "me too" pages worded for the operator).
    "添加来电群众为关注人": "Add the caller as a follower",
    "您正在以分派员身份为来电群众登记关注（渠道：热线）。来电群众会收到同样的短信通知，办结后也请其评价。":
        "You are adding a caller as a follower, as a dispatcher (channel: hotline). The caller gets the same text messages and is asked to rate the fix.",
    "来电群众的联系电话": "Caller's phone number",
    "来电群众同意提供电话号码，仅用于告知办理进展和邀请评价": "The caller agrees to give their number, used only for progress messages and the rating",
    "不是同一个问题？返回登记新诉求": "Not the same problem? Back to file a new issue",
    "如果来电群众反映的是同一个问题，点“加为关注人”，不必重复登记。":
        "If the caller reports the same problem, press “Add as follower” instead of filing it again.",
    "加为关注人": "Add as follower",
    "来电人已关注这件诉求，受理编号：": "The caller now follows this issue. Tracking code:",
    "办理进展和评价邀请会短信发送到来电人的手机。": "Progress and the rating request will be sent to the caller's mobile by SMS.",
    "这份诉求已经登记，受理编号 %(code)s。这次选的照片没有添加。": "This report was filed already, tracking code %(code)s. The photos chosen this time were not added.",
    "处理完毕：已于 %(t)s 办结": "Fixed: done %(t)s",
    "请输入提交时留的完整电话号码，查看这件诉求的办理进度。": "Enter the whole phone number you gave when reporting to see this issue's progress.",
    "这个查询链接已过期（超过180天）。请输入受理编号和提交时留的电话号码查询。": "This tracking link has expired (after 180 days). Enter the tracking code and the phone number you gave.",
    "以 ZY 开头，例如：": "Starts with ZY, for example: ",
    "请勾选同意提供电话号码": "Please tick the box to agree to give your phone number",
    "这件诉求已办结销号。您的评价仍会记录，并反馈给承办单位。": "The issue is closed. Your rating is still recorded and passed on to the handling unit.",
    "问题已重新办理。您对上一轮办理结果的评价仍会记录，并反馈给承办单位。": "The issue is being handled again. Your rating of the earlier result is still recorded and passed on to the handling unit.",
    "处理完毕：单位已于 %(t)s 报告办结，正在核查": "Fixed: reported by the unit %(t)s, being checked",
    "这一轮办理结果已不能再评价": "This result can no longer be rated",
    "查看诉求详情": "View the issue",
    "编号已通过短信发送到来电人的手机。": "The code has been sent to the caller's mobile by SMS.",
    "来电人留的是固定电话，收不到短信。请把这个编号告诉来电人，凭编号和电话号码可查询进度。": "The caller gave a landline and gets no SMS. Please tell the caller this code: with it and the phone number they can follow the issue.",
    "单位接单后会尽快处理，必要时电话联系来电人了解情况。": "Once the unit takes it, it will be dealt with promptly; the unit may phone the caller for details.",
    "处理完毕后，系统会通过短信请来电人评价；不满意的将重新办理。": "When it is fixed, the caller is asked by SMS to rate the result; if they are not satisfied it is handled again.",
    "处理完毕后，由回访员电话回访来电人；不满意的将重新办理。": "When it is fixed, a revisit agent phones the caller for a rating; if they are not satisfied it is handled again.",
    "处理完毕后，请凭编号和电话号码在“查询办理进度”页面评价办理结果；不满意的将重新办理。": "When it is fixed, please rate the result on the “Track a report” page with the code and your phone number; if you are not satisfied it is handled again.",
    "只填小区或街道名称；楼栋、单元和门牌号请填在下面，不会公开。": "Only the name of the compound or street; the building, unit and flat go below and are not made public.",
    "这个位置不在张掖市范围内": "This location is outside Zhangye",
    "已去掉这个位置：写清地址就够了，可以直接再次提交。": "The location was removed: the address is enough, and you can submit again now.",
    "（门牌号不公开）": "(house number not shown)",
    "提交的内容含有不允许的字符": "What was sent holds a character that is not allowed",
    "提交的内容含有不允许的字符，系统没能收下": "What you sent holds a character that is not allowed, so it was not received",
    "您这次提交的内容或网址里有一个系统不能保存的特殊字符（空字符，常随复制粘贴带入），所以没有收下。":
        "What you sent, or the address, holds a special character the system cannot keep (a NUL character, often brought in by copy and paste), so it was not received.",
    "请点浏览器的“返回”按钮回到上一页，把粘贴进来的文字删掉后手动输入，再提交一次。返回后，您填写的文字一般还在。":
        "Press the browser's Back button, delete the pasted text and type it in by hand, then send it again. What you typed is usually still there after going back.",
    "表格较宽，左右滑动可查看其余各列。": "This table is wider than the screen: swipe it sideways to see the other columns.",
    "回访期内未评价，自动销号": "Not rated within the revisit period; closed out automatically",
    "又一位居民反映了同一问题": "Another resident reported the same problem",
    "回访期满": "Revisit period over",
    "与 %(code)s 为同一问题，已合并办理": "The same problem as %(code)s; handled together with it",
    "已交给负责的单位：<span lang=\"zh-Hans\">%(unit)s</span>；": "Already handed to the responsible unit: <span lang=\"zh-Hans\">%(unit)s</span>;",
    "问题已直接交给负责的单位，不必等分派中心。": "The issue went straight to the responsible unit, without waiting for the dispatch centre.",
    "第 %(n)s 张照片是空文件（0 字节），请重新选择": "Photo %(n)s is an empty file (0 bytes); please choose it again",
    "返回填写诉求": "Back to the form",
    "您选的诉求已和下面这件合并办理（同一个问题）。请确认关注这一件。":
        "The issue you chose was merged into the one below (the same problem). Please confirm to follow this one.",
    "这件诉求已经结束办理，不能再关注。如果您的问题仍然存在，请返回表单提交新的诉求。":
        "This issue has been closed and can no longer be followed. If your problem is still there, please go back to the form and file a new issue.",
    # choices.py
    "供水": "Water", "供电": "Power", "供气": "Gas", "供暖": "Heating",
    "紧急": "Emergency", "加急": "Urgent", "一般": "Normal",
    "待分派": "Awaiting dispatch", "已交办": "Assigned", "办理中": "In progress", "限期整改": "Rectification plan",
    "待核查": "Awaiting verification", "待回访": "Awaiting rating", "已销号": "Closed", "已退回": "Rejected",
    "已合并": "Merged",
    "问题汇集": "Collected", "分流交办": "Assigned", "督查研判": "Supervised", "回访评价": "Rated",
    "网页": "Web", "接口": "API", "热线": "Hotline",
    "分派员": "Dispatcher", "责任单位": "Responsible unit", "督查": "Supervisor", "回访员": "Revisit agent",
    "市长办公室": "Mayor's office", "系统管理员": "Administrator",
    "满意": "Satisfied", "基本满意": "Basically satisfied", "不满意": "Dissatisfied",
    "报告人": "Reporter", "关注人": "Follower",
    "提交": "Submit", "交办": "Assigned", "认领": "Claimed", "退单": "Returned", "进展": "Progress",
    "申请延期": "Extension requested", "延期审批": "Extension decided", "提交整改计划": "Plan filed",
    "整改计划审批": "Plan decided", "整改进展": "Plan progress", "办结": "Resolved", "核查通过": "Verified",
    "核查退回": "Sent back", "评价": "Rated", "销号": "Closed out", "合并": "Merged",
    "督办": "Supervision order", "关注": "Followed", "超时升级": "Escalated",
    # forms.py
    "请阅读并同意个人信息收集和使用说明": "Please read and agree to the personal information notice",
    "请填写受理编号": "Please enter the tracking code", "请填写联系电话": "Please enter your phone number",
    "已解决": "Resolved", "未解决": "Not resolved", "请选择问题是否已解决": "Please say whether the problem is solved",
    "请选择满意、基本满意或不满意": "Please choose satisfied, basically satisfied or dissatisfied",
    # views/resident.py
    "您的诉求已受理，正在等待分派给责任单位。": "Your report has been received and is waiting to be passed to the responsible unit.",
    "已交办给责任单位，等待单位接单处理。": "It has been passed to the responsible unit, which will take it on shortly.",
    "责任单位正在处理。": "The responsible unit is working on it.",
    "问题需要限期整改，责任单位正按批准的整改计划处理。": "It cannot be fixed at once; the unit is following an approved rectification plan.",
    "责任单位已报告处理完毕，正在核查处理结果。": "The unit reports it fixed; the fix is being verified.",
    "已处理完毕，请您评价办理结果（评价链接已通过短信发送；找不到短信，可在查询页点“忘记受理编号？”重新发送）。":
        "It has been fixed. Please rate the result (the link was sent by SMS; if you cannot find the message, "
        "\"Lost your code?\" on the tracking page sends it again).",
    "已办结销号。感谢您的反映。": "Closed. Thank you for reporting it.",
    "您的诉求未予受理。": "Your report was not accepted.",
    "您的诉求与另一件同样的问题合并办理。": "Your report was merged with another report of the same problem.",
    "市热线分派中心": "City hotline dispatch centre", "行业监管部门": "Regulating department",
    "回访中心": "Revisit centre", "工作人员": "Staff",
    "无法关注": "Cannot follow", "已处理您的请求": "Request received",
    "如果该号码反映或关注的诉求还在办理中或待评价，受理编号已通过短信发送到该号码，请注意查收；待评价的，评价链接也一并重新发送。":
        "If this number made or follows open reports, their tracking codes have been sent to it by SMS, with the "
        "rating link again for any that were fixed and await a rating.",
    "该诉求目前不在待评价状态，无需评价。": "This report is not waiting for a rating.",
    "您已评价过本轮办理结果，感谢您的反馈。": "You have already rated this round. Thank you for your feedback.",
    # templates
    "张掖城市生命线": "Zhangye City Lifelines", "跳到正文": "Skip to content",
    "张掖市水电气暖保障服务 · 紧急情况请拨打 119，燃气泄漏请先撤离到安全地点":
        "Zhangye water, power, gas and heating service · In an emergency call 119; for a gas leak get to a safe place first",
    "水电气暖问题，一键反映": "Report a water, power, gas or heating problem",
    "供水、供电、供气、供暖遇到问题，在这里反映，全程跟踪办理进度。":
        "Report problems with water, power, gas or heating here and follow every step until it is fixed.",
    "我要反映问题": "Report a problem", "查询办理进度": "Track a report",
    "闻到燃气味？": "Smell gas?",
    "请立即离开现场，到室外再打电话；不要开关电器，不要使用明火。拨打燃气公司24小时抢修热线或 119。":
        "Leave at once and call from outside; do not touch switches or use flames. Call the gas company's 24-hour line or 119.",
    "反映问题": "Report", "反映水电气暖问题": "Report a utility problem",
    "您正在以分派员身份为来电群众登记诉求（渠道：热线）。": "You are filing for a caller as a dispatcher (channel: hotline).",
    "紧急情况": "Emergencies",
    "以下类别按紧急处置，提交后立即通知值班人员：": "These categories are emergencies; on-call staff are alerted at once:",
    "闻到燃气味请先离开现场，到室外安全地点再打电话，拨打燃气公司24小时抢修热线或 119。":
        "If you smell gas, leave first and call from a safe place outside: the gas company's 24-hour line or 119.",
    "输入有误，请按红色提示修改。": "Some answers need fixing: see the messages in red.",
    "照片需要重新选择。": "Please choose your photos again.",
    "您刚才提交的同一份诉求还在处理中。请半分钟后再点“提交”，不会重复登记。":
        "The same report you just sent is still being processed. Please press Submit again in half a minute; "
        "it will not be filed twice.",
    "这张表单已经提交过，登记编号 %(code)s。这次的内容和那次不同，所以没有登记。"
    "如果这是另一个问题，请核对下面的内容后再点“提交”，将作为新诉求登记。":
        "This form was already sent and filed as %(code)s. What you sent this time is different, so nothing was "
        "filed. If this is another problem, check the form below and press Submit again to file it as a new issue.",
    "这个幂等键已用于另一份内容不同的诉求（%(code)s），本次没有登记":
        "This idempotency key was already used for a different filing (%(code)s); nothing was filed this time",
    "、": ", ", "拨打 119": "Call 119", "24小时热线": "24-hour line", "%(unit)s：%(hotline)s": "%(unit)s: %(hotline)s",
    "（已完成）": " (done)", "（进行中）": " (in progress)", "（未开始）": " (not yet)",
    "这次提交没有成功，您的问题还没有登记。": "This was not sent: your problem has not been filed yet.",
    "返回刚才填写的内容": "Back to what you typed",
    "短信只能发到手机。留的是固定电话的，请拨打 12345 政务服务便民热线，由话务员帮您查询。":
        "Text messages reach mobiles only. If you gave a landline, call the 12345 government service hotline "
        "and an operator will look it up for you.",
    "拨打 12345": "Call 12345",
    "已恢复您刚才填写的内容（照片需要重新选择）。": "What you typed a moment ago is back (photos must be chosen again).",
    "清空，重新填写": "Clear and start again", "：": ": ",
    "已收到您对本轮办理结果的评价，谢谢。": "Thank you: your rating of this round of work has been received.",
    "已处理完毕，正在请群众评价。关注人留的是手机的，也会收到评价短信。":
        "The work is done and residents are being asked to rate it. Followers who gave a mobile number get a "
        "text message to rate it too.",
    "已处理完毕，请您评价办理结果。": "The work is done: please rate the result.",
    "来电人是报告人": "The caller filed it", "来电人是关注人": "The caller follows it",
    "查找来电群众的诉求": "Find a caller's issues",
    "请点击其中一个按钮作出决定": "Press one of the buttons to decide",
    "问题类别无效": "Not a valid category",
    "原诉求刚被合并到本诉求，不能再把本诉求合并到它": "That original has just been merged into this issue: this one cannot be merged into it",
    "原诉求已合并到 %(code)s，不能再合并到它": "That original was merged into %(code)s: it cannot take a merge",
    "Django site admin": "Django site admin", "Home": "Home",
    "仅督查角色：其监管的行业": "Supervisors only: the utilities they regulate",
    "责任单位人员必须选择单位": "Unit staff must have a unit",
    "督查人员至少选择一个监管行业": "A supervisor needs at least one regulated utility",
    "只有督查角色需要监管行业": "Only supervisors have regulated utilities",
    "角色与单位": "Role and unit",
    "角色": "Role",
    "单位": "Unit",
    "电话": "Phone",
    "用户": "User",
    "附加问题必须是列表": "The extra questions must be a list",
    "第 %(i)s 个问题必须是对象": "Question %(i)s must be an object",
    "第 %(i)s 个问题的 code 须为唯一的小写英文标识": "Question %(i)s: code must be a unique lower-case identifier",
    "第 %(i)s 个问题缺少 label": "Question %(i)s has no label",
    "第 %(i)s 个问题的 type 须为 text/number/choice/boolean": "Question %(i)s: type must be text, number, choice or boolean",
    "第 %(i)s 个问题的 required 须为 true 或 false": "Question %(i)s: required must be true or false",
    "第 %(i)s 个问题是选择题，须提供 choices 列表": "Question %(i)s is a choice: it needs a list of choices",
    "时限与核查": "Deadlines and verification",
    "表单": "Form",
    "服务行业": "Utilities served",
    "值班联系人必须是列表": "The on-call contacts must be a list",
    "第 %(i)s 个联系人须为 {\"name\": ..., \"phone\": ...}": "Contact %(i)s must be {\"name\": ..., \"phone\": ...}",
    "类别“%(c)s”不属于所选行业": "Category “%(c)s” is not of the chosen utility",
    "该单位的服务行业不含所选行业": "The unit does not serve the chosen utility",
    "时限至少为 1": "A deadline is at least 1",
    "holidays 库中没有 %(y)s 年的官方放假安排。请先在“工作日调整”中录入该年的放假和调休日期，或升级 holidays 库后再登记。": "The holidays library has no official calendar for %(y)s. Enter that year's days off and make-up working days under “Working-day adjustments” first, or upgrade the holidays library, then register the year.",
    "holidays 库已收录": "In the holidays library",
    "令牌": "Token",
    "重新生成所选客户端的令牌（旧令牌立即失效）": "Make new tokens for the chosen clients (the old ones stop working at once)",
    "受理编号、完整电话号码或小区名称开头": "Tracking code, whole phone number or the start of a 小区 name",
    "诉求": "Issue",
    "文件": "File",
    "接收人": "Recipient",
    "收到时间": "Received at",
    "短信内容": "Message",
    "收到次数": "Times received",
    "发件箱记录": "Outbox row",
    "Open311": "Open311",
    "回访员代录": "Recorded by a revisit agent",
    "待审批": "Pending",
    "已批准": "Approved",
    "已拒绝": "Refused",
    "待裁定": "Pending",
    "自然分钟": "Clock minutes",
    "工作分钟": "Working minutes",
    "工作日": "Working days",
    "申诉": "Appeal",
    "申诉裁定": "Appeal decided",
    "时限重算": "Deadlines recomputed",
    "查看号码": "Phone shown",
    "个人信息去标识化": "Personal data removed",
    "小区及门牌": "Address",
    "时限标记": "Deadline marks",
    "首次交办": "First assigned",
    "首次认领": "First claimed",
    "销号时间": "Closed at",
    "升级级别": "Escalation level",
    "重办次数": "Reworks",
    "名称": "Name",
    "英文名": "English name",
    "服务代码": "Service code",
    "供暖季优先级": "Heating-season priority",
    "办结需督查核查": "Fix needs verification",
    "紧急类默认需要核查": "Emergency categories need it by default",
    "启用": "Active",
    "附加问题": "Extra questions",
    "保供企业": "Utility company",
    "职能部门": "Government department",
    "类型": "Kind",
    "服务县区": "Districts served",
    "上级单位": "Parent unit",
    "值班联系人": "On-call contacts",
    "自动交办": "Assign at once",
    "勾选后提交即交办，否则仅向分派员建议": "Ticked: a filing is assigned at once; otherwise only suggested to dispatchers",
    "分派规则": "Routing rules",
    "分派时限单位": "Dispatch deadline unit",
    "响应时限单位": "Response deadline unit",
    "办结时限单位": "Resolution deadline unit",
    "时限规则": "Deadline rules",
    "日期": "Date",
    "是工作日": "Is a working day",
    "工作日调整": "Working-day adjustments",
    "年份": "Year",
    "官方日历年份": "Official calendar years",
    "绑定单位": "Bound unit",
    "纬度": "Latitude",
    "经度": "Longitude",
    "附加回答": "Extra answers",
    "提交系统": "Filed by system",
    "代录人": "Filed by",
    "认领人": "Claimed by",
    "首次交办时间": "First assigned at",
    "首次认领时间": "First claimed at",
    "本轮办理起算": "This round started",
    "时限待定": "Deadlines provisional",
    "时限超出已公布的官方放假安排年份": "Deadlines beyond the published official holiday years",
    "督办级别": "Supervision level",
    "办理轮次": "Resolution round",
    "原件": "Original",
    "下次检查时间": "Next check at",
    "理由": "Reason",
    "申请办结时限": "Requested deadline",
    "问题已解决": "Solved",
    "申诉成立不计入": "Excluded on appeal",
    "附件": "Attachments",
    "待发送": "Pending",
    "发送中": "Sending",
    "已发送": "Sent",
    "发送失败": "Failed",
    "已跳过": "Skipped",
    "短信": "SMS",
    "邮件": "E-mail",
    "标题": "Subject",
    "内容": "Body",
    "尝试次数": "Attempts",
    "下次尝试": "Next attempt",
    "占用至": "Leased until",
    "发送时间": "Sent at",
    "错误": "Error",
    "通知": "Notifications",
    "短信记录": "SMS records",
    "心跳": "Heartbeats",
    "日统计": "Daily counts",
    "日合计": "Daily totals",
    "该月第一天": "First day of the month",
    "题目": "Title",
    "排队中": "Queued",
    "导出中": "Exporting",
    "已完成": "Done",
    "失败": "Failed",
    "导出记录": "Exports",
    "完成比例（%%）": "Done (%%)",
    "无": "None", "黄牌督办": "Yellow supervision order", "红牌督办": "Red supervision order",
    "按短信内容搜索，例如受理编号；或输入完整电话号码，查看发给它的短信":
        "Search the text, a tracking code for example, or type a whole phone number to see the messages sent to it",
    "开始日期晚于结束日期，请改正后再筛选。": "The start date is after the end date: correct it and filter again.",
    "这个指标需要开始和结束日期，请填写后再筛选。": "This measure needs a start and an end date: fill them in and filter again.",
    "开始日期晚于结束日期，已改为显示本月。": "The start date is after the end date, so this month is shown instead.",
    "自定义时段须填写开始和结束日期，且不超过十年，已改为显示本月。":
        "A custom period needs a start and an end date, at most ten years apart, so this month is shown instead.",
    "这件诉求已不在您的办理范围内（可能刚被退单、改派或合并），请刷新工作台。":
        "This issue is no longer yours to handle (it may just have been returned, reassigned or merged). "
        "Please refresh your workbench.",
    "%(label)s应在 %(min)s 到 %(max)s 之间": "%(label)s must be between %(min)s and %(max)s",
    "第 %(i)s 个问题的 min / max 须为 ±10 亿以内的数字，且 min 不大于 max":
        "Question %(i)s: min and max must be numbers within ±1,000,000,000, and min no greater than max",
    "%(label)s不能小于 %(min)s": "%(label)s must be at least %(min)s",
    "%(label)s不能大于 %(max)s": "%(label)s must be at most %(max)s",
    "受理编号太长了，请核对后再试": "That tracking code is too long: please check it and try again",
    "电话号码太长了，请核对后再试": "That phone number is too long: please check it and try again",
    "这个评价链接是上一轮办理结果的。问题已重新办理，新的结果办好后会再发短信请您评价，请用新短信里的链接。":
        "This rating link was for an earlier result. The issue has been worked on again; when the new result is "
        "ready you will get a new text message asking you to rate it. Please use the link in that message.",
    "已失效": "Lapsed",
    "该申请已失效（诉求已退单、已办结或转入重办），无需审批；承办单位如仍需要，可按现在的办理情况重新申请":
        "This request has lapsed (the issue was returned, reported fixed or went back for rework): there is nothing "
        "to decide. If the unit still needs it, it can ask again for the work as it is now.",
    "已办结，申请失效": "Lapsed: the issue was reported fixed",
    "申请的时间已不晚于现行办结时限或已过，批准它不会延期；请拒绝，由承办单位重新申请":
        "The requested date is no later than the deadline in force, or has passed, so approving it extends nothing. "
        "Refuse it and let the unit ask again.",
    "整改完成时限已过，不能批准；请拒绝，由承办单位重新提交":
        "The plan's completion date has passed, so it cannot be approved. Refuse it and let the unit file it again.",
    "申请时间必须晚于现在": "The requested date must be later than now",
    "承办单位已退单，申请失效": "Lapsed: the unit returned the issue",
    "转入重办，申请失效": "Lapsed: the issue went back for rework",
    "按电话查找会记录查询人、时间和号码（脱敏），供个人信息保护审计。":
        "A search by phone number records who searched, when and the number (masked), for the personal-data audit.",
    "查询人": "Searched by", "查询时间": "Searched at", "找到件数": "Issues found", "电话查询记录": "Phone lookups",
    "输入完整电话号码，查看谁查过这个号码；或输入工作人员的用户名":
        "Type a whole phone number to see who searched for it, or a staff member's username",
    "群众忘了受理编号（留固定电话的收不到短信）时，用他提交或关注时留的完整电话查找；也可以直接输入受理编号。":
        "When a caller has lost the tracking code (a landline gets no text messages), find their issues by the whole "
        "phone number they filed or followed with, or type the tracking code.",
    "受理编号或完整电话": "Tracking code or whole phone number", "查找": "Find",
    "没有找到相关诉求。": "No issues found.",
    "只列出最近的 %(limit)s 件。": "Only the latest %(limit)s are listed.",
    "请输入受理编号（ZY 开头）或完整的电话号码": "Type a tracking code (starting with ZY) or a whole phone number",
    "1. 哪一类问题": "1. What kind of problem", "行业": "Utility", "问题类别": "Category",
    "请选择问题类别": "Choose a category", "（紧急）": " (emergency)", "安全提示": "Safety first",
    "补充信息": "More details", "请选择": "Choose", "是": "Yes", "否": "No",
    "2. 在哪里": "2. Where", "县区": "District", "请选择县区": "Choose a district", "小区": "Residential compound",
    "楼栋": "Building", "单元": "Unit", "户（门牌号）": "Flat", "使用我的位置（可选）": "Use my location (optional)",
    "已附上位置": "Location attached", "3. 什么情况": "3. What happened", "问题描述": "Description",
    "例如：暖气片不热，室内只有15度，已持续3天": "e.g. radiators cold, 15 °C indoors for 3 days",
    "照片（可选，最多 %(n)s 张，每张不超过 %(mb)s MB，JPG/PNG/WebP/HEIC）":
        "Photos (optional, up to %(n)s, each up to %(mb)s MB: JPG, PNG, WebP or HEIC)",
    "照片上传时会去除拍摄位置等隐藏信息。": "Location and other hidden data are removed from photos on upload.",
    "4. 怎么联系您": "4. How to reach you", "联系电话": "Phone number",
    "手机或固定电话。受理编号和办理进展通过短信发送，只有手机能收到；留固定电话请记下页面上的受理编号。":
        "Mobile or landline. The tracking code and progress are sent by SMS, which only mobiles receive; with a landline, note the code shown after sending.",
    "称呼（可选）": "Name (optional)", "例如：王女士": "e.g. Ms Wang",
    "个人信息收集和使用说明": "How we use your personal information",
    "我们收集您填写的电话、称呼、地址、问题描述和照片（以及您选择提供的位置），仅用于办理您反映的问题：交办责任单位、联系您核实情况、短信告知进展并请您评价。工作人员页面只显示部分隐藏的电话号码；照片上传时去除拍摄位置等隐藏信息；办结后超过保存期限的个人信息将被去标识化。":
        "We collect the phone number, name, address, description and photos you enter (and your location if you choose to share it) only to handle your report: to pass it to the responsible unit, contact you about it, tell you about progress by SMS and ask for your rating. Staff pages show your number partly hidden; hidden data such as the location is removed from photos; personal data of closed reports is de-identified after the retention period.",
    "我已阅读并同意上述个人信息收集和使用说明": "I have read and agree to how my personal information is used",
    "提交成功": "Sent", "提交成功，已受理": "Sent and received", "您的受理编号": "Your tracking code",
    "编号已通过短信发送到您的手机。凭编号和手机号码可随时查询进度。":
        "The code has been sent to your mobile by SMS. Use it with your phone number to track progress.",
    "您留的是固定电话，收不到短信。请务必记下或截图保存这个编号，凭编号和电话号码查询进度。":
        "You gave a landline, which cannot receive SMS. Please write down or screenshot this code; use it with your number to track progress.",
    "Y年n月j日 H:i": "j M Y H:i", "办理时限": "Deadlines",
    "最迟 <strong>%(t)s</strong> 前交给负责的单位；": "passed to the responsible unit by <strong>%(t)s</strong>;",
    "最迟 <strong>%(t)s</strong> 前该单位接单处理；": "taken on by that unit by <strong>%(t)s</strong>;",
    "最迟 <strong>%(t)s</strong> 前处理完毕。": "fixed by <strong>%(t)s</strong>.",
    "以上时限按目前已公布的放假安排计算，新的放假安排公布后可能微调。":
        "These deadlines use the holiday schedule published so far and may shift slightly when the next one is published.",
    "接下来": "What happens next",
    "分派中心把问题交给负责的单位（供水、供电、燃气或供热公司等）。":
        "The dispatch centre passes it to the responsible unit (the water, power, gas or heating company, for example).",
    "单位接单后会尽快处理，必要时电话联系您了解情况。": "The unit takes it on and fixes it, calling you if it needs to know more.",
    "处理完毕后，我们会通过短信请您评价；不满意的将重新办理。":
        "When it is fixed we ask for your rating by SMS; if you are not satisfied it is reworked.",
    "查看办理进度": "See progress", "再反映一个问题": "Report another problem",
    "附近已有人反映过类似问题": "Someone nearby already reported a similar problem",
    "如果是同一个问题，点“这也是我的问题”即可一起关注，不必重复提交。":
        "If it is the same problem, choose “This is my problem too” to follow it instead of filing it again.",
    "这也是我的问题": "This is my problem too",
    "关注后，办理进展会同样短信告知您，办结后也请您评价（固定电话收不到短信）。":
        "As a follower you get the same progress messages by SMS and are asked to rate the fix (a landline gets no SMS).",
    "您的联系电话": "Your phone number",
    "我同意提供电话号码，仅用于告知办理进展和邀请评价": "I agree to give my number, used only for progress messages and the rating",
    "确认关注": "Follow", "不是同一个问题？返回继续填写": "Not the same problem? Back to the form",
    "已关注": "Following", "您已关注这件诉求，受理编号：": "You are following this report. Tracking code:",
    "办理进展和评价邀请会短信发送到您的手机。": "Progress and the rating request will be sent to your mobile by SMS.",
    "固定电话收不到短信，请记下编号，凭编号和电话号码查询进度。":
        "Landlines cannot receive SMS: note the code and use it with your number to track progress.",
    "返回首页": "Home", "操作太频繁": "Too many requests", "操作太频繁，请稍后再试": "Too many requests — please try again later",
    "紧急情况请直接拨打 119 或各公司24小时抢修热线。": "In an emergency call 119 or the company's 24-hour line directly.",
    "未找到相关诉求。请核对受理编号和完整的联系电话后再试。":
        "No matching report found. Please check the tracking code and the full phone number.",
    "受理编号": "Tracking code", "提交时留的完整电话号码": "The full phone number you gave",
    "查询": "Track", "忘记受理编号？": "Lost your code?", "提交时留的手机号码": "The mobile number you gave",
    "把办理中和待评价诉求的编号发到我的手机": "Send me the codes of my open reports",
    "办理进度": "Progress", "当前状态：": "Status: ", "说明：": "Reason: ",
    "请用编号 %(code)s 和您的电话查询后续进展。": "Track it further with code %(code)s and your phone number.",
    "办理阶段": "Phases", "地点": "Place", "承办单位": "Handling unit", "尚未交办": "Not yet assigned",
    "提交时间": "Filed", "交给负责单位：已于 %(t)s 完成": "Passed to the unit: done %(t)s",
    "交给负责单位：最迟 %(t)s": "Passed to the unit: by %(t)s",
    "单位接单处理：已于 %(t)s 接单": "Taken on by the unit: done %(t)s",
    "单位接单处理：最迟 %(t)s": "Taken on by the unit: by %(t)s", "处理完毕：最迟 %(t)s": "Fixed: by %(t)s",
    "（已批准延期）": " (extension approved)", "办理记录": "Timeline", "照片": "Photo",
    "评价办理结果": "Rate the result", "承办单位：": "Handling unit: ", "办理结果：": "Result: ",
    "您是这件诉求的关注人，您的评价会被记录并反馈给承办单位。":
        "You follow this report; your rating is recorded and passed on to the unit.",
    "请按红色提示补充后再提交。": "Please complete the answers marked in red.",
    "问题解决了吗？": "Is the problem solved?", "您对办理结果满意吗？": "Are you satisfied with the result?",
    "意见（可选）": "Comment (optional)", "提交评价": "Send rating", "感谢您的评价": "Thank you for your rating",
    "您的评价已记录，并反馈给承办单位。": "Your rating is recorded and passed on to the unit.",
    "您对办理结果不满意，问题已重新交承办单位办理，新的办结时限为 %(t)s。":
        "You were not satisfied, so the unit must work on it again; the new deadline is %(t)s.",
    "这件诉求已办结销号。": "This report is closed.",
    "您的评价已记录，督查部门将研判后续处理。": "Your rating is recorded; the supervising department will decide what happens next.",
    # partials/unsaved.html, staff/gone.html
    "您填写的内容没有保存。可复制下面的文字，刷新后按当前状态另行处理：":
        "What you typed was not saved. Copy the text below, refresh, and act on the issue as it is now:",
    "这份诉求您刚才已经提交，受理编号：": "You sent this report a moment ago. Tracking code: ",
    "。原样再次提交不会重复登记；要反映另一个问题，请清空后重新填写。":
        ". Sent again unchanged, it files nothing new; to report another problem, clear the form and start again.",
    "选“不满意”，问题将退回承办单位重新办理；选“满意”或“基本满意”，这件诉求将办结销号（即使上面选了“未解决”）。":
        "Choosing “Dissatisfied” sends the problem back to the unit to work on again; “Satisfied” or "
        "“Basically satisfied” closes the report (even if you chose “Not resolved” above).",
    "这个评价链接是上一轮办理结果的。这件诉求现已办结销号，无需再评价。":
        "This rating link is for an earlier result. The report is now closed; no rating is needed.",
    "这个评价链接是上一轮办理结果的。问题已重新办理，新的办理结果已用短信发送，请用最新短信里的链接评价。":
        "This rating link is for an earlier result. The problem was worked on again and the new result was sent "
        "by SMS: please rate with the link in the latest message.",
    "评价链接已过期": "This rating link has expired",
    "这个评价链接发出已超过30天，不能再评价了。凭受理编号和电话号码仍可查询办理进度；对办理结果有意见，请拨打12345热线。":
        "This rating link was sent more than 30 days ago and can no longer be used. You can still follow the report "
        "with its tracking code and your phone number; if you are unhappy with the result, call the 12345 hotline.",
    "第 %(n)s 张文件不是 JPG、PNG、WebP 或 HEIC 格式的照片，或文件已损坏":
        "File %(n)s is not a JPG, PNG, WebP or HEIC photo, or it is damaged",
    "第 %(n)s 张文件不是 JPG、PNG、WebP 或 HEIC 格式的照片": "File %(n)s is not a JPG, PNG, WebP or HEIC photo",
    "员工接口令牌": "Staff API token", "令牌摘要": "Token digest", "令牌开头": "Token start",
    "重新生成所选项的令牌（旧令牌立即失效）": "Make new tokens for the chosen rows (the old ones stop working at once)",
    "令牌只显示这一次，离开本页后无法再查看（系统只保存其摘要）。请现在复制，并妥善交给使用它的人或系统的管理人员。":
        "Each token is shown this once and cannot be seen again after you leave this page (only its digest is "
        "kept). Copy it now and hand it safely to the person or system that will use it.",
    "以下各项的令牌刚被另一位管理员重新生成，本次未更改（以对方生成的为准）：":
        "These tokens were just made anew by another admin and were left as that admin made them: ",
    "返回%(what)s列表": "Back to the %(what)s",
    "这件诉求已经办结，评价邀请已短信发送到您的手机。": "This report has been resolved: the invitation to rate it was sent to your phone by SMS.",
    "您已评价过这一轮办理结果。": "You rated this result already. ",
    "这个评价链接是上一轮办理结果的。": "This rating link is for an earlier result. ",
    "这件诉求现已办结销号，无需再评价。": "The report is now closed; no rating is needed.",
    "最新一轮办理结果您已评价，感谢您的反馈。": "You have rated the latest result. Thank you.",
    "问题已重新办理，新的办理结果已用短信发送，请用最新短信里的链接评价。":
        "The problem was worked on again and the new result was sent by SMS: please rate it with the link in the latest message.",
    "问题已重新办理，新的结果办好后会再发短信请您评价，请用新短信里的链接。":
        "The problem is being worked on again; when it is done, a new SMS will ask you to rate it with a new link.",
    "这件诉求已多次重新办理。选“不满意”，将交督查部门研判后续处理；选“满意”或“基本满意”，这件诉求将办结销号（即使上面选了“未解决”）。":
        "This report has been worked on again more than once. “Dissatisfied” passes it to the supervising "
        "department to decide what happens next; “Satisfied” or “Basically satisfied” closes the "
        "report (even if you chose “Not resolved” above).",
    "未保存的内容": "Text not saved", "不在办理范围内": "No longer yours to handle", "返回工作台": "Back to your workbench",
}
# The dashboard, the ledger and exports (issue #6: issues/measures.py, issues/ledger.py, templates/dashboard/).
EN.update({
    "督查仪表盘": "Supervision dashboard", "台账": "Ledger", "督查导航": "Supervision navigation",
    "城市生命线督查仪表盘": "City lifelines supervision dashboard", "范围": "Scope", "统计期": "Period",
    "北京时间": "Beijing time", "全市": "Whole city", "今日": "Today", "本周": "This week", "本月": "This month",
    "自定义": "Custom", "开始日期": "From", "结束日期": "To", "关键指标": "Key measures", "当前": "now",
    "依据": "based on", "件": "issues", "趋势": "Trend", "受理量与销号量趋势": "Received and closed over time",
    "县区分布": "By district (map)", "地图指标": "Map measure", "张掖市六县区地图": "Map of Zhangye's six districts",
    "每月一题": "Monthly topic", "本月尚未设定每月一题。": "No monthly topic has been set for this month.",
    "设定本月题目": "Set this month's topic", "月份": "Month", "行业": "Utility", "类别": "Category",
    "全部类别": "All categories", "题目，如：供暖不热集中整治": "Title, e.g. campaign on cold homes", "保存": "Save",
    "红黑榜": "Unit ranking (red and black list)",
    "本期评价满 %(n)s 件的单位参与排名，按满意率排序。":
        "Units with at least %(n)s rated issues in the period are ranked by satisfaction rate.",
    "本期没有评价满 %(n)s 件的单位。": "No unit has %(n)s rated issues in this period.",
    "评价件数": "Rated issues", "升级至市长办的诉求": "Issues escalated to the mayor's office", "全部": "All",
    "当前没有升级至市长办的诉求。": "No issue is escalated to the mayor's office now.", "无数据": "No data",
    "按行业": "By utility", "按县区": "By district", "按责任单位": "By unit", "按问题类别": "By category",
    "受理量": "Received", "销号量": "Closed", "在办": "Open", "超时": "Overdue", "督办中": "Under supervision",
    "升级至市长办": "Escalated", "按时分派率": "On-time dispatch", "按时响应率": "On-time response",
    "按时办结率": "On-time resolution", "解决率": "Solved rate", "满意率": "Satisfaction rate", "重办率": "Rework rate",
    "受理": "Received", "未交办": "Not assigned",
    "本期提交的诉求（不含合并件）": "Issues filed in the period (merged duplicates left out)",
    "本期办结销号的诉求": "Issues that reached closed in the period",
    "当前未关闭的诉求（待分派至待回访）": "Issues open now (new to awaiting rating)",
    "当前在办且已超过所处环节时限的诉求": "Open issues past a deadline in force now",
    "当前在办且有督办单的诉求": "Open issues with a supervision order",
    "当前在办且升级到二级的诉求": "Open issues escalated to level 2",
    "分派时限落在本期的诉求中，按时交办（含自动分派）或不予受理的比例":
        "Of issues whose dispatch deadline fell in the period, the share assigned (routing included) or rejected by it",
    "响应时限落在本期的诉求中，按时被认领的比例（退单不重置时钟）":
        "Of issues whose response deadline fell in the period, the share claimed by it (returns do not reset the clock)",
    "本期最近一次办结的诉求中，在当时有效的办结时限内办结的比例":
        "Of issues last resolved in the period, the share resolved by the deadline in force at that moment",
    "本期评价的诉求中，评价为已解决的比例": "Of issues rated in the period, the share rated solved",
    "本期评价的诉求中，满意或基本满意的比例（以报告人最近一次评价为准，申诉成立的评价不计）":
        "Of issues rated in the period, the share satisfied or basically satisfied (the reporter's latest rating; ratings excluded on appeal left out)",
    "本期评价的诉求中，曾因不满意评价重办的比例（核查退回不算重办）":
        "Of issues rated in the period, the share reopened by a dissatisfied rating at least once (a fix sent back is not rework)",
    "诉求台账": "Issue ledger", "筛选": "Filter", "导出 Excel": "Export Excel", "导出 CSV": "Export CSV",
    "按当前筛选条件导出，电话号码已脱敏，导出记录留档。":
        "Exports what the filters select; phone numbers are masked; every export is recorded.",
    "导出": "Export", "导出进度": "Export progress", "行": "rows", "下载": "Download",
    "导出失败，请重试": "Export failed, please try again", "导出台账": "Export the ledger", "返回台账": "Back to the ledger",
    "受理编号": "Tracking code", "提交时间": "Filed", "县区": "District", "牵头单位": "Lead unit", "状态": "Status",
    "分派时限": "Dispatch by", "响应时限": "Respond by", "办结时限": "Resolve by", "办结时间": "Resolved",
    "超时天数": "Days overdue", "整改计划": "Plan", "联系电话": "Phone", "延期": "extended", "待定": "provisional",
    "没有符合条件的诉求。": "No issue matches.", "回到第一页": "First page", "下一页": "Next page",
    "指标": "Measure", "全部诉求": "All issues", "全部行业": "All utilities", "全部县区": "All districts",
    "全部单位": "All units", "全部状态": "All statuses",
    "分派时限到期": "Dispatch deadline fell", "按时分派": "Dispatched on time", "响应时限到期": "Response deadline fell",
    "按时响应": "Responded on time", "按时办结": "Resolved on time", "已评价": "Rated", "评价已解决": "Rated solved",
    "满意或基本满意": "Satisfied or basically satisfied", "曾重办": "Reworked",
    "仪表盘仅供市长办公室和督查人员使用": "The dashboard is for the mayor's office and supervisors",
    "月份格式应为 YYYY-MM": "Month must be YYYY-MM", "请选择行业并填写题目": "Choose a utility and give a title",
    "导出格式无效，请选择 Excel（.xlsx）或 CSV。": "Unknown export format: choose Excel (.xlsx) or CSV.",
})

# The staff workbenches and login (issue #5: issues/views/staff.py, templates/staff/, templates/partials/).
# setdefault: where a label is shared (e.g. 交办 as an event kind), the existing English stays.
for _k, _v in {
    "工作人员登录": "Staff login", "用户名": "Username", "密码": "Password", "登录": "Log in",
    "用户名或密码不正确。连续输错 5 次，该账号将被锁定 30 分钟。": "Wrong username or password. After 5 failures in a row the account is locked for 30 minutes.",
    "仅限分派、责任单位、督查、回访和市长办公室工作人员使用。群众反映问题无需登录。": "For dispatch, unit, supervision, revisit and mayor's office staff only. Residents need no login to report a problem.",
    "账号已锁定": "Account locked", "账号已暂时锁定": "Account temporarily locked",
    "该账号连续多次密码错误，已锁定 30 分钟。请稍后再试，或联系系统管理员重置。": "Too many wrong passwords: this account is locked for 30 minutes. Try again later or ask an administrator to reset it.",
    "返回登录": "Back to login", "工作台": "Workbench", "退出": "Log out",
    "无权访问": "Not allowed", "您的角色不能使用此页面。": "Your role cannot use this page.",
    "您的账号尚未分配角色，请联系系统管理员。": "Your account has no role yet; please ask an administrator.",
    "分派队列": "Dispatch queue", "代群众登记": "File for a caller", "本单位待办": "Unit queue", "督查督办": "Supervision",
    "回访": "Revisit", "为来电群众登记诉求": "File an issue for a caller",
    "待分派和被退单的诉求：紧急在前，其余按等待时间先后。": "New and returned issues: emergencies first, then the longest waiting.",
    "批量交办勾选的诉求给": "Assign the ticked issues to", "各自的分派建议单位": "each one's suggested unit", "批量交办": "Bulk assign",
    "没有待分派的诉求。": "No issues waiting for dispatch.", "勾选": "Select", "已等待": "Waiting", "分派时限": "Dispatch by",
    "已超时": "Overdue by", "交办给": "Assign to", "无分派建议": "No routing suggestion", "选择单位 / 协办": "Choose units / co-handlers",
    "在诉求页选择牵头和协办单位": "Choose the lead and co-handling units on the issue page", "合并 / 不予受理": "Merge / reject",
    "牵头单位": "Lead unit", "协办单位": "Co-handling units", "协办单位（可选）": "Co-handling units (optional)",
    "交办意见（可选）": "Instructions (optional)", "交办": "Assign", "建议": "suggested",
    "本单位牵头或协办的已交办、办理中和限期整改诉求，时限最近的在前。": "Issues your unit leads or co-handles (assigned, in progress, planned), nearest deadline first.",
    "暂无待办诉求。": "Nothing in the queue.", "牵头": "Lead", "协办": "Co-handler", "延期待批": "Extension pending",
    "计划待批": "Plan pending", "重办": "Rework", "响应时限": "Respond by", "办结时限": "Resolve by", "剩余": "Left",
    "办理": "Work on it", "填写协办进展": "Add a co-handler note", "认领": "Claim",
    "超时和临期": "Overdue and near due", "延期申请": "Extension requests", "整改计划": "Rectification plans",
    "待核查": "To verify", "督办中": "Under supervision", "评价申诉": "Rating appeals", "重办上限": "Rework limit",
    "全部行业": "All utilities", "监管行业": "Regulated utilities", "此类暂无诉求。": "No issues here.", "升级": "Escalated",
    "时限": "Deadline", "处理": "Handle", "核查通过": "Verified",
    "已办结、等待群众评价且尚未评价的诉求：电话回访后代为记录群众的回答。": "Resolved issues awaiting a rating that has not come: call the resident and record the answers.",
    "暂无待回访诉求。": "No issues to revisit.", "显示号码": "Show number", "待回访起始": "Awaiting rating since",
    "问题是否已解决": "Is the problem solved?", "满意度": "Satisfaction", "群众意见（可选）": "Resident's comment (optional)",
    "记录回访结果": "Record the answers", "记录电话回访结果": "Record a phone revisit",
    "筛选": "Filter", "清除": "Clear", "下一页": "Next page", "已到最后一页": "Last page",
    "行业": "Utility", "县区": "District", "类别": "Category", "优先级": "Priority", "状态": "Status", "超时": "Overdue",
    "督办": "Supervision", "全部县区": "All districts", "全部类别": "All categories", "全部优先级": "All priorities",
    "全部状态": "All statuses", "是否超时": "Overdue?", "未超时": "Not overdue", "督办情况": "Supervision",
    "红牌": "Red", "黄牌": "Yellow", "未督办": "No order", "提交日期从": "Filed from", "提交日期至": "Filed to",
    "已延期": "Extended", "待督查裁定": "Awaiting supervisor's decision", "地址": "Address", "问题描述": "Description",
    "补充信息": "More details", "报告人": "Reporter", "渠道": "Channel", "提交于": "filed", "分派": "Dispatch",
    "响应": "Response", "办结": "Resolve", "暂定": "provisional", "对外说明": "Public note", "原诉求": "Original",
    "查看原诉求": "View the original", "查看完整号码的理由（将被记录）": "Reason to see the full number (recorded)",
    "督办单": "Supervision orders", "要求 %(t)s 前完成": "due %(t)s", "完成时限": "Due", "操作": "Actions",
    "合并到原诉求": "Merge into an original", "按受理编号搜索原诉求": "Search the original by tracking code", "搜索": "Search",
    "不予受理理由（群众可见）": "Reason (shown to the resident)",
    "填写进展": "Add progress", "进展说明": "Progress", "照片（可选）": "Photos (optional)", "群众可见": "Visible to the resident",
    "提交进展": "Add progress", "办理结果": "Result", "报告办结": "Report fixed", "申请延期": "Request an extension",
    "延期理由": "Reason", "申请办结时间": "New resolution deadline", "提交延期申请": "Request extension",
    "提交整改计划（限期销号）": "File a rectification plan", "整改措施": "Steps", "整改完成时限": "Plan deadline",
    "提交整改计划": "File plan", "报告整改进展": "Report plan progress", "完成比例（%）": "Done (%)",
    "提交整改进展": "Report progress", "退单（不属于本单位）": "Return (not our unit's)", "退单理由": "Reason", "退单": "Return",
    "对不满意评价申诉": "Appeal a dissatisfied rating", "评价": "Rating", "第%(n)s轮": "Round %(n)s",
    "申诉理由": "Reason", "提交申诉": "Appeal", "核查办理结果": "Verify the fix",
    "核查意见（退回时必填）": "Note (required to send back)", "退回重新办理": "Send back",
    "延期申请待审批": "Extension request to decide", "申请延至": "Requested until",
    "审批意见（拒绝时必填）": "Note (required to refuse)", "批准延期": "Approve extension", "拒绝": "Refuse",
    "整改计划待审批": "Rectification plan to decide", "批准计划": "Approve plan", "重办上限裁定": "Decision at the rework limit",
    "裁定意见": "Decision note", "裁定销号": "Close", "再次重办": "One more rework", "评价申诉待裁定": "Appeal to decide",
    "裁定意见（可选）": "Decision note (optional)", "申诉成立，不计入考核": "Uphold the appeal (exclude the rating)",
    "维持评价": "Keep the rating", "下达督办单": "Issue a supervision order", "级别": "Level", "督办要求": "Instruction",
    "要求完成时间": "Due by", "下达督办": "Issue order", "办理记录": "Timeline", "内部": "internal", "照片": "Photo",
    "不计入考核": "excluded", "选择原诉求": "Choose the original", "说明（可选，群众可见）": "Note (optional, shown to the resident)",
    "合并": "Merge", "没有找到匹配的未办结诉求。": "No matching open issue.",
    "同一小区同类未办结诉求：无。可按受理编号搜索。": "No open issue of this category in the same community; search by tracking code.",
    "%(d)d天%(h)d小时": "%(d)d d %(h)d h", "%(h)d小时%(m)d分钟": "%(h)d h %(m)d min", "%(m)d分钟": "%(m)d min",
    "号码已显示，本次查看已记录": "Number shown; this look-up is recorded", "回访结果已记录": "Revisit recorded",
    "已交办 %(n)d 件": "%(n)d assigned", "已交办": "Assigned", "已办结": "Reported fixed", "已合并到原诉求": "Merged into the original",
    "已批准延期": "Extension approved", "已批准整改计划": "Plan approved", "已拒绝延期": "Extension refused",
    "已拒绝整改计划": "Plan refused", "已裁定销号": "Closed by decision", "已要求再次重办": "Sent for one more rework",
    "已认领": "Claimed", "已退单，诉求回到分派队列": "Returned to dispatch", "已退回重新办理": "Sent back",
    "已退回，理由将告知群众": "Rejected; the resident will see the reason",
    "延期申请已提交，等待督查审批": "Extension requested; waiting for the supervisor",
    "整改计划已提交，等待督查审批": "Plan filed; waiting for the supervisor", "整改进展已记录": "Plan progress recorded",
    "照片有误": "Photo problem", "申诉已提交": "Appeal filed", "申诉成立，该评价不计入考核": "Appeal upheld; the rating is excluded",
    "督办单已下达": "Supervision order issued", "维持原评价": "Rating kept", "该诉求已不在待分派状态": "This issue is no longer waiting for dispatch",
    "请先勾选要交办的诉求": "Tick the issues to assign first", "没有分派建议": "no routing suggestion",
    "进展已记录": "Progress recorded", "分类": "Tabs",
}.items():
    EN.setdefault(_k, _v)

# The error pages (templates/400.html, 403.html, 403_csrf.html, 404.html, 500.html: issues/views/errors.py).
EN.update({
    "找不到这个页面": "Page not found",
    "您要打开的页面不存在。可能是网址输错了、少了几个字，或者链接已经失效。":
        "The page you tried to open does not exist. The address may be mistyped or cut short, or the link no longer works.",
    "请核对网址后再试，或者回到首页重新操作。要查看诉求的办理情况，请点“查询办理进度”，输入受理编号和联系电话。":
        "Check the address and try again, or start again from the home page. To see how your report is going, "
        "choose “Track a report” and enter the tracking code and your phone number.",
    "提交的内容太多": "Too much was sent",
    "提交的内容无法读取": "What was sent could not be read",
    "提交的内容无法读取，系统没能收下": "What was sent could not be read",
    "您这次提交的内容格式有误或不完整（例如网络中断），系统无法读取，诉求还没有提交成功。":
        "What you sent was malformed or incomplete (for example, the connection dropped), so it could not be read "
        "and nothing has been filed yet.",
    "请点浏览器的“返回”按钮回到上一页，刷新一下页面，再提交一次。返回后，您填写的文字一般还在。":
        "Press the browser's Back button, refresh the page and submit again. What you typed is usually still there.",
    "提交的内容太多，系统没能收下": "Too much was sent at once",
    "您这次提交的内容太多或太大，系统无法处理，诉求还没有提交成功。常见的原因是一次选的照片太多，或者照片太大。":
        "What you sent was too much or too large to handle, so it has not been submitted yet. "
        "Usually too many photos were chosen at once, or a photo is too large.",
    "请点浏览器的“返回”按钮回到上一页，少选几张照片或换小一些的照片，再提交一次。返回后，您填写的文字一般还在。":
        "Press the browser's Back button, choose fewer or smaller photos, and submit again. "
        "After going back, what you typed is usually still there.",
    "没有权限打开这个页面": "You may not open this page",
    "这个页面只对有相应权限的工作人员开放。": "This page is only for staff who have access to it.",
    "如果您是工作人员，请用有权限的账号登录后再试。如果您要反映问题或查询办理进度，请回到首页。":
        "If you are staff, log in with an account that has access and try again. "
        "To report a problem or track a report, go to the home page.",
    "页面已过期，请重新提交": "This page has expired: please submit again",
    "为了保护您的信息安全，每次提交都要经过一次安全校验。这次校验没有通过，您的内容还没有提交成功。原因通常是页面打开太久已经过期，或者浏览器关闭了 Cookie。":
        "To keep your information safe, every form you send is checked. This check failed, so nothing has been "
        "submitted yet. Usually the page was open too long and has expired, or the browser has cookies turned off.",
    "请这样做：": "Please do this:",
    "点浏览器的“返回”按钮，回到刚才的页面。返回后，您填写的内容一般还在。":
        "Press the browser's Back button to return to the page. What you typed is usually still there.",
    "刷新一下页面（点浏览器的刷新按钮，手机上也可以向下拉页面）。如果刷新后内容没有了，请重新填写。":
        "Refresh the page (press the browser's Refresh button, or pull the page down on a phone). "
        "If what you typed is gone after refreshing, please fill it in again.",
    "再点一次提交按钮。": "Press the submit button again.",
    "如果还是不行，请在浏览器设置里允许本网站使用 Cookie，或者换一个浏览器再试。":
        "If it still does not work, allow cookies for this site in the browser settings, or try another browser.",
    "系统暂时出错": "Something went wrong",
    "很抱歉，系统出了点问题，您刚才的操作可能没有完成。这不是您的错。":
        "Sorry, something went wrong on our side, and what you just did may not have been completed. "
        "It is not your fault.",
    "请过几分钟再试。如果您刚才在提交诉求，请先查询办理进度，确认是否已经提交成功，不要重复提交。":
        "Please try again in a few minutes. If you were sending a report, first track it to see whether it "
        "went through, so that it is not sent twice.",
})

EN.update({
    # 405: an address that takes a form's POST only.
    "这个页面不能这样打开": "This page cannot be opened this way",
    "这个网址不能用这种方式打开。例如提交表单后的页面，不能从收藏夹、浏览记录或刷新直接打开。":
        "This address cannot be opened this way. A page that answers a form, for example, cannot be opened "
        "from a bookmark, the history or a refresh.",
    "请回到首页重新操作。要查看诉求的办理情况，请点“查询办理进度”，输入受理编号和联系电话。":
        "Please start again from the home page. To see how a report is getting on, choose \"Track a report\" "
        "and enter its tracking code and phone number.",
    "整改计划时限": "Plan deadline", "月统计": "Monthly",
    # Which staff notes residents see.
    "交办意见（可选，仅工作人员可见）": "Instructions (optional, staff only)",
    "办理结果（群众可见）": "Result (shown to residents)",
    "安全提示（英文）": "safety instructions (English)",
    # Field messages of the filing (validation, photos, workflow), their labels in %(label)s.
    "%(label)s必须是文字": "%(label)s: must be text",
    "%(label)s含有不允许的字符": "%(label)s: contains characters that are not allowed",
    "请填写%(label)s": "%(label)s: please fill this in",
    "%(label)s过长，请删减后再提交": "%(label)s: too long; please shorten it and send again",
    "%(label)s最多 %(max)s 个字（现在至少 %(now)s 个）": "%(label)s: at most %(max)s characters (now at least %(now)s)",
    "%(label)s含有过多的组合符号或表情修饰，请删减后再提交": "%(label)s: too many combining marks or emoji modifiers; please shorten it",
    "%(label)s应为数字": "%(label)s: should be a number",
    "此项": "This field",
    "称呼": "Name",
    "户": "Flat",
    "居民": "Resident",
    "交办意见": "Instructions",
    "审批意见": "Decision note",
    "延期理由": "Reason for the extension",
    "意见": "Note",
    "整改措施": "Steps",
    "查看理由": "Reason",
    "核查意见": "Verification note",
    "申诉理由": "Reason for the appeal",
    "督办要求": "Instruction",
    "裁定意见": "Ruling",
    "说明": "Explanation",
    "进展说明": "Progress note",
    "退单理由": "Reason for returning it",
    "不予受理理由": "Reason",
    "%(label)s最多 %(max)s 个字（现在 %(now)s 个）": "%(label)s: at most %(max)s characters (now %(now)s)",
    "小区": "Residential compound", "问题描述": "Description", "楼栋": "Building", "单元": "Unit",
    "办理结果": "Result",
    "请填写联系电话": "Please fill in your phone number",
    "电话号码格式不正确": "This is not a phone number",
    "请填写有效的中国大陆手机或固定电话号码": "Please enter a valid mainland China mobile or landline number",
    "第 %(n)s 张照片像素过大（最多 %(limit)s 像素），请换一张照片，或截图后上传截图":
        "Photo %(n)s has too many pixels (at most %(limit)s): choose another photo, or upload a screenshot of it",
    "第 %(n)s 张文件不是 JPG、PNG 或 WebP 格式的照片，或文件已损坏":
        "File %(n)s is not a JPG, PNG or WebP photo, or it is damaged",
    "第 %(n)s 张照片超过 %(mb)s MB，请压缩后再上传": "Photo %(n)s is over %(mb)s MB; please make it smaller and send it again",
    "第 %(n)s 张照片是 HEIC 格式，暂不支持。请在相机设置中选择“兼容性最佳”（JPG）后重拍，或截图后上传":
        "Photo %(n)s is a HEIC file, which cannot be taken. Set the camera to \"Most Compatible\" (JPG) and take it "
        "again, or send a screenshot of it",
    "第 %(n)s 张文件不是 JPG、PNG 或 WebP 格式的照片": "File %(n)s is not a JPG, PNG or WebP photo",
    "第 %(n)s 张照片的编码异常，无法处理。请换一张照片，或截图后上传":
        "Photo %(n)s is encoded in a way that cannot be handled. Please send another photo, or a screenshot",
    "最多上传 %(max)s 张照片（现在 %(now)s 张）": "At most %(max)s photos (now %(now)s)",
    "请选择问题类别": "Please choose the kind of problem", "请选择县区": "Please choose the district",
    "渠道无效": "Unknown channel", "位置坐标无效": "The location is not valid",
    "位置坐标超出范围": "The location is out of range", "附加回答格式不正确": "The extra answers are not well formed",
    "请回答：%(label)s": "Please answer: %(label)s", "%(label)s应为数字": "%(label)s should be a number",
    "%(label)s：请从选项中选择": "%(label)s: please choose one of the options",
    # The workflow's answers to staff and residents (Conflict, Forbidden, NotFound, Invalid fields).
    "不能合并到自身": "An issue cannot be merged into itself", "协办单位无效": "Not a valid co-handling unit",
    "原诉求已办结或关闭，不能合并": "The original issue is finished or closed and cannot take a merge",
    "只有分派员可以代群众登记诉求": "Only dispatchers may file for a caller",
    "只有报告人、关注人或回访员可以评价": "Only the reporter, a follower or a revisit agent may rate",
    "只有牵头单位可以执行此操作": "Only the lead unit may do this",
    "只有牵头或协办单位可以填写进展": "Only the lead or a co-handling unit may add progress",
    "只能对报告人的不满意评价申诉": "Only the reporter's \"dissatisfied\" rating can be appealed",
    "回访期未满": "The revisit window has not ended yet",
    "完成比例应为 0–100 的整数": "The share done should be a whole number from 0 to 100",
    "已有待审批的延期申请": "An extension request is already awaiting a decision",
    "已有待审批的整改计划": "A rectification plan is already awaiting a decision",
    "延期申请不存在": "No such extension request",
    "待督查裁定的诉求不自动销号": "An issue awaiting a supervisor's ruling is not closed out automatically",
    "您是该诉求的报告人，无需关注": "You reported this issue, so you need not follow it",
    "您的角色不能执行此操作": "Your role cannot do this",
    "整改完成时限必须晚于现在": "The plan's deadline must be in the future",
    "整改计划不存在": "No such rectification plan",
    "未到个人信息保存期限": "The personal data's retention period has not ended yet",
    "本轮办理已评价": "This round of handling has been rated already",
    "查看号码须由具体工作人员操作并留痕": "Showing the number takes a named staff member and is recorded",
    "此操作须由具体工作人员办理": "This takes a named staff member",
    "申诉不存在": "No such appeal", "评价不存在": "No such rating", "诉求不存在": "No such issue",
    "申请时间必须晚于当前办结时限": "The requested time must be after the current resolution deadline",
    "要求完成时间必须晚于现在": "The required time must be in the future",
    "诉求当前状态为“%(status)s”，不能执行此操作": "The issue is \"%(status)s\" now, so this cannot be done",
    "该延期申请已审批": "This extension request has been decided already",
    "该整改计划已审批": "This rectification plan has been decided already",
    "该申诉已裁定": "This appeal has been ruled on already", "该评价已申诉": "This rating has been appealed already",
    "该诉求不在待裁定状态": "This issue is not awaiting a ruling",
    "该诉求已关闭，不能关注": "This issue is closed and cannot be followed",
    "请填写整改完成时限": "Please fill in the plan's deadline",
    "请填写申请的办结时间": "Please fill in the requested resolution time",
    "请填写要求完成时间": "Please fill in the required time",
    "请选择有效的牵头单位": "Please choose a valid lead unit",
    "请选择满意、基本满意或不满意": "Please choose satisfied, basically satisfied or dissatisfied",
    "请选择要合并到的原诉求": "Please choose the original issue to merge into",
    "请选择问题是否已解决": "Please say whether the problem is solved",
    "请选择黄牌或红牌督办": "Please choose a yellow or red card",
    "输入有误，请按提示修改": "Some input needs fixing; see the messages",
    "日期不能晚于五年之后": "The date cannot be more than five years ahead",
    "不存在": "Not found", "没有权限": "Permission denied", "请求体嵌套过深，无法解析": "The body is nested too deeply to read",
    "系统": "System", "自动分派": "Automatic assignment", "时限监控": "Deadline watch", "接口": "API",
    "n月j日 H:i": "j M H:i",
    "%(label)s：请选择是或否": "%(label)s: please choose yes or no",
    "第 %(i)s 个问题的 label_en 须为文字": "Question %(i)s: label_en must be text",
    "第 %(i)s 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应":
        "Question %(i)s: choice_labels_en must be a list of texts, one for each choice",
    # Admin: the apps and two internal tables.
    "诉求办理": "Issues", "账号": "Accounts", "创建时间": "created at", "受理编号计数": "tracking code counter", "统计汇总进度": "rollup progress",
    # API client tokens, stored as their hash only (admin).
    "令牌摘要": "token hash",
    "令牌开头": "token start",
    "新令牌": "New tokens", "接口客户端": "API client", "返回接口客户端列表": "Back to the API clients",
    "令牌只显示这一次，离开本页后无法再查看（系统只保存其摘要）。请现在复制，并妥善交给对应系统的管理人员。":
        "Each token is shown this once only and cannot be seen again after you leave this page (only its hash "
        "is kept). Copy it now and hand it safely to the people who run that system.",
    "以下客户端的令牌刚被另一位管理员重新生成，本次未更改（以对方生成的为准）：":
        "Another administrator has just made new tokens for these clients, so they were left as they are "
        "(theirs count): ",
})

# The dashboard's 每月一题 form (forms.MonthlyTopicForm).
EN.update({
    "请选择月份": "Choose the month",
    "月份格式应为 YYYY-MM，如 2026-12": "Give the month as YYYY-MM, e.g. 2026-12",
    "请选择行业": "Choose the utility",
    "问题类别无效，请重新选择": "That category is not valid; choose it again",
    "所选类别不属于所选行业，请重新选择或选“全部类别”":
        "That category is not one of the chosen utility's; choose another or \"All categories\"",
    "每月一题未保存，请按提示修改：": "The topic of the month was not saved. Please correct the following:",
    "%(code)s：%(text)s": "%(code)s: %(text)s",
    "补充信息（%(category)s）": "More details (%(category)s)",
    "ZY 开头，如 ZY2026…": "Starts with ZY, e.g. ZY2026…",
    "已过期": "Expired",
    "文件已过保存期限并删除，如需要请重新导出": "The file was deleted when its keeping time ended; export again if you need it",
    "您已有 %(n)d 个导出正在进行，请等其中一个完成后再导出。":
        "You already have %(n)d exports going. Please wait for one to finish before starting another.",
    "日期须在 2000 年至 2100 年之间，请改正后再筛选。": "Dates must be between 2000 and 2100. Please correct them and filter again.",
    "按提交日期筛选需要同时填写开始和结束日期；现在列出的是全部诉求。":
        "Filtering by filing date needs both a start and an end date; all issues are listed now.",
    "日期无效，请按“年-月-日”填写真实存在的日期，如 2026-02-28。":
        "A date is not valid. Please give a real date as year-month-day, e.g. 2026-02-28.",
    # /stats/ (issues.public_figures)
    "水电气暖诉求公开数据": "Public figures: water, power, gas and heating issues",
    "全市群众反映的供水、供电、供气、供暖问题的受理和办理情况，按月公开。只公布统计数字，不含任何个人信息。":
        "How the city received and handled residents' water, power, gas and heating issues, month by month. "
        "Figures only: nothing about any person.",
    "Y年n月": "F Y",
    "查看": "Show",
    "本月至今的数据，每 5 分钟更新一次。": "This month so far, updated every 5 minutes.",
    "责任单位满意度排名": "Units ranked by satisfaction",
    "当月评价满 %(n)s 件的单位参与排名，按满意率从高到低排列。":
        "Units with at least %(n)s ratings in the month are ranked, highest satisfaction first.",
    "本月还没有评价件数达到要求的单位。": "No unit has enough ratings this month to be ranked yet.",
    "指标说明": "What the figures mean",
    "合并到同一诉求的重复反映不重复计数。“—”表示当月没有可计算的件数。":
        "Repeat reports merged into one issue are counted once. \"—\" means there was nothing to count that month.",
    "只能查看最近 13 个月的数据，请从列表中选择月份。以下是本月的数据。":
        "Only the last 13 months can be shown; choose a month from the list. These are this month's figures.",
    "每月公开数据：受理多少、按时办结多少、群众满不满意": "Monthly public figures: how many issues, how many fixed on time, how satisfied residents were",
    "公开数据": "Public figures",
    # issues.formkeys: a second copy of a staff form
    "这张表单刚才已经提交过，这次没有重复保存。请看下方记录是否是您要的结果。":
        "This form was sent a moment ago, so it was not saved a second time. Check below that the record is what "
        "you meant.",
})

PLURAL = {
    "为保护大家的信息安全，同一号码或网络在一段时间内的操作次数有限。请在约 %(m)s 分钟后再试。": (
        "To keep everyone's data safe, each number or network may only do this a few times in a while. Please try again in about %(m)s minute.",
        "To keep everyone's data safe, each number or network may only do this a few times in a while. Please try again in about %(m)s minutes.",
    ),
    "找到 %(n)s 件": ("%(n)s issue found", "%(n)s issues found"),
}

# An address's parts on pages (Issue.shown_address); msgid "%(room)s" has the context "an address's room number".
EN.update({"%(building)s栋": "Building %(building)s", "%(unit)s单元": "Unit %(unit)s", "%(room)s": "Room %(room)s"})
# Between two messages or answers in one line (context "list separator"): "；" in Chinese.
EN.update({"；": "; "})


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main(path: str) -> None:
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#, fuzzy") and i > 0:
            # makemessages' guess from a similar msgid (never compiled): replaced when EN knows the msgid.
            j = i + 1
            while lines[j].startswith("#|"):
                j += 1
            m = re.match(r'^msgid "(.*)"$', lines[j])
            if m and lines[j + 1].startswith("msgstr ") and \
                    m.group(1).replace('\\"', '"').replace("\\\\", "\\") in EN:
                msgid = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
                flags = line[len("#, fuzzy"):].lstrip(", ")
                out += ([f"#, {flags}"] if flags else []) + [lines[j], f'msgstr "{esc(EN[msgid])}"']
                i = j + 2
                continue
        m = re.match(r'^msgid "(.*)"$', line)
        if m and i + 1 < len(lines):
            msgid = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
            nxt = lines[i + 1]
            if nxt == 'msgstr ""' and msgid in EN:
                out += [line, f'msgstr "{esc(EN[msgid])}"']
                i += 2
                continue
            if nxt.startswith("msgid_plural") and msgid in PLURAL and lines[i + 2] == 'msgstr[0] ""':
                one, many = PLURAL[msgid]
                out += [line, nxt, f'msgstr[0] "{esc(one)}"', f'msgstr[1] "{esc(many)}"']
                i += 4
                continue
        out.append(line)
        i += 1
    text = "\n".join(out)
    text = text.replace('"Language: \\n"', '"Language: en\\n"')
    text = text.replace('#, fuzzy\nmsgid ""', 'msgid ""', 1)
    Path(path).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "locale/en/LC_MESSAGES/django.po")
