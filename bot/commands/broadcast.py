"""`dvcbot broadcast`: create, list, inspect and cancel broadcasts from the command line."""

from __future__ import annotations

import argparse
import math
import sys

from bot.channels.render import as_text
from bot.commands.common import run, setup
from bot.commands.places import check_place_arguments
from bot.i18n import _
from bot.runtime import open_runtime
from handlers import broadcast_message
from handlers.broadcast_message import Kind
from handlers.schedule import QuietHours, local_label, parse_time
from storage import broadcasts, fencing, teams
from storage.broadcasts import Audience, Target
from storage.clock import SYSTEM_CLOCK
from storage.deliveries import DState
from storage.models import SenderLeader

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "broadcast",
        help=_("send a guide or a message to many people"),
        description=_("Broadcasts: created here or with /phatsong, sent by `dvcbot serve`."),
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    create = commands.add_parser("create", help=_("preview a broadcast; with --yes, schedule it"))
    what = create.add_mutually_exclusive_group(required=True)
    what.add_argument("--guide", help=_("guide id, e.g. vneid-muc-2"))
    what.add_argument("--procedure", help=_("procedure code from the catalogue"))
    what.add_argument("--text", help=_("a short message of your own"))
    whom = create.add_mutually_exclusive_group(required=True)
    whom.add_argument("--commune", help=_("subscribers of this commune or ward code"))
    whom.add_argument("--province", help=_("subscribers of this province code"))
    whom.add_argument("--team", type=int, help=_("people this team referred"))
    create.add_argument("--at", help=_("when, Vietnam time: 08:00 or '08:00 30/11/2026'"))
    create.add_argument("--any-hour", action="store_true", help=_("send even in quiet hours"))
    create.add_argument("--signature", help=_("who the message is from (default: the team)"))
    create.add_argument("--yes", action="store_true", help=_("really schedule it"))
    create.set_defaults(func=create_broadcast)
    commands.add_parser("list", help=_("recent broadcasts")).set_defaults(func=list_broadcasts)
    show = commands.add_parser("show", help=_("a broadcast's progress and statistics"))
    show.add_argument("id", type=int)
    show.set_defaults(func=show_broadcast)
    cancel = commands.add_parser("cancel", help=_("stop a broadcast"))
    cancel.add_argument("id", type=int)
    cancel.set_defaults(func=cancel_broadcast)


def create_broadcast(args: argparse.Namespace) -> int:
    """Preview a broadcast and count its recipients; schedule it only with --yes."""
    settings = setup()
    if (refused := check_place_arguments(args)) is not None:
        print(refused, file=sys.stderr)
        return 2
    now = SYSTEM_CLOCK.now()
    send_at = now
    if args.at:
        parsed = parse_time(args.at, now)
        if parsed is None:
            print(_("--at: not a future time; write 08:00 or '08:00 30/11/2026'."))
            return 2
        send_at = parsed
    quiet = None if args.any_hour else QuietHours.parse(settings.broadcast_quiet_hours)
    if quiet is not None and quiet.contains(send_at):
        send_at = quiet.next_open(send_at)
        print(
            _("Quiet hours {hours}: it will start at {when}.").format(
                hours=quiet.label(), when=local_label(send_at)
            )
        )

    async def create() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                team = await teams.get(session, args.team) if args.team else None
                if args.team and team is None:
                    print(_("No team {id}.").format(id=args.team))
                    return 2
                if args.commune:
                    target = Target(Audience.COMMUNE, commune_code=args.commune)
                elif args.province:
                    target = Target(Audience.PROVINCE, province_code=args.province)
                else:
                    target = Target(Audience.TEAM, team_id=args.team)
                kind, ref = (
                    (Kind.GUIDE, args.guide)
                    if args.guide
                    else (Kind.PROCEDURE, args.procedure)
                    if args.procedure
                    else (Kind.TEXT, args.text)
                )
                signature = (
                    args.signature
                    or (team.name if team else None)
                    or (runtime.content.messages("broadcast.signature_officer"))
                )
                message = broadcast_message.build(runtime.content, kind, ref, signature)
                if message is None:
                    print(
                        _(
                            "Nothing to send: unknown guide or procedure, or an empty or "
                            "over-long text."
                        )
                    )
                    return 2
                count = await broadcasts.count_recipients(session, target)
                print(_("Recipients will see:"))
                print("----")
                print(as_text(message))
                print("----")
                print(
                    _("Recipients: {count}; start: {when}").format(
                        count=count, when=local_label(send_at)
                    )
                )
                if not args.yes:
                    print(_("Nothing was scheduled; add --yes to send it."))
                    return 1
                created = await broadcasts.create(
                    session,
                    kind=kind.value,
                    ref=ref[:200],
                    message=broadcast_message.to_dict(message),
                    target=target,
                    author_id=None,
                    author_label=ACTOR,
                    send_at=send_at,
                    quiet_hours=not args.any_hour,
                    now=now,
                )
            print(
                _("Broadcast {id} scheduled for {count} people.").format(
                    id=created.id, count=created.total
                )
            )
        return 0

    return run(create())


