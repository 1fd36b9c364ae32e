"""`dvcbot serve`: run the web app and every configured channel in one process."""

from __future__ import annotations

import argparse
import gc
import sys

from aiohttp import web

from bot import startup
from bot.commands.common import setup
from bot.i18n import _
from bot.web.app import active_plugins, create_app, inactive_plugins
from bot.web.plugins import StartupError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=_("run the bot: web app and every configured channel"),
        description=_(
            "Runs the web app (health check, web chat, dashboard, webhooks) and every channel "
            "whose settings are present. Stops cleanly on Ctrl+C or SIGTERM."
        ),
    )
    parser.add_argument("--host", help=_("address to listen on (default: DVCBOT_WEB_HOST)"))
    parser.add_argument("--port", type=int, help=_("port to listen on (default: DVCBOT_WEB_PORT)"))
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help=_(
            "first wait for the database (DVCBOT_DATABASE_WAIT_SECONDS) and apply migrations; "
            "SIGTERM stops at once in every phase (the container's entry point)"
        ),
    )
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    overrides = {
        k: v for k, v in (("web_host", args.host), ("web_port", args.port)) if v is not None
    }
    settings = setup(**overrides)
    if args.upgrade:
        try:
            startup.prepare(settings)
        except startup.StartupFailed as error:
            print(error, file=sys.stderr)
            return 1
    app = create_app(settings)

    async def announce(_app: web.Application) -> None:
        # Everything loaded at startup (modules, content, search index) lives as long as the
        # process: never scan it again for cycles. Full collections over it paused the process
        # for up to 100 ms, long enough to stall a broadcast at 1,000 messages a second.
        gc.freeze()
        print(_("dvcbot is running at {url}").format(url=settings.base_url), flush=True)
        print(_("Health check: {url}/healthz").format(url=settings.base_url), flush=True)
        # The web chat and the broadcast sender are always on, so this list is never empty.
        for plugin in active_plugins(settings):
            line = plugin.describe(settings) if plugin.describe else plugin.name
            print(_("On: {channel}").format(channel=line), flush=True)
        for plugin in inactive_plugins(settings):
            line = plugin.how_to_enable() if plugin.how_to_enable else plugin.name
            print(_("Off: {channel}").format(channel=line), flush=True)

    app.on_startup.append(announce)
    try:
        web.run_app(
            app, host=settings.web_host, port=settings.web_port, print=None, handle_signals=True
        )
    except StartupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
