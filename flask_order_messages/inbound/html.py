"""An HTML mail body as plain text, its quoted history left out (Beautiful Soup, Python's own
``html.parser``, so no compiled parser is needed).

What mail clients mark as quoted, and is dropped with everything inside it:
``<blockquote>`` (Gmail's ``gmail_quote``, Apple Mail's and Thunderbird's ``type="cite"``),
Gmail's ``div.gmail_quote`` / ``div.gmail_attr`` and signature, Thunderbird's
``div.moz-cite-prefix`` and ``moz-signature``, Yahoo's ``div.*yahoo_quoted``, Outlook mobile's
signature ("Get Outlook for iOS").
Outlook on the web and Outlook mobile put no element around the history; it follows their
``div#divRplyFwdMsg`` header, so that header and everything after it is dropped.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

_QUOTED = ", ".join(
    (
        "blockquote",
        "div.gmail_quote",
        "div.gmail_attr",
        "div.gmail_extra",
        ".gmail_signature",
        ".gmail_signature_prefix",
        "div.moz-cite-prefix",
        ".moz-signature",
        'div[class*="yahoo_quoted"]',
        "#ms-outlook-mobile-signature",
        "head",
        "style",
        "script",
        "title",
    )
)
# Everything from one of these on is the quoted history (Outlook on the web and mobile, the
# old Hotmail separator, new Outlook for Mac).
_HISTORY_STARTS = ", ".join(
    (
        "div#divRplyFwdMsg",
        "div#appendonsend",
        "hr#stopSpelling",
        "div#mail-editor-reference-message-container",
        "div.OutlookMessageHeader",
    )
)
_BLOCKS = frozenset(
    "address article aside dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6"
    " header hr li main nav ol p pre section table tbody td th thead tr ul".split()
)
_SKIPPED = (Comment, Declaration, Doctype, ProcessingInstruction)


def _drop_history(soup: BeautifulSoup) -> None:
    for tag in soup.select(_QUOTED):
        tag.decompose()
    start = soup.select_one(_HISTORY_STARTS)
    if start is not None:
        for element in list(start.next_elements):
            element.extract()
        start.extract()


def _break(out: list[str]) -> None:
    """End the current line, unless it is already ended (blocks next to each other, like a
    browser, make one line break, not two)."""
    while out and not out[-1].strip(" "):
        out.pop()
    if out and not out[-1].endswith("\n"):
        out.append("\n")


def _render(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, _SKIPPED):
            continue
        if isinstance(child, NavigableString):
            out.append(re.sub(r"[ \t\r\n\f]+", " ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name == "br":
            out.append("\n")
            continue
        block = child.name in _BLOCKS
        if block:
            _break(out)
        if child.name == "pre":
            out.append(child.get_text())
        else:
            _render(child, out)
        if block:
            _break(out)
        # A paragraph is set off by a blank line, except Word's (Outlook's) one-line paragraphs.
        if child.name == "p" and "MsoNormal" not in (child.get("class") or []):
            out.append("\n")


def html_to_text(html: str) -> str:
    """``html`` as plain text: quoted history dropped, one line per line break or block,
    paragraphs apart, runs of blank lines cut to one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 warns about markup that looks like a file name
        soup = BeautifulSoup(html, "html.parser")
    _drop_history(soup)
    out: list[str] = []
    try:
        _render(soup, out)
        text = "".join(out)
    except RecursionError:  # absurdly deep nesting: lose the layout, keep the words
        text = soup.get_text("\n")
    lines = [line.strip(" \t\u00a0") for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
