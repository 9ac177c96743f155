"""The example shop in German: its own words (its catalogue, Flask-Babel's default domain
``messages`` in example_shop/translations) are German on its pages, apart from the
extension's ``order_messages`` domain; an order's status is German in the extension's
Messages rows too (the shop's ``order_summary`` hook)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from .shop import shop_app

CATALOGUES = Path(__file__).resolve().parent.parent / "example_shop" / "translations"
ATTRIBUTES = ("aria-label", "data-label", "title", "placeholder", "alt")


class _Texts(HTMLParser):
    """The stripped text pieces of a page (split at " · ") and its labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.pieces += [value.strip() for name, value in attrs if name in ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.pieces += [piece.strip() for piece in data.split(" · ") if piece.strip()]


def _english(lang: str) -> list[re.Pattern[str]]:
    """Each English text of the shop's catalogue that the language writes otherwise, as a
    pattern of a whole text piece (a placeholder stands for any value)."""
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=lang)
    patterns = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            if not text or "<" in text or text in strings:
                continue
            parts = re.split(r"%\(\w+\)[sd]", text)
            patterns.append(re.compile(r"\s*".join([".+".join(map(re.escape, parts))])))
    return patterns


def _leftovers(html: str, patterns: list[re.Pattern[str]]) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return {p for p in parser.pieces for pattern in patterns if pattern.fullmatch(p)}


def _login(client: Any, email: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    reply = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert reply.status_code == 302


def _choose(client: Any, lang: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    client.post("/language", data={"language": lang, "csrf_token": token[1]})


@pytest.mark.parametrize("lang", ["de", "fr", "es"])
def test_the_shop_pages_hold_none_of_the_shops_english_words(tmp_path: Any, lang: str) -> None:
    patterns = _english(lang)
    assert len(patterns) > 50
    with shop_app(tmp_path, {"SHOP_ORDERS_PER_PAGE": 5}) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        from example_shop.models import Order, User, db

        with app.app_context():
            carol = db.session.scalar(db.select(User).where(User.email == "carol@example.com"))
            order_id = db.session.scalar(
                db.select(Order.id).where(Order.customer_id == carol.id).order_by(Order.id)
            )
        visitor = app.test_client()
        _choose(visitor, lang)
        pages = {url: visitor.get(url).text for url in ("/", "/login", "/products/1", "/nowhere")}

        customer = app.test_client()
        _choose(customer, lang)
        _login(customer, "carol@example.com", "carol123")
        for url in (
            "/account/orders",
            f"/account/orders/{order_id}",
            f"/account/orders/{order_id}?tab=messages",
        ):
            pages[url] = customer.get(url).text

        staff = app.test_client()
        _choose(staff, lang)
        _login(staff, "admin@example.com", "admin123")
        for url in (
            "/admin/orders",
            "/admin/orders?page=2&status=delivered",
            f"/admin/orders/{order_id}",
            f"/admin/orders/{order_id}?tab=messages",
            "/order-messages/admin/messages",
        ):
            pages[url] = staff.get(url).text

    left = {url: found for url, html in pages.items() if (found := _leftovers(html, patterns))}
    assert left == {}
    messages = pages["/order-messages/admin/messages"]
    statuses = {
        "de": ("Offen", "Zugestellt"),
        "fr": ("En attente", "Livrée"),
        "es": ("Pendiente", "Entregado"),
    }
    assert any(f"· {word}</span>" in messages for word in statuses[lang]), "status via the hook"


def test_the_english_pages_still_read_english(tmp_path: Any) -> None:
    with shop_app(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        client = app.test_client()
        _login(client, "admin@example.com", "admin123")
        page = client.get("/admin/orders").text
    assert "All statuses" in page and ">Filter<" in page and "Page 1 of" in page


def _marked() -> set[object]:
    """What the shop's code and templates mark, by example_shop/babel.cfg's own map."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    shop = CATALOGUES.parent
    with (shop / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    return {
        message if isinstance(message, str) else tuple(message)
        for _name, _line, message, _comments, _context in extract_from_dir(
            str(shop), method_map, options_map, keywords=keywords
        )
    }


@pytest.mark.parametrize("lang", ["de", "fr", "es"])
def test_each_shop_catalogue_is_in_step_complete_and_compiled(lang: str) -> None:
    """README "Languages": re-extract, update and compile after a string changes."""
    from babel.messages.mofile import read_mo

    folder = CATALOGUES / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=lang)
    ids = {message.id for message in catalog if message.id}
    assert ids == _marked()
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings) and not message.fuzzy, message.id
    assert not catalog.obsolete
    with (folder / "messages.mo").open("rb") as file:
        compiled = read_mo(file)

    def pairs(found: Any) -> set[tuple[str, ...]]:
        return {
            tuple(m.id) + tuple(m.string) if isinstance(m.id, (list, tuple)) else (m.id, m.string)
            for m in found
            if m.id
        }

    assert pairs(compiled) == pairs(catalog), "compile the catalogue (README, Languages)"
