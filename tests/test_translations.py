"""The Dutch catalogue, locale/nl/LC_MESSAGES/django.po: every entry translated, placeholders and
markup kept, every string of the source in it, and the compiled .mo the pages load up to date.

When one of these fails after strings were added or changed, update the catalogue:

    .venv/bin/python manage.py makemessages -l nl --ignore=.venv --ignore=var --ignore=tests \
        --no-obsolete
    # translate every entry with an empty msgstr; check each "#, fuzzy" entry (msgmerge's guess
    # from a similar string), correct it and delete the flag
    make translations            # compile the .po into the .mo (git-ignored)
    .venv/bin/pytest -q tests/test_translations.py

Terms: lot = partij, delivery = levering, dispatch = verzending, receipt = ontvangst, discrepancy =
verschil, complaint = melding, recall = terugroeping, on hold = geblokkeerd, quarantined = in
quarantaine, released = vrijgegeven, rejected = afgekeurd, disposed = afgevoerd, stock on hand =
voorraad, warehouse = centraal magazijn, inspection = keuring, inspector = keurmeester, units =
stuks (eenheden in the sampling pages), dispatch note = pakbon, ministry panel = beheeromgeving.
"""

from __future__ import annotations

import gettext
import re
import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation

from procurement.models import LotStatus
from tests.conftest import require_service

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

UPDATE_HINT = (
    "update the catalogue: manage.py makemessages -l nl --ignore=.venv --ignore=var "
    "--ignore=tests --no-obsolete, translate, make translations (see tests/test_translations.py)"
)

# What `makemessages` reads for the django domain, and the directories the command above skips.
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt"})
NOT_SOURCE = frozenset({".venv", "var", "tests", "build", "dist", "locale", "__pycache__"})
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")

