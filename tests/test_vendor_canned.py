"""Marketplaces: canned replies have an owner (issue 19, migration 0014).  The marketplace's
staff keep the marketplace's replies and mark some shared with the vendors; each vendor's
staff keep their vendor's; a vendor's staff see their own and the shared ones, never another
vendor's, and change only their own.  A reply box offers the marketplace's replies and the
thread's vendor's.

Every test asks what a person notices: the list, the reply box, a form's answer, the rows."""

from __future__ import annotations

import re

import pytest

from flask_order_messages import current_order_messages
from flask_order_messages.services import canned
from flask_order_messages.transactions import commit

from .conftest import db
from .host_pages import P, db_state, page, staff_thread, textarea, words
from .marketplace import Market, converse

pytestmark = pytest.mark.usefixtures("host_pages")

LIST = f"{P}/admin/canned-replies"
#: A signed CSRF token (the page's meta tag): it carries the second it was made.
TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")
#: The four replies of :func:`kept`, by title: (keeper, shared).
KEPT = {
    "Thanks": ("sam", True),
    "Refund policy": ("sam", False),
    "Anvil care": ("ann", False),
    "Spoke tension": ("ben", False),
}
BODIES = {
    "Thanks": "Thank you, {customer_name}!",
    "Refund policy": "Refunds take five days.",
    "Anvil care": "Oil your anvil once a year.",
    "Spoke tension": "Tighten the spokes of your bicycle.",
}


@pytest.fixture
def kept(market: Market) -> Market:
    converse(market)
    for title, (keeper, shared) in KEPT.items():
        actor = market.actor(getattr(market, keeper))
        canned.create_reply(actor, title, BODIES[title], shared=shared)
    commit()
    return market


def reply_id(title: str) -> int:
    model = current_order_messages.models.CannedReply
    return db.session.execute(db.select(model.id).where(model.title == title)).scalar_one()


def listed(browser, user) -> dict[str, str]:
    """{title: the row's words} of ``user``'s canned replies page."""
    html = page(browser.login(user).get(LIST))
    rows = re.findall(r'<tr class="om-canned-row".*?</tr>', html, re.S)
    return {re.search(r"<strong>(.*?)</strong>", r).group(1): words(r) for r in rows}


def offered(browser, user, order) -> list[str]:
    """The titles "Insert canned reply" offers ``user`` on ``order``'s thread."""
    html = staff_thread(browser.login(user), order)
    return re.findall(r'class="om-chip"[^>]*>([^<]*)</a>', html)


def test_each_sees_their_own_and_the_shared_never_another_vendors(kept: Market, browser):
    assert sorted(listed(browser, kept.ann)) == ["Anvil care", "Thanks"]
    assert sorted(listed(browser, kept.ben)) == ["Spoke tension", "Thanks"]
    everything = listed(browser, kept.sam)
    assert sorted(everything) == sorted(KEPT)
    assert "Acme Tools" in everything["Anvil care"]
    assert "Bolt Bikes" in everything["Spoke tension"]
    assert "Marketplace, shared with vendors" in everything["Thanks"]
    assert "shared" not in everything["Refund policy"]
    # Edit and Delete on one's own replies only.
    ann = listed(browser, kept.ann)
    assert "Edit" in ann["Anvil care"] and "Edit" not in ann["Thanks"]
    assert "Edit" not in listed(browser, kept.sam)["Anvil care"]


def test_a_reply_box_offers_the_marketplaces_and_the_threads_vendors(kept: Market, browser):
    assert offered(browser, kept.ann, kept.acme_order) == ["Anvil care", "Thanks"]
    assert offered(browser, kept.ben, kept.bolt_order) == ["Spoke tension", "Thanks"]
    # The marketplace on Acme's thread: its own (shared or not) and Acme's, never Bolt's.
    assert offered(browser, kept.sam, kept.acme_order) == ["Anvil care", "Refund policy", "Thanks"]
    assert offered(browser, kept.sam, kept.own_order) == ["Refund policy", "Thanks"]


def test_no_address_puts_another_vendors_reply_into_a_box(kept: Market, browser):
    bolt, refund = reply_id("Spoke tension"), reply_id("Refund policy")
    for user, theirs in ((kept.ann, bolt), (kept.ann, refund), (kept.sam, bolt)):
        box = textarea(staff_thread(browser.login(user), kept.acme_order, f"&canned={theirs}"))
        assert box == "", (user.name, theirs)
    own = reply_id("Anvil care")
    box = textarea(staff_thread(browser.login(kept.ann), kept.acme_order, f"&canned={own}"))
    assert box == "Oil your anvil once a year."


