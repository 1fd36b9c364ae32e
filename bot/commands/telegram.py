"""`dvcbot telegram`: register or remove the webhook and show what Telegram knows of the bot."""

from __future__ import annotations

import argparse
import sys

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.commands.common import run, setup
from bot.config import Settings
from bot.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "telegram",
        help=_("manage the Telegram bot's webhook"),
        description=_("Manage the Telegram bot (needs DVCBOT_TELEGRAM_TOKEN)."),
    )
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    set_hook = commands.add_parser(
        "set-webhook",
        help=_("send Telegram updates to DVCBOT_TELEGRAM_WEBHOOK_URL"),
    )
    set_hook.add_argument(
        "--drop-pending", action="store_true", help=_("discard updates waiting at Telegram")
    )
    set_hook.set_defaults(func=set_webhook)
    delete = commands.add_parser(
        "delete-webhook", help=_("stop webhook delivery (for long polling)")
    )
    delete.add_argument(
        "--drop-pending", action="store_true", help=_("discard updates waiting at Telegram")
    )
    delete.set_defaults(func=delete_webhook)
    info = commands.add_parser("info", help=_("show the bot and its webhook as Telegram sees them"))
    info.set_defaults(func=show_info)


def _bot(settings: Settings) -> Bot:
    if settings.telegram_token is None:
        print(_("DVCBOT_TELEGRAM_TOKEN is not set."), file=sys.stderr)
        raise SystemExit(2)
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
    )


def _fail(error: TelegramError) -> int:
    print(_("Telegram refused: {error}").format(error=error), file=sys.stderr)
    return 1


def set_webhook(args: argparse.Namespace) -> int:
    settings = setup()
    url, secret = settings.telegram_webhook_url, settings.telegram_webhook_secret
    if url is None or secret is None:
        print(
            _("Set DVCBOT_TELEGRAM_WEBHOOK_URL and DVCBOT_TELEGRAM_WEBHOOK_SECRET first."),
            file=sys.stderr,
        )
        return 2

    async def go() -> None:
        async with _bot(settings) as bot:
            await bot.set_webhook(
                url,
                secret_token=secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=args.drop_pending,
            )

    try:
        run(go())
    except TelegramError as error:
        return _fail(error)
    print(_("Telegram now sends updates to {url}.").format(url=url))
    return 0


def delete_webhook(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> None:
        async with _bot(settings) as bot:
            await bot.delete_webhook(drop_pending_updates=args.drop_pending)

    try:
        run(go())
    except TelegramError as error:
        return _fail(error)
    print(_("Webhook removed; the bot can use long polling."))
    return 0


def show_info(args: argparse.Namespace) -> int:
    settings = setup()

    async def go() -> list[tuple[str, str]]:
        async with _bot(settings) as bot:
            info = await bot.get_webhook_info()
            rows = [
                (_("bot"), f"@{bot.username} (id {bot.id})"),
                (_("mode"), settings.telegram_mode),
                (_("webhook"), info.url or _("none (long polling)")),
                (_("pending updates"), str(info.pending_update_count)),
            ]
            if info.last_error_message:
                rows.append((_("last error"), info.last_error_message))
            return rows

    try:
        rows = run(go())
    except TelegramError as error:
        return _fail(error)
    width = max(len(name) for name, _value in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0