# A printf placeholder as Python's % operator reads it: %(name)s, %(size).1f, %s, %d, %%.
PLACEHOLDER = re.compile(
    r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa%]"
)
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _catalogue(path: Path = PO_PATH) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _pairs(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs: one per plural form, the first form against the singular."""
    if not message.pluralizable:
        return [(message.id, message.string or "")]
    singular, plural = message.id
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return [(singular if i == 0 else plural, form or "") for i, form in enumerate(forms)]


def _name(message: Message) -> str:
    text = message.id[0] if message.pluralizable else message.id
    return f"{message.context}|{text}" if message.context else text


def _key(message: Message) -> tuple:
    return (message.context, message.id)


def test_catalogue_is_dutch_with_two_plural_forms():
    catalog = _catalogue()
    assert str(catalog.locale) == "nl"
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n!=1)"
    assert not catalog.fuzzy, "the header entry is still marked fuzzy"
    assert catalog.mime_headers and dict(catalog.mime_headers)["Content-Type"].lower().endswith(
        "charset=utf-8"
    )


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalog = _catalogue()
    untranslated, fuzzy, wrong_forms = [], [], []
    for message in _entries(catalog):
        pairs = _pairs(message)
        if any(not translated.strip() for _, translated in pairs):
            untranslated.append(_name(message))
        if message.fuzzy:
            fuzzy.append(_name(message))
        if message.pluralizable and len(pairs) != catalog.num_plurals:
            wrong_forms.append(_name(message))
    assert len(_entries(catalog)) > 100, "the catalogue looks empty"
    assert not untranslated, f"untranslated entries ({UPDATE_HINT}):\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy entries: check, correct, remove the flag:\n" + "\n".join(fuzzy)
    assert not wrong_forms, "plural entries without two forms:\n" + "\n".join(wrong_forms)


def _placeholders(text: str) -> tuple[frozenset[str], list[str], str]:
    """Named placeholders (a set: a translation may reorder them), positional ones (in order),
    and the text with every placeholder taken out (a lone % left in it breaks formatting)."""
    named, positional = set(), []
    for match in PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token == "%%":
            continue
        (named.add if match.group(1) else positional.append)(token)
    return frozenset(named), positional, PLACEHOLDER.sub("", text)


def test_placeholders_markup_and_newlines_match_the_source():
    problems = []
    for message in _entries(_catalogue()):
        python_format = "python-format" in message.flags
        brace_format = "python-brace-format" in message.flags
        for source, translated in _pairs(message):
            if not translated:
                continue  # reported by the test above
            where = f"{_name(message)!r} -> {translated!r}"
            if python_format:
                named, positional, rest = _placeholders(source)
                t_named, t_positional, t_rest = _placeholders(translated)
                if (named, positional) != (t_named, t_positional):
                    problems.append(f"placeholders differ: {where}")
                if "%" in t_rest and "%" not in rest:
                    problems.append(f"a lone % (write %% for a percent sign): {where}")
            elif set(re.findall(r"%\(\w+\)", source)) != set(re.findall(r"%\(\w+\)", translated)):
                problems.append(f"placeholders differ: {where}")
            if brace_format and set(BRACE_PLACEHOLDER.findall(source)) != set(
                BRACE_PLACEHOLDER.findall(translated)
            ):
                problems.append(f"{{}} placeholders differ: {where}")
            if Counter(TAG.findall(source)) != Counter(TAG.findall(translated)):
                problems.append(f"HTML markup differs: {where}")
            for edge in (str.startswith, str.endswith):
                if edge(source, "\n") != edge(translated, "\n"):
                    problems.append(f"leading/trailing newline differs: {where}")
    assert not problems, "\n".join(problems)


def _copy_sources(target: Path) -> None:
    """The files `makemessages` would read, without what the update command ignores: the
    extraction then runs on a copy and writes nothing into the working tree (it puts a .py
    beside every template it reads)."""

    def ignored(name: str, path: Path) -> bool:
        if name.startswith(".") or name in NOT_SOURCE or name.endswith(".egg-info"):
            return True
        return not path.is_dir() and path.suffix not in SOURCE_SUFFIXES

    def skip(directory: str, names: list[str]) -> set[str]:
        return {name for name in names if ignored(name, Path(directory, name))}

    shutil.copytree(ROOT, target, ignore=skip)


def test_catalogue_has_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """Django's own extraction, as the update command runs it, into an empty locale directory:
    every string it finds must be in the committed catalogue."""
    require_service(
        all(shutil.which(tool) for tool in GETTEXT_TOOLS),
        "GNU gettext (" + ", ".join(GETTEXT_TOOLS) + ")",
    )
    source = tmp_path / "source"
    _copy_sources(source)
    locale_dir = source / "locale"
    locale_dir.mkdir()
    settings.LOCALE_PATHS = [str(locale_dir)]
    monkeypatch.chdir(source)

    call_command("makemessages", locale=["nl"], verbosity=0)

    fresh = _entries(_catalogue(locale_dir / "nl" / "LC_MESSAGES" / "django.po"))
    committed = {_key(message) for message in _entries(_catalogue())}
    missing = [message for message in fresh if _key(message) not in committed]
    assert len(fresh) > 100, "the extraction found almost nothing: is the copy complete?"
    assert not missing, (
        f"{len(missing)} string(s) of the source are not in {PO_PATH.relative_to(ROOT)}; "
        f"{UPDATE_HINT}:\n"
        + "\n".join(
            f"  {_name(message)!r}  ({', '.join(f'{f}:{n}' for f, n in message.locations[:3])})"
            for message in missing
        )
    )


def test_compiled_catalogue_is_the_current_po():
    """The .mo Django loads says what the .po says (`make setup` / `make translations` compile
    it); a .po edited but not compiled fails here."""
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(ROOT)} is missing: run `make translations`"
    with MO_PATH.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for message in _entries(_catalogue()):
        if message.pluralizable:
            singular, plural = message.id
            got = tuple(
                compiled.npgettext(message.context, singular, plural, n)
                if message.context
                else compiled.ngettext(singular, plural, n)
                for n in (1, 2)
            )
            want = tuple(message.string)
        else:
            got = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else compiled.gettext(message.id)
            )
            want = message.string
        if got != want:
            stale.append(_name(message))
    assert not stale, (
        f"{MO_PATH.relative_to(ROOT)} is older than the .po; run `make translations`. "
        "Differs for:\n" + "\n".join(stale[:20])
    )


def test_key_strings_render_in_dutch():
    with translation.override("nl"):
        assert {status: str(status.label) for status in LotStatus} == {
            LotStatus.QUARANTINED: "In quarantaine",
            LotStatus.RELEASED: "Vrijgegeven",
            LotStatus.ON_HOLD: "Geblokkeerd",
            LotStatus.REJECTED: "Afgekeurd",
            LotStatus.RECALLED: "Teruggeroepen",
            LotStatus.DISPOSED: "Afgevoerd",
        }
        assert translation.gettext("Confirm receipt") == "Ontvangst bevestigen"
        assert translation.gettext("Report a problem") == "Probleem melden"
        assert translation.gettext("Sign in") == "Inloggen"
        assert translation.ngettext("%(days)s day", "%(days)s days", 1) % {"days": 1} == "1 dag"
        assert translation.ngettext("%(days)s day", "%(days)s days", 3) % {"days": 3} == "3 dagen"

        badge = render_to_string(
            "procurement/_lot_status.html", {"lot": SimpleNamespace(status="on_hold")}
        )
        assert "Geblokkeerd: niet gebruiken tot het ministerie beslist" in badge

        subject = render_to_string(
            "emails/complaint_received_subject.txt",
            {"complaint": SimpleNamespace(pk=7, lot=SimpleNamespace(lot_number="L-2024-001"))},
        )
        assert subject.strip() == "Wij hebben uw melding #7 over partij L-2024-001 ontvangen"

    with translation.override("en"):
        assert str(LotStatus.ON_HOLD.label) == "On hold"
