"""Typed application keys shared by the web app's parts."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.runtime import Runtime

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", Runtime)
HTTP = web.AppKey("http", aiohttp.ClientSession)
