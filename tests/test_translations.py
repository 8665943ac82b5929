"""The English catalogue: every string the pages mark for translation has its English.

An empty msgstr falls back to the Chinese, which is how staff pages under the
English switch showed 黄牌督办, 排队中 or 第2轮 (breaker round 2).
"""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_marked_string_has_its_english():
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid "(.*)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"$', text, flags=re.M)
    untranslated = [msgid for msgid, msgstr in entries if msgid and not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]  # a fuzzy entry is not used either


def test_the_supervision_levels_and_rounds_read_in_english(client, world, settings):
    from django.utils import translation

    from issues.choices import SupervisionLevel

    with translation.override("en"):
        assert [str(label) for _v, label in SupervisionLevel.choices] == [
            "None", "Yellow supervision order", "Red supervision order"]
        assert translation.gettext("第%(n)s轮") % {"n": 2} == "Round 2"