def test_vendor_staff_keep_their_own_replies(kept: Market, browser):
    browser.login(kept.ann)
    body = {"title": "Delivery", "body": "Two days.", "shared": "y"}
    assert browser.post(f"{LIST}/new", body).status_code == 303
    model = current_order_messages.models.CannedReply
    row = db.session.execute(db.select(model).where(model.title == "Delivery")).scalar_one()
    assert (row.vendor_key, row.shared) == ("acme", False)  # a vendor shares with nobody
    # A title is unique among one owner's replies: Acme's again is refused, Bolt's is theirs.
    again = browser.post(f"{LIST}/new", {"title": "Anvil care", "body": "Again"})
    assert again.status_code == 400 and "already a canned reply" in words(page(again))
    assert browser.post(f"{LIST}/new", {"title": "Thanks", "body": "Cheers"}).status_code == 303
    theirs = browser.login(kept.ben).post(f"{LIST}/new", {"title": "Delivery", "body": "A week"})
    assert theirs.status_code == 303
    # Ann edits and deletes her own.
    browser.login(kept.ann)
    path = f"{LIST}/edit?id={reply_id('Anvil care')}"
    assert browser.post(path, {"title": "Anvil care", "body": "Oil it."}).status_code == 303
    assert "Oil it." in listed(browser, kept.ann)["Anvil care"]
    assert browser.post(f"{LIST}/delete?id={row.id}").status_code == 303
    assert "Delivery" not in listed(browser, kept.ann)


@pytest.mark.parametrize("action", ["edit", "delete"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_vendors_reply_is_answered_as_a_made_up_id(kept: Market, browser, action, method):
    browser.login(kept.ann)
    before = db_state()
    answers = []
    for target in (reply_id("Spoke tension"), 987654):
        path = f"{LIST}/{action}?id={target}"
        data = {"title": "Mine now", "body": "Mine"}
        response = browser.get(path) if method == "GET" else browser.post(path, data)
        answers.append((response.status_code, TOKEN.sub("", page(response))))
    assert answers[0][0] == 404
    assert answers[0] == answers[1]
    assert "Spoke" not in answers[0][1] and "bicycle" not in answers[0][1]
    assert db_state() == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_a_reply_another_owner_keeps_is_read_only_with_a_403_saying_whose(
    kept: Market, browser, action
):
    before = db_state()
    for user, title, whose in (
        (kept.ann, "Thanks", "kept by the marketplace's staff"),
        (kept.sam, "Anvil care", "kept by Acme Tools's staff"),
    ):
        browser.login(user)
        path = f"{LIST}/{action}?id={reply_id(title)}"
        for response in (browser.get(path), browser.post(path, {"title": "X", "body": "Y"})):
            assert response.status_code == 403, (user.name, title)
            assert whose in words(page(response))
    assert db_state() == before


def test_the_marketplace_shares_and_unshares(kept: Market, browser):
    browser.login(kept.sam)
    form = page(browser.get(f"{LIST}/edit?id={reply_id('Thanks')}"))
    assert re.search(r'name="shared" value="y" checked', form)
    assert "Shared with vendors" in words(form)
    path = f"{LIST}/edit?id={reply_id('Thanks')}"
    assert browser.post(path, {"title": "Thanks", "body": "Thank you!"}).status_code == 303
    assert "Thanks" not in listed(browser, kept.ann)
    assert offered(browser, kept.ann, kept.acme_order) == ["Anvil care"]
    # A vendor's form has no such box.
    form = page(browser.login(kept.ann).get(f"{LIST}/new"))
    assert 'name="shared"' not in form


def test_a_shop_without_vendors_keeps_one_list(staff, staff2, browser):
    canned.create_reply(canned_actor(staff), "Hello", "Hello there", shared=True)
    commit()
    html = page(browser.login(staff2).get(LIST))
    assert "Kept by" not in words(html) and "Edit" in words(html)
    assert 'name="shared"' not in page(browser.get(f"{LIST}/new"))
    model = current_order_messages.models.CannedReply
    row = db.session.execute(db.select(model)).scalar_one()
    assert (row.vendor_key, row.shared) == ("", False)


def canned_actor(user):
    from . import committing as services

    return services.staff_actor(user)


def test_migration_0014_shares_the_replies_there_and_its_downgrade_keeps_the_marketplaces(
    tmp_path,
):
    from datetime import datetime

    import sqlalchemy as sa

    from flask_order_messages import schema

    from .test_migrations import migrating_host

    with migrating_host(tmp_path) as h:
        schema.upgrade("0013")
        table = h.ext.models.CannedReply.__table__
        as_0013 = sa.table(  # the columns 0013 has, as its app wrote them
            table.name, *(sa.column(n) for n in ("title", "body", "created_at", "updated_at"))
        )
        now = datetime(2027, 1, 1)
        h.db.session.execute(
            sa.insert(as_0013).values(
                title="Thanks", body="Thank you!", created_at=now, updated_at=now
            )
        )
        h.db.session.commit()
        schema.upgrade("0014")
        rows = h.db.session.execute(sa.select(table.c.title, table.c.vendor_key, table.c.shared))
        assert rows.all() == [("Thanks", "", True)]
        # A vendor may now use a title the marketplace has.
        h.db.session.execute(sa.insert(table).values(title="Thanks", body="Cheers", vendor_key="7"))
        h.db.session.commit()
        h.db.session.remove()
        schema.downgrade("0013")
        rows = h.db.session.execute(sa.select(table.c.title))
        assert rows.scalars().all() == ["Thanks"]
        h.db.session.remove()
        schema.downgrade("base")
