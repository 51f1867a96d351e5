"""The fr and sv catalogues are complete: every msgid in the source has a translation, not fuzzy, with the
same placeholders; and they compile without GNU gettext (babel).

The msgids are extracted afresh the way a developer would (our `makemessages`, on a copy of the source with
a copy of the catalogues), so a string marked since the catalogue was last updated fails here by name.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from scripts.compile_messages import compile_all

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "sv")
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
NOT_SOURCE = {".venv", ".git", "tests", "locale", "staticfiles", "node_modules", "docs", "bench", "deploy", "vendor"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdif]|\{(\w*)\}")


def _copy_source(target: Path) -> None:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in NOT_SOURCE and not name.startswith(".")]
        for name in files:
            path = Path(directory) / name
            if path.suffix in SOURCE_SUFFIXES:
                copy = target / path.relative_to(ROOT)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
    for language in LANGUAGES:
        catalogue = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        (target / catalogue.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(catalogue, target / catalogue.relative_to(ROOT))


def _extract(source: Path) -> dict[str, Catalog]:
    """Run our makemessages in `source` (a tree with its own locale/) and read the merged catalogues."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install Debian's gettext (scripts/testenv.py does)")
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[source / "locale"]):
        patch.chdir(source)
        call_command("makemessages", locale=list(LANGUAGES), verbosity=0)
    catalogues = {}
    for language in LANGUAGES:
        with (source / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po:
            catalogues[language] = read_po(po, locale=language)
    return catalogues


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Catalog]:
    """The committed catalogues merged with the msgids the source holds today, per language."""
    source = tmp_path_factory.mktemp("source")
    _copy_source(source)
    return _extract(source)


def _committed(locale_dir: Path, language: str) -> set[object]:
    with (locale_dir / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return {message.id for message in read_po(po, locale=language) if message.id}


def _name(message_id: object) -> str:
    return message_id[0] if isinstance(message_id, tuple) else str(message_id)


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def untranslated(catalog: Catalog, committed: set[object]) -> list[str]:
    """Each msgid of `catalog` missing from the committed catalogue, fuzzy there, or without a translation."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id not in committed:
            problems.append(f"missing: {_name(message.id)!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {_name(message.id)!r}")
        elif not all(forms):
            problems.append(f"untranslated: {_name(message.id)!r}")
    return problems


def placeholders_changed(catalog: Catalog) -> list[str]:
    """Each translation whose placeholders (%(name)s, %s, {name}) differ from its msgid's."""
    problems = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, form in enumerate(forms):
            if not form:
                continue
            original = ids[min(index, len(ids) - 1)]
            if index == 0 and len(ids) > 1 and _placeholders(form) != _placeholders(ids[0]):
                original = ids[1]  # a singular form may name the count like the plural does
            if _placeholders(form) != _placeholders(original):
                problems.append(f"{_name(message.id)!r} → {form!r}: {_placeholders(original)} ≠ {_placeholders(form)}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_source_is_translated(extracted, language):
    problems = untranslated(extracted[language], _committed(ROOT / "locale", language))

    assert problems == [], f"{language}: {len(problems)} messages to translate (docs/i18n.md):\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_msgid(extracted, language):
    problems = placeholders_changed(extracted[language])

    assert problems == [], f"{language}:\n" + "\n".join(problems)


PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: {language}\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def test_the_checks_name_a_new_string_a_fuzzy_one_and_a_lost_placeholder(tmp_path):
    # given a source with four strings, and catalogues that lack one, hold one fuzzy and one with a wrong placeholder
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        "from django.utils.translation import gettext as _\n"
        "def view(n):\n"
        '    return [_("Approve"), _("Line %(n)s") % {"n": n}, _("Reject"), _("A brand new sentence.")]\n',
        encoding="utf-8",
    )
    for language in LANGUAGES:
        catalogue = tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"
        catalogue.parent.mkdir(parents=True)
        catalogue.write_text(
            PO_HEADER.format(language=language)
            + 'msgid "Approve"\nmsgstr "Oui"\n\n'
            + '#, python-format\nmsgid "Line %(n)s"\nmsgstr "Ligne %(m)s"\n\n'
            + '#, fuzzy\nmsgid "Reject"\nmsgstr "Non"\n',
            encoding="utf-8",
        )

    committed = {language: _committed(tmp_path / "locale", language) for language in LANGUAGES}

    # when the msgids are extracted and checked
    catalogues = _extract(tmp_path)

    # then each problem is named, in each language
    for language in LANGUAGES:
        assert untranslated(catalogues[language], committed[language]) == [
            "missing: 'A brand new sentence.'",
            "fuzzy: 'Reject'",
        ]
        assert placeholders_changed(catalogues[language]) == ["'Line %(n)s' → 'Ligne %(m)s': ['%(n)s'] ≠ ['%(m)s']"]


def test_the_catalogues_compile_with_babel_and_django_reads_them(tmp_path):
    locale_dir = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale_dir, ignore=shutil.ignore_patterns("*.mo"))

    written = compile_all(locale_dir, force=True)

    assert sorted(path.relative_to(locale_dir).as_posix() for path in written) == [
        "fr/LC_MESSAGES/django.mo",
        "sv/LC_MESSAGES/django.mo",
    ]
    compile_all()  # the project's own, for the rest of the run
    with translation.override("fr"):
        assert translation.gettext("Purchase order") == "Bon de commande"
        assert translation.ngettext("%(counter)s task waits for you", "%(counter)s tasks wait for you", 2) == (
            "%(counter)s tâches vous attendent"
        )
    with translation.override("sv"):
        assert translation.gettext("Purchase order") == "Inköpsorder"
