"""Fill locale/en/LC_MESSAGES/django.po with the English of the resident pages and the shared labels.

Run after ``manage.py makemessages -l en --no-wrap --no-location --ignore=.venv --ignore=var
--ignore=tests --ignore=bench --ignore=scripts``, then ``manage.py compilemessages``.
Entries already translated in the file are kept; strings not listed here fall back to Chinese.
"""

import re
import sys
from pathlib import Path

EN = {
    # choices.py
    "供水": "Water", "供电": "Power", "供气": "Gas", "供暖": "Heating",
    "紧急": "Emergency", "加急": "Urgent", "一般": "Normal",
    "待分派": "Awaiting dispatch", "已交办": "Assigned", "办理中": "In progress", "限期整改": "Rectification plan",
    "待核查": "Awaiting verification", "待回访": "Awaiting your rating", "已销号": "Closed", "已退回": "Rejected",
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
    "核查退回": "Sent back", "评价": "Rated", "销号": "Closed out", "退回": "Rejected", "合并": "Merged",
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
    "已处理完毕，请您评价办理结果（评价链接已通过短信发送）。": "It has been fixed. Please rate the result (the link was sent by SMS).",
    "已办结销号。感谢您的反映。": "Closed. Thank you for reporting it.",
    "您的诉求未予受理。": "Your report was not accepted.",
    "您的诉求与另一件同样的问题合并办理。": "Your report was merged with another report of the same problem.",
    "市热线分派中心": "City hotline dispatch centre", "行业监管部门": "Regulating department",
    "回访中心": "Revisit centre", "工作人员": "Staff",
    "无法关注": "Cannot follow", "已处理您的请求": "Request received",
    "如果该号码有未办结的诉求，受理编号已通过短信发送到该号码，请注意查收。固定电话无法接收短信。":
        "If this number has open reports, their tracking codes have been sent to it by SMS. Landlines cannot receive SMS.",
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
    "1. 哪一类问题": "1. What kind of problem", "行业": "Utility", "问题类别": "Category",
    "请选择问题类别": "Choose a category", "（紧急）": " (emergency)", "安全提示": "Safety first",
    "补充信息": "More details", "请选择": "Choose", "是": "Yes", "否": "No",
    "2. 在哪里": "2. Where", "县区": "District", "请选择县区": "Choose a district", "小区": "Residential compound",
    "楼栋": "Building", "单元": "Entrance", "户（门牌号）": "Flat", "使用我的位置（可选）": "Use my location (optional)",
    "已附上位置": "Location attached", "3. 什么情况": "3. What happened", "问题描述": "Description",
    "例如：暖气片不热，室内只有15度，已持续3天": "e.g. radiators cold, 15 °C indoors for 3 days",
    "照片（可选，最多 %(n)s 张，每张不超过 %(mb)s MB，JPG/PNG/WebP/HEIC）":
        "Photos (optional, up to %(n)s, each up to %(mb)s MB, JPG/PNG/WebP/HEIC)",
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
    "关注后，办理进展会同样短信告知您，办结后也请您评价。":
        "As a follower you get the same progress messages by SMS and are asked to rate the fix.",
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
    "把未办结诉求的编号发到我的手机": "Send me the codes of my open reports",
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
}
PLURAL = {
    "为保护大家的信息安全，同一号码或网络在一段时间内的操作次数有限。请在约 %(m)s 分钟后再试。": (
        "To keep everyone's data safe, each number or network may only do this a few times in a while. Please try again in about %(m)s minute.",
        "To keep everyone's data safe, each number or network may only do this a few times in a while. Please try again in about %(m)s minutes.",
    ),
}


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main(path: str) -> None:
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
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
