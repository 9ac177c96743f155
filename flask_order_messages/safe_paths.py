"""Where a form may send its writer back to after a POST (its ``next`` field)."""

from __future__ import annotations

#: The longest path a form may ask to return to (a redirect's ``Location`` stays short).
MAX_NEXT_LENGTH = 2000


def safe_next(raw: str | None) -> str | None:
    """A same-site path to return to after a POST, or None (never another host, nor a path
    longer than :data:`MAX_NEXT_LENGTH`)."""
    if not isinstance(raw, str) or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    if len(raw) > MAX_NEXT_LENGTH:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return None  # a CR/LF would split the Location header; a NUL has no place in a path
    return raw
