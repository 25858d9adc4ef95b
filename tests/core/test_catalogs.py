"""The interface catalogs: complete for every language, placeholders as in the source, and
compiled by the project itself (config/catalogs.py)."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from django.conf import settings
from django.utils import translation

from config import catalogs


@pytest.fixture(scope="module")
def sources() -> Catalog:
    return catalogs.extract()


@pytest.mark.parametrize("code", catalogs.LANGUAGES)
def test_every_catalog_translates_every_string_with_the_sources_placeholders(code, sources):
    assert catalogs.catalog_problems(code, sources) == []


def test_the_catalogs_are_the_languages_the_service_offers():
    assert [code for code, _name in settings.LANGUAGES] == catalogs.LANGUAGES


def test_the_extractor_finds_templates_python_and_plurals(sources):
    ids = {m.id for m in sources}

    assert "Skip to content" in ids  # templates/base.html
    assert "Enter a valid email address." in ids  # promotions/entrants/services.py
    assert ("%(n)s vote", "%(n)s votes") in ids  # {% blocktranslate count %}
    assert "I accept the official rules." in ids  # promotions/pages/forms.py
    assert not any("help_text" in str(i) for i in ids)


def _catalog_with(tmp_path, monkeypatch, sources, **overrides) -> None:
    """A French catalog in tmp_path: the real translations, then ``overrides``."""
    real = catalogs.catalog_read("fr")
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    for msgid, string in overrides.items():
        message = real.get(msgid)
        if string is None:
            real.delete(msgid)
        elif string == "fuzzy":
            message.flags.add("fuzzy")
        else:
            message.string = string
    catalogs.catalog_write("fr", real)


def test_a_string_without_translation_is_reported(tmp_path, monkeypatch, sources):
    _catalog_with(tmp_path, monkeypatch, sources, **{"Skip to content": None, "Sign out": ""})

    assert catalogs.catalog_problems("fr", sources) == [
        "fr: 'Skip to content' is missing",
        "fr: 'Sign out' is not translated",
    ]


def test_a_fuzzy_translation_is_reported(tmp_path, monkeypatch, sources):
    _catalog_with(tmp_path, monkeypatch, sources, **{"Sign out": "fuzzy"})

    assert catalogs.catalog_problems("fr", sources) == ["fr: 'Sign out' is fuzzy"]


def test_a_placeholder_that_differs_from_the_source_is_reported(tmp_path, monkeypatch, sources):
    _catalog_with(
        tmp_path, monkeypatch, sources, **{"Signed in as %(who)s.": "Connecté en tant que %(qui)s."}
    )

    assert catalogs.catalog_problems("fr", sources) == [
        "fr: 'Signed in as %(who)s.': placeholders ['%(qui)s'] != ['%(who)s']"
    ]


def test_a_new_string_in_the_sources_is_missing_until_translated(sources):
    grown = catalogs.extract()
    grown.add("A brand new sentence on a page.", locations=[("templates/base.html", 1)])

    problems = catalogs.catalog_problems("de", grown)

    assert problems == ["de: 'A brand new sentence on a page.' is missing"]


def test_compiled_catalogs_translate_the_pages(tmp_path):
    with translation.override("ja"):
        assert translation.gettext("Skip to content") == "本文へ移動"
    with translation.override("pt-br"):
        assert translation.ngettext("%(n)s vote", "%(n)s votes", 2) == "%(n)s votos"
    with translation.override("ar"):
        assert translation.ngettext("%(n)s entry", "%(n)s entries", 3) == "%(n)s مشاركات"


def test_compiling_writes_each_mo_file_anew(tmp_path, monkeypatch):
    source = catalogs.po_path("fi")
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(catalogs, "LANGUAGES", ["fi"])
    target = catalogs.po_path("fi")
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())

    first = catalogs.compile_catalogs()
    again = catalogs.compile_catalogs()

    assert first == [target.with_suffix(".mo")] and again == []
    assert target.with_suffix(".mo").stat().st_size > 1000
