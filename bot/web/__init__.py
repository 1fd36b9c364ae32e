"""The aiohttp application: health, webhooks, web chat and the officer dashboard."""
