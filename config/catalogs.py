"""The interface's gettext catalogs, in pure Python (Babel): extract, check, compile.

``locale/<locale>/LC_MESSAGES/django.po`` holds each language of ``settings.LANGUAGES``
(``pt-br`` → ``pt_BR``). The strings come from the consumer side of the service: its
pages' templates (through Django's own ``templatize``), emails, and the Python that
builds what a consumer reads (forms, refusals, page errors), and the emails a brand's
managers get in the brand's language (draw made, alerts); marketers' admin is left to
Django's own catalogs and English.

- ``manage.py catalogs_extract``: adds new strings to every catalog (empty, to translate;
  English is filled with the source itself), drops the ones no source uses any more.
- ``manage.py catalogs_check``: every missing, empty or fuzzy translation, and every
  placeholder (``%(name)s``, ``%s``, ``{name}``) that differs from the source; exit 1.
- ``manage.py compile_catalogs``: writes the ``.mo`` files (run by ``make``'s migrate step
  and by the test session; ``.mo`` files are not committed).

No Django settings are needed to compile, so the test session compiles before Django
loads a catalog.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract as babel_extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAIN = "django"
SOURCE_LANGUAGE = "en"
# Django codes of settings.LANGUAGES (kept here so that compiling needs no settings; a
# test checks that both lists agree).
LANGUAGES = ["en", "fr", "de", "es", "it", "pt-br", "fi", "ar", "he", "ja"]

# What a consumer reads. New rooms' templates and views are found by these patterns.
TEMPLATE_SOURCES = [
    "templates/base.html",
    "templates/errors/*.html",
    "promotions/templates/promotions/**/*.html",
    "promotions/*/templates/**/*.html",
    "shop/templates/shop/**/*.html",
    "shop/templates/shop/*.html",
    "promotions/templates/promotions/*.html",
    "shop/templates/shop/email/*.txt",
]
PYTHON_SOURCES = [
    "promotions/*/views.py",
    "promotions/*/forms.py",
    "promotions/*/emails.py",
    "promotions/pages/*.py",
    "promotions/entries/*.py",
    "promotions/entrants/services.py",
    "promotions/contests/services.py",
    "promotions/codes/services.py",
    "promotions/campaigns/selectors.py",
    "promotions/social/texts.py",
    "promotions/reports/alerts.py",
    "shop/views.py",
    "shop/forms.py",
    "shop/errors.py",
    "shop/*/emails.py",
    "shop/checkout/*.py",
    "shop/offers/services.py",
    "shop/offers/selectors.py",
]
EXCLUDED = ["*/admin/*", "*/migrations/*", "*/management/*", "*/tests/*", "*/models.py"]

KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}

# gettext's usual plural rules (CLDR's, which Babel would take, give French, Spanish,
# Italian and Portuguese a third form for millions that translators rarely expect).
PLURAL_FORMS = {
    "en": (2, "(n != 1)"),
    "fr": (2, "(n > 1)"),
    "de": (2, "(n != 1)"),
    "es": (2, "(n != 1)"),
    "it": (2, "(n != 1)"),
    "pt-br": (2, "(n > 1)"),
    "fi": (2, "(n != 1)"),
    "ar": (
        6,
        "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)",
    ),
    "ja": (1, "0"),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdifr]|\{(\w*)\}")


def locale_name(code: str) -> str:
    """Django's code → the directory name: ``pt-br`` → ``pt_BR``, ``fr`` → ``fr``."""
    language, _sep, region = code.partition("-")
    return f"{language}_{region.upper()}" if region else language


def po_path(code: str) -> Path:
    return LOCALE_DIR / locale_name(code) / "LC_MESSAGES" / f"{DOMAIN}.po"


def _files(patterns: Iterable[str]) -> Iterator[Path]:
    seen: set[Path] = set()
    for pattern in patterns:
        for path in sorted(BASE_DIR.glob(pattern)):
            relative = path.relative_to(BASE_DIR).as_posix()
            if path in seen or not path.is_file():
                continue
            if any(fnmatch(relative, excluded) for excluded in EXCLUDED):
                continue
            seen.add(path)
            yield path


def _extract_python_text(text: str) -> Iterator[tuple[int, Any, list[str], Any]]:
    yield from babel_extract(
        "python", io.BytesIO(text.encode()), keywords=KEYWORDS, options={"encoding": "utf-8"}
    )


