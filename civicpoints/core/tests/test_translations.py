"""The zh-hans catalog is complete and the compiled catalog matches it."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """Yield (msgid, [msgstr…], fuzzy) for each entry of a .po file (header skipped); an
    entry with a ``msgctxt`` yields ``context + "\x04" + msgid``, the key gettext looks up."""
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        ids = re.findall(r'^msgid "(.*)"((?:\n".*")*)', block, re.M)
        if not ids:
            continue
        msgid = ids[0][0] + "".join(re.findall(r'"(.*)"', ids[0][1]))
        strs = []
        for m in re.finditer(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M):
            strs.append(m.group(1) + "".join(re.findall(r'"(.*)"', m.group(2))))
        context = re.findall(r'^msgctxt "(.*)"', block, re.M)
        if msgid:
            yield (f"{context[0]}\x04{msgid}" if context else msgid), strs, fuzzy


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


def _django_validation_messages():
    """Every default error message of Django's form fields, model fields and validators."""
    import inspect

    from django import forms
    from django.core import validators
    from django.db.models import fields as model_fields
    from django.forms import models as model_forms

    found = {}
    for module in (forms.fields, model_fields, model_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                for key, msg in getattr(klass, "default_error_messages", {}).items():
                    found[f"{klass.__name__}.{key}"] = msg
    for name, cls in inspect.getmembers(validators, inspect.isclass):
        if getattr(cls, "message", None) is not None:
            found[name] = cls.message
    return found


def test_djangos_own_validation_messages_read_in_chinese():
    from django.contrib.auth.password_validation import get_default_password_validators

    messages = _django_validation_messages()
    assert len(messages) > 40
    with translation.override("zh-hans"):
        chinese = {k: str(m) for k, m in messages.items()}
        helps = [v.get_help_text() for v in get_default_password_validators()]
    with translation.override("en"):
        english = {k: str(m) for k, m in messages.items()}
    assert [k for k in messages if chinese[k] == english[k] and english[k]] == []
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in helps)


TEMPLATES = Path(__file__).parents[2]
# The language buttons name each language in itself (with a lang attribute).
OWN_NAMES = {"中文", "English"}


def _literal_text(source: str) -> list[str]:
    """Visible text of a template that is not inside a translation tag or a variable."""
    s = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", source, flags=re.S)
    s = re.sub(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", s, flags=re.S)
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"{%.*?%}|{{.*?}}", " ", s, flags=re.S)
    found = [
        m.group(0)
        for m in re.finditer(r'\b(?:alt|title|placeholder|aria-label)="([^"]*)"', s)
        if re.search(r"[A-Za-z]{2}|[\u4e00-\u9fff]", m.group(1))
    ]
    s = re.sub(r"<[^>]*>|&[a-z]+;|&#\d+;", " ", s)
    found += [
        frag.strip()
        for frag in re.split(r"\s{2,}|\n", s)
        if re.search(r"[A-Za-z]{2}|[\u4e00-\u9fff]", frag) and frag.strip() not in OWN_NAMES
    ]
    return found


def test_templates_have_no_text_outside_translation_tags():
    templates = sorted(TEMPLATES.rglob("templates/**/*.html"))
    assert len(templates) > 30
    literal = {
        str(t.relative_to(TEMPLATES)): text
        for t in templates
        if (text := _literal_text(t.read_text(encoding="utf-8")))
    }
    assert literal == {}


def test_the_literal_text_finder_finds_literal_text():
    assert _literal_text('<p>Hello</p><img alt="a cat">{% translate "Fine" %}{{ x }}') == [
        'alt="a cat"',
        "Hello",
    ]


def test_production_static_files_collect(tmp_path):
    """collectstatic with the production (manifest) storage: a vendored file that
    points at a missing source map or asset would stop a deployment here."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[3]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "STATIC_ROOT": str(tmp_path),
    }
    proc = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").exists()
