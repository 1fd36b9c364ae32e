"""`create_app(settings)`: the aiohttp app with its resources in cleanup contexts."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.runtime import open_runtime
from bot.web import plugins
from bot.web.keys import HTTP, RUNTIME, SETTINGS
from bot.web.security import headers_middleware
from storage import db

logger = logging.getLogger(__name__)


async def runtime_context(app: web.Application) -> AsyncIterator[None]:
    async with open_runtime(app[SETTINGS]) as runtime:
        app[RUNTIME] = runtime
        yield


async def http_context(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        yield


async def healthz(request: web.Request) -> web.Response:
    """Database reachability and content version; 503 when the database does not answer."""
    runtime = request.app[RUNTIME]
    database_ok = await db.ping(runtime.engine)
    body = {
        "status": "ok" if database_ok else "error",
        "database": "ok" if database_ok else "unreachable",
        "content_version": runtime.content.version,
        "channels": sorted(runtime.channels),
        **{name: check() for name, check in runtime.services.get("health", {}).items()},
    }
    return web.json_response(body, status=200 if database_ok else 503)


def active_plugins(settings: Settings) -> list[plugins.Plugin]:
    return [p for p in plugins.registered() if p.enabled(settings)]


def inactive_plugins(settings: Settings) -> list[plugins.Plugin]:
    return [p for p in plugins.registered() if not p.enabled(settings)]


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=1024**2, middlewares=[headers_middleware(settings.frame_ancestors)]
    )
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz, name="healthz")
    contexts: list[Callable[[web.Application], AsyncIterator[None]]] = [
        runtime_context,
        http_context,
    ]
    for plugin in active_plugins(settings):
        if plugin.setup is not None:
            plugin.setup(app, settings)
        if plugin.lifecycle is not None:
            contexts.append(plugin.lifecycle)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        # One stack, so a part failing to start closes the parts started before it.
        async with contextlib.AsyncExitStack() as stack:
            for context in contexts:
                await stack.enter_async_context(contextlib.asynccontextmanager(context)(app))
            yield

    app.cleanup_ctx.append(resources)
    return app
