"""Ordered routing: commands, button payloads, conversation flows, free text; first match wins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from handlers.context import Context
from handlers.payload import parse
from handlers.types import Incoming, Reply

Handler = Callable[[Incoming, Context], Awaitable[list[Reply]]]
# A text handler may decline a message by returning None, so the next router gets it.
TextHandler = Callable[[Incoming, Context], Awaitable[list[Reply] | None]]


@dataclass
class Router:
    """The routes of one feature module."""

    name: str
    commands: dict[str, Handler] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)
    texts: list[TextHandler] = field(default_factory=list)
    deep_links: dict[str, Handler] = field(default_factory=dict)

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands[name.lower()] = handler
            return handler

        return register

    def button(self, *actions: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for action in actions:
                self.buttons[action] = handler
            return handler

        return register

    def flow(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.flows[name] = handler
            return handler

        return register

    def deep_link(self, *prefixes: str) -> Callable[[Handler], Handler]:
        """Serve `/start <prefix>_<rest>` (a t.me deep link or a QR code)."""

        def register(handler: Handler) -> Handler:
            for prefix in prefixes:
                self.deep_links[prefix] = handler
            return handler

        return register

    def text(self, handler: TextHandler) -> TextHandler:
        self.texts.append(handler)
        return handler


@dataclass(frozen=True)
class Route:
    """Which handler a message went to, for the interaction record."""

    router: str
    handler: str


async def dispatch(
    routers: Sequence[Router], msg: Incoming, ctx: Context, fallback: Handler
) -> tuple[Route, list[Reply]]:
    """Send `msg` to the first matching handler of `routers`, else to `fallback`."""
    if msg.payload is not None:
        action = parse(msg.payload).action
        for router in routers:
            if handler := router.buttons.get(action):
                return Route(router.name, handler.__name__), await handler(msg, ctx)
    elif (command := msg.command) is not None:
        for router in routers:
            if handler := router.commands.get(command):
                return Route(router.name, handler.__name__), await handler(msg, ctx)
    else:
        flow = ctx.conversation.flow
        if flow is not None:
            for router in routers:
                if handler := router.flows.get(flow):
                    return Route(router.name, handler.__name__), await handler(msg, ctx)
        for router in routers:
            for text_handler in router.texts:
                replies = await text_handler(msg, ctx)
                if replies is not None:
                    return Route(router.name, text_handler.__name__), replies
    return Route("fallback", fallback.__name__), await fallback(msg, ctx)


def deep_link_handler(routers: Sequence[Router], code: str) -> Handler | None:
    """The handler for a start code `prefix_rest`, or None for an unknown prefix."""
    prefix = code.split("_", 1)[0]
    for router in routers:
        if handler := router.deep_links.get(prefix):
            return handler
    return None


def button_actions(routers: Sequence[Router]) -> set[str]:
    """Every payload action some router handles (content check validates buttons with it)."""
    return {action for router in routers for action in router.buttons}
