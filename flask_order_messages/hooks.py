"""The host's hooks: what the extension cannot know about the shop, each with its default."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def thread_link(url: str, *, tab: bool = True) -> str:
    """``url`` pointing at the thread on the page: ``tab=messages`` added to its query (for
    hosts with tabs) and ``#order-messages`` as its fragment unless it has one."""
    parts = urlsplit(url)
    query = parts.query
    if tab and "tab=" not in query:
        query = f"{query}&tab=messages" if query else "tab=messages"
    return urlunsplit(parts._replace(query=query, fragment=parts.fragment or "order-messages"))