def extract() -> Catalog:
    """Every string of the sources, with where it is used."""
    from django.utils.translation.template import templatize

    catalog = Catalog(domain=DOMAIN, project="promotions", charset="utf-8", fuzzy=False)
    for path in _files(TEMPLATE_SOURCES):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        # templatize writes for xgettext, which ignores indentation; Python's tokenizer
        # does not, so every line starts at column 0 (line numbers stay).
        source = "\n".join(line.lstrip() for line in source.split("\n"))
        _add(catalog, path, _extract_python_text(source))
    for path in _files(PYTHON_SOURCES):
        _add(catalog, path, _extract_python_text(path.read_text(encoding="utf-8")))
    return catalog


def _add(catalog: Catalog, path: Path, found: Iterable[tuple[int, Any, list[str], Any]]) -> None:
    relative = path.relative_to(BASE_DIR).as_posix()
    for lineno, messages, _comments, context in found:
        msgid = messages if isinstance(messages, str) else tuple(messages)
        if isinstance(msgid, tuple) and len(msgid) == 1:
            msgid = msgid[0]
        if not msgid or (isinstance(msgid, tuple) and not all(msgid)):
            continue
        flags = ["python-format"] if _PLACEHOLDER.search(str(msgid)) else []
        catalog.add(msgid, locations=[(relative, lineno)], context=context, flags=flags)


def catalog_read(code: str) -> Catalog:
    path = po_path(code)
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale_name(code), domain=DOMAIN)
    else:
        catalog = Catalog(
            locale=locale_name(code),
            domain=DOMAIN,
            project="promotions",
            copyright_holder="the promotion service's authors",
            fuzzy=False,
        )
    if code in PLURAL_FORMS:  # Babel keeps them in these attributes (read_po sets them too)
        count, expression = PLURAL_FORMS[code]
        setattr(catalog, "_num_plurals", count)  # noqa: B010
        setattr(catalog, "_plural_expr", expression)  # noqa: B010
    return catalog


def catalog_write(code: str, catalog: Catalog) -> None:
    path = po_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False)
    _atomic_write(path, buffer.getvalue())


def catalogs_update(codes: Iterable[str] = LANGUAGES) -> dict[str, int]:
    """Bring every catalog to the sources' strings; returns how many each lacks now."""
    template = extract()
    lacking = {}
    for code in codes:
        catalog = catalog_read(code)
        # update() keeps the template's Message objects: each catalog gets its own copy.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        if code == SOURCE_LANGUAGE:
            for message in catalog:
                if message.id and not _complete(message, catalog):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        catalog_write(code, catalog)
        lacking[code] = len(catalog_problems(code, template))
    return lacking


def _complete(message: Message, catalog: Catalog) -> bool:
    if isinstance(message.id, (list, tuple)):
        strings = message.string if isinstance(message.string, (list, tuple)) else ()
        return len(strings) == catalog.num_plurals and all(strings)
    return bool(message.string)


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text))


def catalog_problems(code: str, template: Catalog | None = None) -> list[str]:
    """What stops ``code``'s catalog from matching the sources: missing, empty or fuzzy
    translations, placeholders that differ from the source's."""
    template = template or extract()
    catalog = catalog_read(code)
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id, context=source.context)
        label = source.id[0] if isinstance(source.id, (list, tuple)) else source.id
        where = f"{code}: {label!r}"
        if message is None:
            problems.append(f"{where} is missing")
            continue
        if message.fuzzy:
            problems.append(f"{where} is fuzzy")
        if not _complete(message, catalog):
            problems.append(f"{where} is not translated")
            continue
        if isinstance(source.id, (list, tuple)):
            expected = placeholders(source.id[1])
            for form in message.string or ():
                if placeholders(form) != expected:
                    problems.append(f"{where}: placeholders {placeholders(form)} != {expected}")
        elif placeholders(str(message.string)) != placeholders(source.id):
            problems.append(
                f"{where}: placeholders {placeholders(str(message.string))} != "
                f"{placeholders(source.id)}"
            )
    return problems


def compile_catalogs(*, force: bool = False) -> list[Path]:
    """Write each ``.mo`` whose ``.po`` is newer (all with ``force``); returns them."""
    written = []
    for code in LANGUAGES:
        po = po_path(code)
        if not po.exists():
            continue
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=locale_name(code), domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        _atomic_write(mo, buffer.getvalue())
        written.append(mo)
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    """Parallel test workers may compile at once: each renames a whole file into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
