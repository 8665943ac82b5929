"""Input cleaning: phones, blank-looking text, masking."""

import pytest

from issues.validation import FieldError, clean_text, is_mobile, mask_phone, normalize_phone


@pytest.mark.parametrize("raw,expected", [
    ("13800000000", "+8613800000000"),
    ("+86 138-0000-0000", "+8613800000000"),
    ("0086 13800000000", "+8613800000000"),
    ("１３８００００００００", "+8613800000000"),
    ("0936-8221234", "+869368221234"),
])
def test_phone_normalised_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "+1 202 555 0143", "138000000001234", "abc", "138\x000000000"])
def test_bad_phones_refused(raw):
    with pytest.raises(FieldError):
        normalize_phone(raw)


def test_mobile_versus_landline():
    assert is_mobile("+8613800000000") is True
    assert is_mobile("+869368221234") is False


@pytest.mark.parametrize("text", ["", "abc", "+86", "+447911123456", "+12025550143", "+861380000"])
def test_what_is_not_a_chinese_number_is_not_a_mobile(text):
    # No SMS goes to it, and asking never raises (a UK mobile is not one of ours).
    assert is_mobile(text) is False


def test_one_parse_serves_a_filings_three_reads(monkeypatch):
    # View and workflow read the raw number, the outbox reads its E.164 form: phonenumbers parses once.
    import phonenumbers

    from issues import validation

    monkeypatch.setattr(validation, "_PHONES", {})
    calls = []
    real = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert normalize_phone("１３９ ０９３６ ５５５５") == "+8613909365555"
    assert normalize_phone("１３９ ０９３６ ５５５５") == "+8613909365555"
    assert is_mobile("+8613909365555") is True
    assert len(calls) == 1
    with pytest.raises(FieldError, match="请填写有效的中国大陆手机或固定电话号码"):
        normalize_phone("12345678901")
    with pytest.raises(FieldError, match="请填写有效的中国大陆手机或固定电话号码"):
        normalize_phone("12345678901")  # a refusal is remembered too, with its message
    assert len(calls) == 2


def test_phone_memory_is_bounded(monkeypatch):
    from issues import validation

    monkeypatch.setattr(validation, "_PHONES", {})
    monkeypatch.setattr(validation, "_PHONES_MAX", 10)
    for n in range(40):
        normalize_phone(f"1380000{n:04d}")
    assert len(validation._PHONES) <= 10 + 1  # a number and its E.164 form go in together


def test_masking_keeps_first_three_and_last_four():
    assert mask_phone("+8613800000000") == "138****0000"
    assert mask_phone("+869368221234") == "936***1234"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000\u3000", "\u200b\u200d", "\ufeff"])
def test_blank_looking_text_refused(raw):
    with pytest.raises(FieldError):
        clean_text(raw, max_length=10, label="描述")


def test_nul_refused_and_length_limited():
    with pytest.raises(FieldError):
        clean_text("ab\x00c", max_length=10)
    with pytest.raises(FieldError, match="最多 3 个字"):
        clean_text("水管爆了", max_length=3)
    assert clean_text("  水管爆了\u3000", max_length=4) == "水管爆了"
    assert clean_text("", max_length=4, required=False) == ""


def test_length_counts_what_the_user_sees():
    assert clean_text("👍🏽👍🏽👍🏽", max_length=3) == "👍🏽👍🏽👍🏽"  # thumbs up + skin tone: one each
    assert clean_text("👨‍👩‍👧", max_length=1) == "👨‍👩‍👧"  # a ZWJ family is one character
    with pytest.raises(FieldError, match="最多 2 个字（现在 3 个）"):
        clean_text("e\u0301水管", max_length=2)  # e + combining accent is one (NFC é)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/track/%00/", "/report/similar/?category=1&district=1&community=%00",
                                 "/open311/v2/requests.json?service_code=%00", "/open311/v2/services/%00.json"])
def test_nul_bytes_in_urls_are_400_not_500(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_nul_bytes_in_form_posts_are_400(client):
    r = client.post("/track/", {"code": "ZY2026\x00", "phone": "13800000000"})
    assert r.status_code == 400


@pytest.mark.parametrize("raw", ["漏水\x07", "a\x1bb", "x\x7f", "户号\ud83d", "\udc00"])  # the last two: lone surrogates
def test_control_characters_refused(raw):
    with pytest.raises(FieldError, match="含有不允许的字符"):
        clean_text(raw, max_length=10, label="描述")


def test_emoji_are_not_lone_surrogates():
    assert clean_text("暖气不热😀👍🏽", max_length=10, label="描述") == "暖气不热😀👍🏽"


def test_tabs_and_line_breaks_allowed():
    assert clean_text("第一行\n第二行\t完", max_length=20) == "第一行\n第二行\t完"
