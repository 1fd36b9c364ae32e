"""`dvcbot places`: find official province and commune codes; move stored codes to them.

Also the check every command taking --province/--commune runs: unknown codes are refused
with the closest matches, so a typo never becomes a team, a scope or a broadcast target.
"""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import run, setup
from bot.i18n import _
from handlers import places
from handlers.places import former
from storage import db, place_codes
from storage.clock import SYSTEM_CLOCK

LIMIT = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "places",
        help=_("official province and commune codes"),
        description=_("The 34 provinces and 3,321 communes and wards since 1 July 2025."),
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    search = commands.add_parser(
        "search",
        help=_("codes of provinces and communes by name (accents optional, old names too)"),
    )
    search.add_argument("name", nargs="+", help=_("a name, e.g. Cửa Nam or huyen Can Loc"))
    search.add_argument("--province", help=_("only in this province (code)"))
    search.set_defaults(func=search_places)
    migrate = commands.add_parser(
        "migrate-codes",
        help=_("rewrite stored commune codes to the official list (also done by db upgrade)"),
    )
    migrate.add_argument("--dry-run", action="store_true", help=_("only report what would change"))
    migrate.set_defaults(func=migrate_codes)


def _line(place: places.Place) -> str:
    province = places.province(place.province_code)
    if place.code == place.province_code:
        return f"{place.code}\t\t{place.name}"
    return f"{place.province_code}\t{place.code}\t{place.name}, {province.name if province else ''}"


def search_places(args: argparse.Namespace) -> int:
    """Print province and commune codes with names; names from before 2025 lead to new units."""
    query = " ".join(args.name)
    within = places.province(args.province) if args.province else None
    if args.province and within is None:
        print(unknown_province(args.province), file=sys.stderr)
        return 2
    found: list[places.Place] = [] if within else places.find_provinces(query, limit=3)
    found = [p for p in found if p.key == places.province_key(query)] or found[:1]
    found += places.find_communes(query, within.code if within else None, limit=LIMIT)
    lines = [_line(p) for p in found]
    for unit in former.find(query, within.code if within else None):
        new = [p for code in unit.province_codes if (p := places.province(code))]
        new = new if unit.kind == "province" else []
        new += [c for code in unit.commune_codes if (c := places.commune(code))]
        where = f", {unit.within}" if unit.within else ""
        where = f" → {unit.via}{where}" if unit.via else where
        now = _("{name}{where} (before 1/7/2025) is now:")
        lines.append(now.format(name=unit.name, where=where))
        lines.extend(f"  {_line(p)}" for p in new)
    if not lines:
        print(_("No province or commune named {name!r}.").format(name=query), file=sys.stderr)
        return 1
    print(_("province\tcommune\tname"))
    print("\n".join(lines))
    return 0


def migrate_codes(args: argparse.Namespace) -> int:
    """Rewrite stored commune codes from the pre-official list to the official one (once)."""
    settings = setup()

    async def migrate() -> place_codes.Report:
        engine = db.create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                if args.dry_run:
                    return await conn.run_sync(place_codes.plan)
                return await conn.run_sync(place_codes.rewrite, SYSTEM_CLOCK.now())
        finally:
            await engine.dispose()

    report = run(migrate())
    if report.done_before is not None:
        print(_("Codes are already official (since {at}).").format(at=report.done_before["at"]))
        return 0
    lines = report.lines()
    head = _("Would rewrite {n} rows:") if args.dry_run else _("Rewrote {n} rows:")
    print(head.format(n=report.total))
    print("\n".join(lines) if lines else _("(no stored code needs a change)"))
    return 0


def _closest(found: list[places.Place]) -> str:
    return "; ".join(f"{p.code} {places.label(p)}" for p in found[:5])


def unknown_province(value: str) -> str:
    message = _("Unknown province code {value!r}.").format(value=value)
    found = places.find_provinces(value) if not value.strip().isdigit() else []
    if found:
        return message + " " + _("Closest: {places}.").format(places=_closest(found))
    return message + " " + _("Find codes with: dvcbot places search NAME")


def unknown_commune(value: str, province: str | None) -> str:
    code = value.strip()
    message = _("Unknown commune code {value!r}.").format(value=value)
    if code.isdigit() and (new := place_codes.CHANGES.get(places.commune_code(code))):
        return _("{value} is the former code of {name}; its official code is {new}.").format(
            value=code, name=place_codes.NAMES[places.commune_code(code)], new=new
        )
    if code.isdigit() and (place := places.commune(code)) and province:
        return _("{code} is {name}, not in province {province}.").format(
            code=place.code, name=places.label(place), province=province
        )
    found = [] if code.isdigit() else places.find_communes(code, province)
    if not found and not code.isdigit():
        found = [
            c
            for unit in former.find(code, province)
            for x in unit.commune_codes
            if (c := places.commune(x))
        ]
    if found:
        return message + " " + _("Closest: {places}.").format(places=_closest(found))
    return message + " " + _("Find codes with: dvcbot places search NAME")


def check_place_arguments(args: argparse.Namespace) -> str | None:
    """Normalise args.province/args.commune to official codes, or say why one is refused."""
    province = getattr(args, "province", None)
    commune = getattr(args, "commune", None)
    if province:
        found = places.province(province) if province.strip().isdigit() else None
        if found is None:
            return unknown_province(province)
        args.province = province = found.code
    if commune:
        place = places.commune(commune) if commune.strip().isdigit() else None
        if place is None or (province and place.province_code != province):
            return unknown_commune(commune, province)
        args.commune = place.code
    return None
