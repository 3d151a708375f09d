"""The web app's translations: every string of the templates and scripts is in the German catalog,
translated, and the committed .mo says what its .po says (so `make run` needs no compile step)."""

from __future__ import annotations

from gettext import GNUTranslations
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dialog.webapp.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}


def used_strings() -> set[str]:
    """Every msgid the templates, the web app's Python code and the API's problem texts use (as
    `make messages` extracts them)."""
    methods = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2"), ("problem_texts.py", "python")]
    found = extract_from_dir(str(ROOT / "dialog"), method_map=methods, keywords=KEYWORDS)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def german() -> dict[str, str]:
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and isinstance(m.id, str)}


def test_every_string_is_translated_into_german() -> None:
    catalog = german()
    used = used_strings()
    assert len(used) > 100
    assert sorted(used - catalog.keys()) == [], "run `make messages` and translate the new strings"
    assert sorted(m for m in used if not catalog[m]) == [], "untranslated in de/LC_MESSAGES/messages.po"


def test_the_committed_mo_matches_its_po() -> None:
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = GNUTranslations(mo)
    stale = {m: s for m, s in german().items() if s and compiled.gettext(m) != s}
    assert stale == {}, "run `make messages` (pybabel compile) and commit the .mo"
