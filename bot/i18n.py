"""Babel formatting for vi_VN and gettext catalogs for CLI and dashboard strings."""

from __future__ import annotations

import functools
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "dvcbot"
DEFAULT_LOCALE = "vi_VN"
TIMEZONE = "Asia/Ho_Chi_Minh"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The catalog for `lang`, compiled in memory from its .po file (no build step needed)."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


_current_lang = "vi"


def set_language(lang: str) -> None:
    global _current_lang
    _current_lang = lang


def translate_argparse() -> None:
    """Let argparse's own words ("usage:", "options", its error messages) speak the CLI's
    language: argparse looks its strings up through the module-level `_` and `ngettext` it
    imported from gettext, so they are pointed at this catalog (before any parser is built)."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = lambda one, many, n: _(one if n == 1 else many)  # type: ignore[attr-defined]


def _(message: str) -> str:
    """Translate a CLI or dashboard string into the configured language."""
    return translations(_current_lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current_lang).ngettext(singular, plural, n)


def number(value: int | float | Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """1234567 -> '1.234.567' in vi_VN."""
    return format_decimal(value, locale=Locale.parse(locale))


def percent(value: float, digits: int = 1, locale: str = DEFAULT_LOCALE) -> str:
    """0.95 -> '95,0%' in vi_VN."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=Locale.parse(locale))


def money(amount: int, locale: str = DEFAULT_LOCALE) -> str:
    """Dong amounts: 20000 -> '20.000 đ'."""
    return f"{number(amount, locale)} đ"


def day(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """A date as Vietnamese readers write it: 31/12/2026."""
    return format_date(value, format="dd/MM/yyyy", locale=Locale.parse(locale))


def moment(value: datetime, locale: str = DEFAULT_LOCALE) -> str:
    """A timestamp in Vietnam time: 15:07 29/11/2026."""
    return format_datetime(
        value, format="HH:mm dd/MM/yyyy", tzinfo=get_timezone(TIMEZONE), locale=Locale.parse(locale)
    )
