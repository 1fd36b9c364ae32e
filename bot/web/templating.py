"""Jinja2 for the web app: autoescaped templates, gettext catalogs and Babel filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from bot import i18n
from bot.config import Settings

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """Plain text to HTML: escaped, with http(s) addresses as links opening in a new tab."""
    out: list[str] = []
    last = 0
    for match in URL.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def _number(value: float | int | None, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is not None:
        return i18n.number(round(float(value), digits))
    return i18n.number(value)


def _percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else i18n.percent(value, digits)


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return i18n.moment(value)
    return i18n.day(value)


def environment(settings: Settings) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(settings.ui_lang), newstyle=False)  # type: ignore[attr-defined]
    env.filters.update(linkify=linkify, number=_number, percent=_percent, day=_day)
    env.globals["lang"] = settings.ui_lang
    return env


def setup(app: web.Application, settings: Settings) -> None:
    """Install the template environment and /static once, whichever plugin asks first."""
    if app.get(aiohttp_jinja2.APP_KEY) is not None:
        return
    env = environment(settings)
    app[aiohttp_jinja2.APP_KEY] = env
    app.router.add_static("/static/", STATIC, name="static")
