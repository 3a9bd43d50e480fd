"""The zh-hans catalog is complete and the compiled catalog matches it."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """Yield (msgid, [msgstr…], fuzzy) for each entry of a .po file (header skipped)."""
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        ids = re.findall(r'^msgid "(.*)"((?:\n".*")*)', block, re.M)
        if not ids:
            continue
        msgid = ids[0][0] + "".join(re.findall(r'"(.*)"', ids[0][1]))
        strs = []
        for m in re.finditer(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M):
            strs.append(m.group(1) + "".join(re.findall(r'"(.*)"', m.group(2))))
        if msgid:
            yield msgid, strs, fuzzy


def test_every_string_in_the_zh_hans_catalog_is_translated():
    text = PO.read_text(encoding="utf-8")
    entries = list(_entries(text))
    assert len(entries) > 150
    untranslated = [m for m, strs, fuzzy in entries if fuzzy or not all(strs)]
    assert untranslated == []


def test_compiled_catalog_is_current():
    text = PO.read_text(encoding="utf-8")
    with translation.override("zh-hans"):
        stale = [
            m
            for m, strs, _ in _entries(text)
            if "%" not in m and len(strs) == 1 and translation.gettext(m) != strs[0]
        ]
    assert stale == [], "run: python manage.py compilemessages"


def test_the_stylesheet_is_found_by_the_static_finders():
    from django.contrib.staticfiles import finders

    assert finders.find("css/app.css")
