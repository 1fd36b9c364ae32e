"""Search over guides, FAQ and procedures: one ranked index built once from the content."""

from bot.search.documents import Document, documents_from
from bot.search.index import SearchIndex, build_index

__all__ = ["Document", "SearchIndex", "build_index", "documents_from"]
