"""Marketplaces: the insight (response time) page by vendor (issue 19).  The marketplace's
staff narrow the figures to one vendor with the Messages list's vendor control; a vendor's
staff see their own vendor's figures only, whatever the address asks for.

Figures are read off the page as staff see them."""

from __future__ import annotations

import re

import pytest

from . import committing as services
from .host_pages import P, page, words
from .marketplace import Market, converse

pytestmark = pytest.mark.usefixtures("host_pages")

INSIGHT = f"{P}/admin/insight"


def figures(html: str) -> dict[str, str]:
    """What the page counts: every marked figure, the answered threads, the messages."""
    found = dict(re.findall(r'data-om-figure="([^"]+)"[^>]*>([^<]*)<', html))
    found["answered"] = re.search(r"over (\d+) answered thread", html).group(1)
    found["messages"] = re.search(r"· (\d+) in \d+ days", html).group(1)
    return found


def seen(browser, user, query: str = "") -> dict[str, str]:
    response = browser.login(user).get(f"{INSIGHT}{query}")
    assert response.status_code == 200
    return figures(page(response))


@pytest.fixture
def busy(market: Market) -> Market:
    """Acme: one thread answered (2 messages).  Bolt: two threads answered, one more
    question and an open dispute (5 messages).  The marketplace's own: one answered."""
    converse(market)
    second = market.order(market.dan, "bolt")
    services.post_message(second, market.actor(market.dan), "Spare tube?")
    services.post_message(second, market.actor(market.ben), "In stock.")
    services.post_message(market.bolt_order, market.actor(market.dan), "And the bell?")
    services.open_dispute(market.bolt_order, market.actor(market.dan), "Bent wheel")
    return market


def test_the_marketplace_narrows_the_figures_to_one_vendor(busy: Market, browser):
    m = busy
    everyone = seen(browser, m.sam)
    assert (everyone["answered"], everyone["messages"], everyone["disputes-1"]) == ("4", "9", "1")
    acme = seen(browser, m.sam, "?vendor=acme")
    assert (acme["answered"], acme["messages"], acme["disputes-1"]) == ("1", "2", "0")
    bolt = seen(browser, m.sam, "?vendor=bolt")
    assert (bolt["answered"], bolt["messages"], bolt["disputes-1"]) == ("2", "5", "1")
    # Each vendor's own staff see the very same figures of theirs.
    assert seen(browser, m.ann) == acme
    assert seen(browser, m.ben) == bolt


def test_the_control_is_the_messages_lists_and_the_links_keep_the_vendor(busy: Market, browser):
    html = page(browser.login(busy.sam).get(f"{INSIGHT}?vendor=bolt"))
    form = html.split('<form class="om-toolbar" method="get"')[1].split("</form>")[0]
    control = re.search(r"<select name=\"vendor\".*?</select>", form, re.S).group(0)
    assert '<select name="vendor" aria-label="Vendor">' in form
    assert '<option value="">All vendors</option>' in form
    assert '<option value="bolt" selected>Bolt Bikes</option>' in form
    assert "(UTC); vendor: Bolt Bikes." in words(html)
    assert f'href="{P}/admin/messages?filter=disputes&amp;vendor=bolt"' in html
    # The Messages list draws the same control.
    listing = page(browser.get(f"{P}/admin/messages?vendor=bolt"))
    assert control in listing
    # No vendor chosen: every vendor's, and links to every vendor's disputes.
    html = page(browser.get(INSIGHT))
    assert "vendor:" not in words(html)
    assert f'href="{P}/admin/messages?filter=disputes"' in html


@pytest.mark.parametrize("query", ["?vendor=bolt", "?vendor=acme&vendor=bolt", "?vendor=", ""])
def test_a_vendors_staff_see_their_own_figures_whatever_they_ask(busy: Market, browser, query):
    own = seen(browser, busy.ann)
    assert seen(browser, busy.ann, query) == own
    assert (own["answered"], own["messages"], own["disputes-1"]) == ("1", "2", "0")
    html = page(browser.get(f"{INSIGHT}{query}"))
    assert 'name="vendor"' not in html and "Bolt" not in html


@pytest.mark.parametrize("vendor", ["nobody", "x" * 500, "Acme", "acme%27--", "%00"])
def test_an_unknown_vendor_shows_no_figures_and_no_error(busy: Market, browser, vendor):
    response = browser.login(busy.sam).get(f"{INSIGHT}?vendor={vendor}")
    assert response.status_code == 200
    found = figures(page(response))
    assert (found["answered"], found["messages"], found["disputes-1"]) == ("0", "0", "0")
    assert "vendor: unknown (no threads)." in words(page(response))


def test_a_shop_without_vendors_draws_no_vendor_control(staff, browser):
    html = page(browser.login(staff).get(f"{INSIGHT}?vendor=acme"))
    assert 'name="vendor"' not in html and "vendor:" not in words(html)