def list_broadcasts(args: argparse.Namespace) -> int:
    """The most recent broadcasts with their state and progress."""
    settings = setup()

    async def listing() -> int:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            for b in await broadcasts.recent(session):
                stats = await broadcasts.stats(session, b.id)
                print(
                    f"{b.id}\t{b.state}\t{b.kind}:{(b.ref or '')[:30]}\t{b.audience}\t"
                    f"{stats.done}/{b.total}\t{local_label(b.send_at)}"
                )
        return 0

    return run(listing())


def show_broadcast(args: argparse.Namespace) -> int:
    """One broadcast: state, counts per outcome, and what recipients did next."""
    settings = setup()

    async def show() -> int:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            b = await broadcasts.get(session, args.id)
            if b is None:
                print(_("No broadcast {id}.").format(id=args.id))
                return 1
            stats = await broadcasts.stats(session, b.id)
            print(
                _("Broadcast {id}: {state}, {kind} {ref}, to {audience}").format(
                    id=b.id, state=b.state, kind=b.kind, ref=(b.ref or "")[:60], audience=b.audience
                )
            )
            print(
                _("Created by {who}; starts {when}").format(
                    who=b.author_label, when=local_label(b.send_at)
                )
            )
            print(_("Recipients: {total}").format(total=b.total))
            for state in DState:
                print(f"  {state.value}: {stats.get(state)}")
            print(_("Opened the guide afterwards: {n}").format(n=stats.opened_guide))
            print(_("Took a survey afterwards: {n}").format(n=stats.took_survey))
            print_in_flight(await fencing.current(session), settings.telegram_rate)
        return 0

    return run(show())


def print_in_flight(leader: SenderLeader | None, rate: float) -> None:
    """What a crash of the sender now could repeat: the messages it keeps in flight, about
    rate × round trip (only those can have reached people without being recorded)."""
    if leader is None or leader.instance is None:
        print(_("Sender: none has run yet."))
        return
    print(
        _("Sender: {instance} (takeover {epoch}); {n} messages in flight now").format(
            instance=leader.instance, epoch=leader.epoch, n=leader.in_flight
        )
    )
    if leader.round_trip_ms is not None:
        bound = max(1, math.ceil(rate * leader.round_trip_ms / 1000))
        print(
            _(
                "A crash repeats at most the messages in flight: about rate × round trip = "
                "{rate:g}/s × {ms} ms ≈ {bound} (Telegram)"
            ).format(rate=rate, ms=leader.round_trip_ms, bound=bound)
        )


def cancel_broadcast(args: argparse.Namespace) -> int:
    """Stop a broadcast: nothing not yet sent will be sent."""
    settings = setup()

    async def cancel() -> int:
        async with open_runtime(settings) as runtime:
            async with runtime.sessions() as session, session.begin():
                done = await broadcasts.cancel(session, args.id, actor=ACTOR)
            if not done:
                print(
                    _("Broadcast {id} is not running (unknown, finished or cancelled).").format(
                        id=args.id
                    )
                )
                return 1
            print(_("Broadcast {id} cancelled.").format(id=args.id))
        return 0

    return run(cancel())
