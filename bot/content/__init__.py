"""Content loading and checking: content/vi into immutable objects, with file:line problems."""

from bot.content import catalog as _catalog  # noqa: F401  (registers the "catalog" part)
from bot.content import chat_words as _chat_words  # noqa: F401  (registers the "chat" part)
from bot.content import english as _english  # noqa: F401  (registers the "en" part)
from bot.content import surveys as _surveys  # noqa: F401  (registers the "surveys" part)
from bot.content.loader import ContentError, Problem, load_content, load_or_raise

__all__ = ["ContentError", "Problem", "load_content", "load_or_raise"]
