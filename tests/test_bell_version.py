"""The live bell at team scale (issue 18): numbers counted up to 100, and a version checked
before anything is counted (``services/bell.py``).

Each change that moves what the bell shows must move the version (else a poll answers 304
over a stale bell); changes in threads the viewer may not see must not (else a vendor's
staff or a customer learns when others' threads move, and polls for nothing).  The versions
compared are taken at one fixed moment, so that only the change between them can differ.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from flask_order_messages.models import utcnow
from flask_order_messages.services import bell, floors
from flask_order_messages.state import current_order_messages as ext

from . import committing as services
from .conftest import db, make_order
from .host_pages import P
from .marketplace import converse
from .reconfigure import reconfigure
from .test_query_counts import counting
from .test_read_floors import age_everything

pytestmark = pytest.mark.usefixtures("host_pages")

COUNTS = f"{P}/api/counts"


def later(minutes: int = 1) -> datetime:
    """A moment just after everything a test does (versions are compared at it)."""
    return utcnow() + timedelta(minutes=minutes)


def version(actor, at: datetime, *, past_max: bool = False) -> str:
    """The version of an answer that counted every unread thread (``past_max``: of one
    that said "99+")."""
    db.session.expire_all()
    return bell.bell_versions(actor, now=at)[past_max].tag


def test_every_change_to_what_the_bell_shows_moves_the_version(
    app, order, customer, staff, staff2, as_customer
):
    as_staff = services.staff_actor(staff)
    services.post_message(order, as_customer, "Where is my parcel?")
    thread = services.get_thread(order)
    at = later()
    seen = {version(as_staff, at)}

    def moved(what: str) -> None:
        now = version(as_staff, at)
        assert now not in seen, f"{what} left the version as it was"
        seen.add(now)

    services.post_message(order, as_customer, "Hello?")
    moved("a customer's message")
    services.mark_read(as_staff, [thread.id])
    moved("reading")
    services.mark_unread(as_staff, [thread.id])
    moved("marking unread")
    services.post_message(order, as_staff, "It left today.")
    moved("their own reply (which reads the thread)")
    services.post_message(order, services.staff_actor(staff2), "Tracking: 123", note=True)
    moved("a colleague's note")
    services.set_status(order, as_staff, "closed")
    moved("a status set by hand")
    services.assign(order, as_staff, "me")
    moved("an assignment")
    services.open_dispute(order, as_customer, "It never came.")
    moved("a dispute opened")
    services.close_dispute(order, as_staff, outcome="resolved_for_customer", note="Refunded.")
    moved("a dispute closed")
    # Nothing changed: the same version at the same moment.
    assert version(as_staff, at) in seen


def test_a_deadline_passing_moves_the_version_though_nothing_was_written(
    app, order, customer, staff, as_customer
):
    """The overdue numbers move with the clock: the version holds the next reply due and
    the next respond-by time still ahead, so the first poll after one passes counts."""
    as_staff = services.staff_actor(staff)
    services.post_message(order, as_customer, "Anyone?")
    services.open_dispute(make_order(customer), as_customer, "Broken on arrival.")
    # Deadlines 15 s into a five-minute slot, an hour ahead: every moment compared below lies
    # in the same slot, long after the last entry.
    start = (utcnow() + timedelta(hours=1) - bell.EPOCH).total_seconds()
    due = bell.EPOCH + timedelta(seconds=start // 300 * 300 + 15)
    t, d = ext.models.Thread, ext.models.Dispute
    db.session.execute(sa.update(t).values(response_due_at=due))
    db.session.execute(sa.update(d).values(respond_by=due + timedelta(seconds=60)))
    db.session.commit()
    before = version(as_staff, due - timedelta(seconds=10))
    still = version(as_staff, due - timedelta(seconds=1))
    assert before == still  # the clock alone moves nothing
    after_reply = version(as_staff, due + timedelta(seconds=5))
    assert after_reply != still
    assert version(as_staff, due + timedelta(seconds=65)) != after_reply  # respond-by passed


def test_the_version_follows_the_read_marks_the_bell_counts(app, order, staff, staff2, as_customer):
    """Shared read state: a colleague's reading moves the team's bell; personal: not."""
    services.post_message(order, as_customer, "Hi")
    thread = services.get_thread(order)
    at = later()
    mine = version(services.staff_actor(staff), at)
    services.mark_read(services.staff_actor(staff2), [thread.id])
    assert version(services.staff_actor(staff), at) == mine
    reconfigure(app, READ_STATE="shared")
    shared = version(services.staff_actor(staff), at)
    assert shared != mine  # whose marks is part of it
    services.mark_read(services.staff_actor(staff2), [thread.id])
    assert version(services.staff_actor(staff), at) != shared


def test_the_version_sees_only_the_threads_the_viewer_may_see(app, market):
    converse(market)
    at = later()
    ann, sam = market.actor(market.ann), market.actor(market.sam)
    carol, dan = market.actor(market.carol), market.actor(market.dan)
    before = {who: version(who, at) for who in (ann, sam, carol, dan)}
    # Dan writes in Bolt's thread: Bolt's vendor staff and the marketplace see it move;
    # Acme's staff and another customer do not.
    services.post_message(market.bolt_order, dan, "And the bell?")
    assert version(ann, at) == before[ann]
    assert version(carol, at) == before[carol]
    assert version(sam, at) != before[sam]
    assert version(dan, at) != before[dan]
    services.post_message(market.acme_order, carol, "Still there?")
    assert version(ann, at) != before[ann]
    assert version(carol, at) != before[carol]


def test_the_version_holds_the_language_the_label_is_in(app, staff):
    as_staff = services.staff_actor(staff)
    at = later()
    english = version(as_staff, at)
    # The tests keep one app context, where Flask-Babel keeps the locale it chose.
    with app.test_request_context(headers={"Accept-Language": "de"}):
        refresh()
        german = version(as_staff, at)
    refresh()
    assert german != english
    assert version(as_staff, at) == english


def test_a_recent_change_keeps_the_version_moving_until_it_settles(app, order, staff, as_customer):
    """A transaction that commits after a newer one leaves the newest times as they were;
    while anything moved in the last margin the version changes every ``SLOT`` seconds, so
    such a change shows within one slot; then it settles (one slot per margin)."""
    as_staff = services.staff_actor(staff)
    services.post_message(order, as_customer, "Hi")
    now = utcnow()
    moving = bell.bell_versions(as_staff, now=now)[False]
    assert not moving.settled
    assert bell.bell_versions(as_staff, now=now + timedelta(seconds=bell.SLOT))[False] != moving
    # Past the margin, at the start of a margin-long slot.
    margin = floors.margin()
    quiet = bell.EPOCH + ((now - bell.EPOCH) // margin + 2) * margin + timedelta(seconds=1)
    settled = bell.bell_versions(as_staff, now=quiet)[False]
    assert settled.settled
    later_on = bell.bell_versions(as_staff, now=quiet + timedelta(seconds=bell.SLOT))[False]
    assert later_on == settled


def test_past_99_unread_threads_others_entries_leave_the_version_alone(
    app, order, customer, staff, as_customer
):
    """An answer that said "99+" unread threads stays true whatever others write (their
    entries only add unread threads): its version follows the reader's own marks and the
    small numbers only, so a busy shop does not make every such poll count again."""
    as_staff = services.staff_actor(staff)
    services.post_message(order, as_customer, "Hi")
    at = later()
    before = version(as_staff, at, past_max=True)
    services.post_message(make_order(customer), as_customer, "Another question")
    assert version(as_staff, at, past_max=True) == before
    assert version(as_staff, at) != version(as_staff, at, past_max=True)
    services.mark_read(as_staff, [services.get_thread(order).id])
    read = version(as_staff, at, past_max=True)
    assert read != before
    services.open_dispute(order, as_customer, "Still nothing.")
    assert version(as_staff, at, past_max=True) != read


# -- over HTTP ----------------------------------------------------------------------------------


def unread_counted(statement: str) -> bool:
    """Whether ``statement`` counts unread threads (reads pointers' positions or floors)."""
    return "last_read_id" in statement or "read_floor" in statement


@pytest.fixture
def frozen(monkeypatch):
    """The bell's clock, stopped a little ahead (a slot boundary cannot fall between two
    polls of a test); ``frozen(moment)`` moves it."""
    moment = {"now": later()}
    monkeypatch.setattr(bell, "utcnow", lambda: moment["now"], raising=False)

    def move(to: datetime) -> None:
        moment["now"] = to

    return move


def test_an_unchanged_bell_is_a_304_before_anything_is_counted(
    app, order, customer, staff, as_customer, browser, frozen
):
    services.post_message(order, as_customer, "Hi")
    first = browser.login(staff).get(COUNTS)
    assert first.status_code == 200 and first.get_json()["unread_threads"] == 1
    tag = first.headers["ETag"].strip('"')
    db.session.expire_all()
    with counting() as statements:
        again = browser.get(COUNTS, headers={"If-None-Match": f'"{tag}"'})
    assert again.status_code == 304 and again.headers["ETag"] == f'"{tag}"'
    # The user (the host's loader) and the version: the unread threads are not counted (no
    # read pointer's position read, no read floor).
    assert len(statements) <= 2, "\n".join(statements)
    assert not any(unread_counted(s) for s in statements), "\n".join(statements)
    # A proxy that compresses the answer weakens its tag: the same tag, weak, matches too.
    assert browser.get(COUNTS, headers={"If-None-Match": f'W/"{tag}"'}).status_code == 304
    # A change: counted, and a 200 with the new numbers.
    services.post_message(make_order(customer), as_customer, "Another one")
    changed = browser.get(COUNTS, headers={"If-None-Match": f'"{tag}"'})
    assert changed.status_code == 200 and changed.get_json()["unread_threads"] == 2


def test_a_new_version_with_the_same_numbers_is_a_304_while_moving_a_200_once_settled(
    app, order, staff, staff2, as_customer, browser, frozen
):
    services.post_message(order, as_customer, "Hi")
    tag = browser.login(staff).get(COUNTS).headers["ETag"]
    # A colleague's note in a thread already unread moves the version, not the numbers.
    services.post_message(order, services.staff_actor(staff2), "Checked the depot.", note=True)
    moving = browser.get(COUNTS, headers={"If-None-Match": tag})
    assert moving.status_code == 304 and moving.headers["ETag"] == tag
    # Long after the last change: a 200 with a settled tag, which the next poll matches.
    frozen(utcnow() + floors.margin() + timedelta(minutes=1))
    settled = browser.get(COUNTS, headers={"If-None-Match": tag})
    assert settled.status_code == 200 and settled.headers["ETag"] != tag
    assert settled.get_json() == browser.get(COUNTS).get_json()
    fresh = settled.headers["ETag"]
    with counting() as statements:
        assert browser.get(COUNTS, headers={"If-None-Match": fresh}).status_code == 304
    assert not any(unread_counted(s) for s in statements)


# -- numbers up to 100 --------------------------------------------------------------------------


def test_the_bell_counts_unread_threads_up_to_100(
    app, customer, staff, as_customer, browser, frozen
):
    """More than 99 unread threads: 100, said "more than 99" and shown "99+", whether they
    lie above the read floor or are listed below it; a listed thread that got a new entry
    (now above the floor too) counts once."""
    as_staff = services.staff_actor(staff)
    orders = [make_order(customer) for _ in range(102)]
    for order in orders[:60]:
        services.post_message(order, as_customer, "Old question")
    age_everything()
    floors.refresh(as_staff)  # the 60 are listed below the floor
    services.post_message(orders[0], as_customer, "Again")  # listed and above
    assert bell.bell_counts(as_staff)["unread_threads"] == 60
    for order in orders[60:]:
        services.post_message(order, as_customer, "New question")
    counts = bell.bell_numbers(as_staff)
    assert counts["unread_threads"] == 100 and services.unread_thread_count(as_staff) == 102
    answer = browser.login(staff).get(COUNTS).get_json()
    assert answer["unread_threads"] == 100 and answer["unread_threads_capped"] is True
    assert answer["open_disputes_capped"] is False
    assert answer["label"] == "Messages: more than 99 unread, 0 open disputes"
    html = browser.get("/admin/header").get_data(as_text=True)
    assert 'data-om-count="unread_threads" title="Unread threads">99+</span>' in html
    assert 'data-om-more="99+"' in html
    # Another customer's question leaves "99+" as it was: a 304, nothing counted.
    tag = browser.get(COUNTS).headers["ETag"]
    services.post_message(orders[-1], as_customer, "Newer question")
    with counting() as statements:
        assert browser.get(COUNTS, headers={"If-None-Match": tag}).status_code == 304
    assert not any(unread_counted(s) for s in statements), statements


def test_open_disputes_are_counted_up_to_100_too(app, customer, staff, as_customer):
    from flask import render_template

    counts = {"unread_threads": 3, "open_disputes": 100, "overdue_disputes": 100}
    label = bell.bell_label(counts)
    assert label == "Messages: 3 unread, more than 99 open disputes, more than 99 overdue"
    html = render_template("order_messages/_bell.html", counts=counts)
    assert 'title="Open disputes">99+</span>' in html
    d = ext.models.Dispute
    stmt = bell.disputes_of(services.staff_actor(staff), d.open_thread_id.is_not(None))
    # The statement counts through a LIMIT of 100, whatever the number of disputes.
    assert "LIMIT" in str(sa.select(bell._capped(stmt)))
