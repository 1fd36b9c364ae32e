"""`dvcbot zalo check`: try the Zalo OA settings against Zalo before going live."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import aiohttp

from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.errors import Outcome, ZaloApiError, ZaloError
from bot.channels.zalo.plugin import WEBHOOK_PATH, build_client, load_tokens
from bot.channels.zalo.tokens import TokenError, ZaloTokens
from bot.commands.common import run, setup
from bot.config import Settings
from bot.i18n import _, moment
from bot.runtime import open_runtime


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "zalo", help=_("Zalo Official Account tools"), description=_("Zalo Official Account tools.")
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    check = commands.add_parser(
        "check",
        help=_("check the Zalo tokens and show the OA they belong to"),
        description=_(
            "Calls Zalo with the configured tokens (refreshing them when they expired, as the "
            "bot does), shows the Official Account and the webhook address to enter in the Zalo "
            "app console. Exit status 1 when Zalo refuses."
        ),
    )
    check.set_defaults(func=check_zalo)


def check_zalo(args: argparse.Namespace) -> int:
    settings = setup()
    if not settings.zalo_enabled:
        message = _("Zalo is not configured: set the DVCBOT_ZALO_* variables (see README).")
        print(message, file=sys.stderr)
        return 2
    return run(check(settings))


async def check(settings: Settings) -> int:
    async with open_runtime(settings) as runtime, aiohttp.ClientSession() as http:
        client = build_client(http, settings)
        tokens = await load_tokens(client, runtime.sessions, settings)
        try:
            info = await oa_info(client, tokens)
        except (ZaloError, TokenError) as exc:
            print(_("Zalo refused: {error}").format(error=exc), file=sys.stderr)
            return 1
        finally:
            await tokens.close()
    name, oa_id = info.get("name"), info.get("oa_id")
    print(_("Official Account: {name} (id {oa_id})").format(name=name, oa_id=oa_id))
    if tokens.expires_at is not None:
        until = moment(tokens.expires_at)
        print(_("Access token valid until {moment}").format(moment=until))
    else:
        print(_("Access token works; it is refreshed when Zalo reports it expired."))
    url = settings.base_url + WEBHOOK_PATH
    print(_("Webhook address for the Zalo app console: {url}").format(url=url))
    return 0


async def oa_info(client: ZaloClient, tokens: ZaloTokens) -> dict[str, Any]:
    """The OA behind the tokens; an expired token is refreshed once, as the bot does."""
    token = await tokens.access_token()
    try:
        return await client.oa_info(token)
    except ZaloApiError as exc:
        if exc.outcome is not Outcome.REFRESH:
            raise
        return await client.oa_info(await tokens.refresh(token))
