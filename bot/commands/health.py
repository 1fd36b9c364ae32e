"""`dvcbot healthcheck`: asks the running web app's /healthz on the configured port (Docker's
HEALTHCHECK), exit status 0 when healthy."""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

from bot.commands.common import setup
from bot.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "healthcheck",
        help=_("check the running web app (/healthz on DVCBOT_WEB_PORT); exit 1 when unhealthy"),
    )
    parser.add_argument("--timeout", type=float, default=4.0, help=_("seconds to wait"))
    parser.set_defaults(func=healthcheck)


def healthcheck(args: argparse.Namespace) -> int:
    settings = setup()
    host = settings.web_host if settings.web_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    url = f"http://{host}:{settings.web_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(_("unhealthy: {url}: {error}").format(url=url, error=exc), file=sys.stderr)
        return 1
    return 0 if healthy else 1
