"""Telegram channel on python-telegram-bot: polling or webhook, rendering, proactive sending.

Modules: `render` (Reply -> Bot API calls), `channel` (sending, delivery results, command
menus), `updates` (the one handler: Update -> Incoming -> core -> replies), `ordering` (per-chat
order under concurrency), `service` (the PTB Application), `web` (webhook route and plugin).
"""
