"""The shipped catalogues: in step with the code, complete, and compiled.

`make messages` extracts the marked strings into ``order_messages.pot``, merges them into each
language's ``.po`` and compiles the ``.mo`` files the package ships.  These tests fail when one
of the three steps was forgotten after a string changed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from flask_order_messages.i18n import DOMAIN, TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(TRANSLATIONS) / f"{DOMAIN}.pot"
#: The languages the package promises complete catalogues for.
LANGUAGES = ("de", "es", "fr")
#: The marking functions (the Makefile's `messages` target passes the same `-k`s).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "om_gettext": None,
    "om_ngettext": (1, 2),
    "om_markup": None,
    "om_nmarkup": (1, 2),
    # One English word, two in another language: the context first ("dispute outcome").
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "om_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def _extracted() -> set[object]:
    method_map = [
        ("flask_order_messages/**.py", "python"),
        ("flask_order_messages/templates/**.html", "jinja2"),
        ("flask_order_messages/templates/**.txt", "jinja2"),
    ]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalogue(language: str) -> Catalog:
    path = Path(TRANSLATIONS) / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    assert path.exists(), f"no {language} catalogue: {path}"
    with path.open("rb") as file:
        return read_po(file, locale=language)


def test_the_template_holds_exactly_what_the_code_marks():
    with TEMPLATE.open("rb") as file:
        template = _ids(read_po(file))
    extracted = _extracted()
    assert extracted - template == set(), "marked in the code, missing from the .pot: make messages"
    assert template - extracted == set(), "in the .pot, no longer in the code: make messages"


def test_the_makefile_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text()
    for name, plural in KEYWORDS.items():
        if name in {"_", "gettext", "ngettext", "pgettext"}:
            continue  # Babel's defaults
        spec = ":1c,2" if plural and isinstance(plural[0], tuple) else ":1,2" if plural else ""
        flag = f"-k {name}{spec}"
        assert flag in makefile, flag


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_complete_and_none_is_fuzzy(language):
    with TEMPLATE.open("rb") as file:
        template = _ids(read_po(file))
    catalog = _catalogue(language)
    assert _ids(catalog) == template, "the .po is not merged with the .pot: make messages"
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not catalog.obsolete


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_placeholders(language):
    wrong = []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(set(PLACEHOLDER.findall(text)) for text in ids))
        for text in _strings(message.string):
            got = set(PLACEHOLDER.findall(text))
            # A singular form may say "one" in words instead of %(num)d; nothing else may go.
            if got - wanted or wanted - got - {"num"}:
                wrong.append((message.id, text))
    assert wrong == []
    errors = [(m.id, e) for m, es in _catalogue(language).check() for e in es]
    assert errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_compiled_catalogue_is_its_po(language):
    catalog = _catalogue(language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    mo = Path(TRANSLATIONS) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with mo.open("rb") as file:
        shipped = read_mo(file)
    compiled.seek(0)
    fresh = read_mo(compiled)
    # read_mo gives a plural entry's id and strings as lists: compare them as tuples.
    assert _by_id(shipped) == _by_id(fresh)


def _by_id(catalog: Catalog) -> dict[object, tuple[str, ...]]:
    return {_strings(m.id): _strings(m.string) for m in catalog if m.id}


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) if isinstance(value, str) else ("",)
