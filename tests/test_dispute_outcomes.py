"""Dispute outcomes and deadlines: closing with an outcome and a note, the store's respond-by
time, overdue disputes (red mark, filter, bell), reopening, and expiring quiet disputes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages, signals
from flask_order_messages.errors import DisputeError, ValidationError
from flask_order_messages.i18n import format_datetime
from flask_order_messages.models import utcnow
from flask_order_messages.services import deadlines

from . import committing as services
from .conftest import db, make_order
from .host_pages import (
    P,
    customer_thread,
    db_state,
    entry_bodies,
    link_to,
    page,
    rows,
    staff_thread,
    textarea,
    words,
)
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")


def red_note(thread: str) -> str:
    match = re.search(r'<div class="om-dispute-note"[^>]*>(.*?)</div>\s*</div>', thread, re.S)
    assert match is not None, "no red note"
    return words(match.group(1))


def disputes_of(order) -> list[Any]:
    d = current_order_messages.models.Dispute
    thread = services.get_thread(order)
    db.session.expire_all()
    return list(
        db.session.execute(sa.select(d).where(d.thread_id == thread.id).order_by(d.id)).scalars()
    )


def events_of(order) -> list[tuple[str, str]]:
    m = current_order_messages.models.Message
    thread = services.get_thread(order)
    stmt = sa.select(m).where(m.thread_id == thread.id, m.kind == "event").order_by(m.id)
    return [(e.event, e.body) for e in db.session.execute(stmt).scalars()]


def set_respond_by(order, when: datetime) -> None:
    d = current_order_messages.models.Dispute
    thread = services.get_thread(order)
    db.session.execute(sa.update(d).where(d.open_thread_id == thread.id).values(respond_by=when))
    db.session.commit()


def close_url(order) -> str:
    return f"{P}/admin/orders/{order.id}/dispute/close"


# -- outcomes -------------------------------------------------------------------------------


def test_staff_choose_an_outcome_on_the_page_and_in_the_dialog(order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "The lid is cracked")
    browser.login(staff)
    expected = [
        ("resolved_for_customer", "Resolved for the customer"),
        ("resolved_for_store", "Resolved for the store"),
        ("withdrawn", "Withdrawn"),
        ("expired", "Expired"),
    ]
    radio = (
        r'<label class="om-radio"><input type="radio" name="outcome" value="(\w+)" required> '
        r"([^<]+)</label>"
    )
    dialog = staff_thread(browser, order)
    assert re.findall(radio, dialog) == expected
    assert "Note (optional)" in words(dialog[dialog.index('id="om-close-dialog"') :])
    confirm = page(browser.get(close_url(order)))
    assert re.findall(radio, confirm) == expected
    assert "Outcome" in words(confirm) and "Note (optional)" in words(confirm)


@pytest.mark.parametrize(
    ("outcome", "words_in_thread"),
    [
        ("resolved_for_customer", "Outcome: Resolved for the customer."),
        ("resolved_for_store", "Outcome: Resolved for the store."),
        ("withdrawn", "Outcome: Withdrawn."),
        ("expired", "Outcome: Expired."),
    ],
)
def test_closing_with_an_outcome_and_a_note(
    order, as_customer, customer, staff, browser, outbox, outcome, words_in_thread
):
    services.open_dispute(order, as_customer, "The lid is cracked")
    response = browser.login(staff).post(
        close_url(order),
        {"outcome": outcome, "note": "Sent a new lid", "next": f"/admin/orders/{order.id}"},
    )
    assert response.status_code == 303
    (dispute,) = disputes_of(order)
    assert (dispute.outcome, dispute.note, dispute.closed_by_id) == (
        outcome,
        "Sent a new lid",
        staff.id,
    )
    assert events_of(order)[-1] == ("dispute_closed", f"{words_in_thread}\nSent a new lid")
    for thread in (staff_thread(browser, order), customer_thread(browser.login(customer), order)):
        assert "om-dispute-note" not in thread
        assert "Dispute closed by Admin Admin" in words(thread)
        assert entry_bodies(thread)[-1] == f"{words_in_thread} Sent a new lid"
    # The customer is told, outcome first.
    mail = outbox[-1]
    assert mail.recipients == [customer.email]
    assert f"{words_in_thread}\nSent a new lid" in mail.body


def test_a_refused_outcome_keeps_the_note_and_changes_nothing(order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "The lid is cracked")
    before = db_state()
    response = browser.login(staff).post(close_url(order), {"outcome": "won", "note": "Keep me"})
    assert response.status_code == 400
    html = page(response)
    assert "Unknown outcome 'won'." in words(html)
    assert textarea(html, "note") == "Keep me"
    assert db_state() == before


def test_the_customers_withdrawal_is_withdrawn(order, as_customer, customer, browser):
    services.open_dispute(order, as_customer, "Wrong colour")
    browser.login(customer)
    confirm = page(browser.get(f"{P}/orders/{order.id}/dispute/close"))
    assert 'name="outcome"' not in confirm
    # An outcome smuggled into the form does not count: a customer withdraws.
    response = browser.post(
        f"{P}/orders/{order.id}/dispute/close", {"outcome": "resolved_for_customer"}
    )
    assert response.status_code == 303
    (dispute,) = disputes_of(order)
    assert dispute.outcome == "withdrawn"
    assert events_of(order)[-1] == ("dispute_closed", "Withdrawn by the customer.")
    services.open_dispute(order, as_customer, "Again")
    with pytest.raises(ValidationError, match="can only withdraw"):
        services.close_dispute(order, as_customer, outcome="resolved_for_customer")
    assert services.open_dispute_of(order) is not None


def test_outcomes_can_be_turned_off(app, order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "The lid is cracked")
    reconfigure(app, DISPUTE_OUTCOMES_ENABLED=False)
    browser.login(staff)
    assert 'name="outcome"' not in staff_thread(browser, order)
    assert 'name="outcome"' not in page(browser.get(close_url(order)))
    browser.post(close_url(order), {"outcome": "resolved_for_store", "note": "Done"})
    (dispute,) = disputes_of(order)
    assert dispute.outcome == "resolved"  # no choice offered: the plain outcome
    assert "Reopen last dispute" not in words(staff_thread(browser, order))
    reopen = f"{P}/admin/orders/{order.id}/dispute/reopen"
    assert browser.get(reopen).status_code == 404
    assert browser.post(reopen, {"note": "x"}).status_code == 404
    assert len(disputes_of(order)) == 1


# -- respond-by times and overdue disputes ---------------------------------------------------


def test_a_dispute_gets_a_respond_by_time(app, order, as_customer, staff, browser):
    before = utcnow()
    dispute = services.open_dispute(order, as_customer, "Never arrived")
    assert timedelta(hours=48) <= dispute.respond_by - before < timedelta(hours=48, seconds=5)
    note = red_note(staff_thread(browser.login(staff), order))
    respond_by = " ".join(format_datetime(dispute.respond_by).split())  # as the page reads
    assert note.endswith(f"Never arrived Respond by {respond_by}")

    reconfigure(app, DISPUTE_RESPONSE_HOURS=6)
    services.close_dispute(order, services.staff_actor(staff))
    second = services.open_dispute(order, as_customer, "Still nothing")
    assert timedelta(hours=6) <= second.respond_by - utcnow() + timedelta(seconds=5)
    assert second.respond_by - second.opened_at == timedelta(hours=6)


def test_the_respond_by_time_is_written_as_the_pages_write_dates():
    now = datetime(2018, 8, 29, 9, 0)
    assert deadlines.short_time(datetime(2018, 8, 31, 14, 0), now) == "Aug 31, 2:00\u202fPM"
    assert deadlines.short_time(datetime(2019, 1, 2, 8, 5), now) == "Jan 2, 2019, 8:05\u202fAM"


def overdue_setup(order, as_customer, staff):
    """An open dispute whose respond-by time passed an hour ago, unanswered."""
    services.open_dispute(order, as_customer, "Never arrived")
    set_respond_by(order, utcnow() - timedelta(hours=1))


def test_an_overdue_dispute_is_red_everywhere_staff_look(
    order, customer, as_customer, staff, browser
):
    on_time = make_order(customer)
    services.open_dispute(on_time, as_customer, "Wrong size")
    overdue_setup(order, as_customer, staff)
    as_staff = services.staff_actor(staff)
    browser.login(staff)

    note = red_note(staff_thread(browser, order))
    assert "Overdue Respond by" in note and "the store has not answered yet." in note
    assert "om-deadline-overdue" in staff_thread(browser, order)

    listing = page(browser.get(f"{P}/admin/messages"))
    marks = {
        r.href: ("Overdue" in r.text.split(), "om-row-overdue" in r.classes) for r in rows(listing)
    }
    assert marks == {
        f"/admin/orders/{order.id}?tab=messages#order-messages": (True, True),
        f"/admin/orders/{on_time.id}?tab=messages#order-messages": (False, False),
    }
    assert '<option value="overdue">Overdue disputes only</option>' in listing

    only = page(browser.get(f"{P}/admin/messages?filter=overdue"))
    assert [r.href for r in rows(only)] == [f"/admin/orders/{order.id}?tab=messages#order-messages"]
    assert services.list_threads(as_staff, filter="overdue").total == 1

    bell = page(browser.get("/admin/header"))
    assert 'data-om-count="overdue_disputes">1<' in bell
    assert link_to(bell, "Overdue disputes") == f"{P}/admin/messages?filter=overdue&status=all"
    assert "2 open disputes, 1 overdue" in bell
    # 1 unread thread (the other one was read above), 2 open disputes: an overdue dispute
    # is not counted twice.
    assert 'data-om-count="unread_threads" title="Unread threads">1<' in bell
    assert 'data-om-count="open_disputes" title="Open disputes">2<' in bell
    assert browser.get(f"{P}/api/counts").get_json()["overdue_disputes"] == 1

    # The customer is not shown the store's deadline, nor any overdue count.
    browser.login(customer)
    assert "Overdue" not in customer_thread(browser, order)
    assert "Respond by" not in customer_thread(browser, order)
    assert "overdue_disputes" not in browser.get(f"{P}/api/counts").get_json()
    assert services.overdue_dispute_count(as_customer) == 0


def test_an_answer_from_the_store_ends_the_overdue_mark(order, as_customer, staff, browser):
    overdue_setup(order, as_customer, staff)
    as_staff = services.staff_actor(staff)
    # A staff-only note is no answer to the customer.
    services.post_message(order, as_staff, "Asked the courier", note=True)
    assert services.overdue_dispute_count(as_staff) == 1
    services.post_message(order, as_staff, "We are on it: the courier is checking.")
    assert services.overdue_dispute_count(as_staff) == 0
    assert services.list_threads(as_staff, filter="overdue").total == 0
    (row,) = rows(page(browser.login(staff).get(f"{P}/admin/messages")))
    assert "Overdue" not in row.text.split()
    note = red_note(staff_thread(browser, order))
    assert "Answered on" in note and "after the respond-by time" in note
    assert "Overdue" not in note


def test_an_answer_before_the_dispute_does_not_count(order, as_customer, staff):
    as_staff = services.staff_actor(staff)
    services.post_message(order, as_staff, "Your parcel left yesterday.")
    services.open_dispute(order, as_customer, "It never came")
    set_respond_by(order, utcnow() - timedelta(minutes=1))
    assert services.overdue_dispute_count(as_staff) == 1


def test_deadlines_can_be_turned_off(app, order, as_customer, staff, browser):
    reconfigure(app, DISPUTE_RESPONSE_HOURS=0)
    dispute = services.open_dispute(order, as_customer, "Never arrived")
    assert dispute.respond_by is None
    # Even a dispute from before, with a respond-by time long gone, is not overdue now.
    set_respond_by(order, utcnow() - timedelta(days=3))
    browser.login(staff)
    assert "Respond by" not in staff_thread(browser, order)
    listing = page(browser.get(f"{P}/admin/messages"))
    assert "Overdue" not in words(listing)
    assert "Overdue disputes only" not in listing  # the filter has no such choice
    assert "Overdue disputes" not in page(browser.get("/admin/header"))
    assert browser.get(f"{P}/api/counts").get_json() == {
        "unread_threads": 0,
        "open_disputes": 1,
        "overdue_replies": 0,  # response targets, still on
        "label": "Messages: 0 unread, 1 open dispute",
        "unread_threads_capped": False,
        "open_disputes_capped": False,
        "overdue_replies_capped": False,
    }


# -- reopening -------------------------------------------------------------------------------


def test_staff_reopen_a_closed_dispute_and_history_stays(
    order, as_customer, customer, staff, browser, outbox
):
    first = services.open_dispute(order, as_customer, "The lid is cracked")
    services.close_dispute(order, services.staff_actor(staff), outcome="resolved_for_store")
    browser.login(staff)
    thread = staff_thread(browser, order)
    reopen_url = link_to(thread, "Reopen last dispute")
    assert reopen_url.startswith(f"{P}/admin/orders/{order.id}/dispute/reopen?next=")
    dialog = thread[thread.index('id="om-reopen-dialog"') :]
    assert "Reopen the dispute on order #00001?" in words(dialog)
    assert "(Resolved for the store)" in words(dialog)

    confirm = page(browser.get(reopen_url))
    assert "Reopen the dispute on order #00001?" in words(confirm)
    assert "The lid is cracked" in words(confirm)
    mails = len(outbox)
    response = browser.post(reopen_url, {"note": "The new lid is cracked too."})
    assert response.status_code == 303

    old, new = disputes_of(order)
    assert old.id == first.id and not old.is_open and old.outcome == "resolved_for_store"
    assert new.is_open and new.reopened_from_id == old.id and new.reason == "The lid is cracked"
    assert new.respond_by is not None and new.respond_by > utcnow()
    assert [e[0] for e in events_of(order)] == [
        "dispute_opened",
        "dispute_closed",
        "dispute_reopened",
    ]
    thread = staff_thread(browser, order)
    assert red_note(thread).startswith("Dispute reopened on")
    assert "Dispute reopened by Admin Admin" in words(thread)
    assert entry_bodies(thread)[-1] == "The new lid is cracked too."
    assert "Reopen last dispute" not in words(thread) and "Close dispute" in words(thread)
    # The customer hears of it.
    (mail,) = outbox[mails:]
    assert mail.recipients == [customer.email]
    assert mail.subject == "Messages about order #00001"
    assert "Admin Admin reopened the dispute on order #00001:" in mail.body
    assert services.bell_counts(services.staff_actor(staff))["open_disputes"] == 1


def test_one_open_dispute_still_holds(order, as_customer, staff, browser):
    services.open_dispute(order, as_customer, "Broken")
    services.close_dispute(order, services.staff_actor(staff))
    services.reopen_dispute(order, services.staff_actor(staff))
    before = db_state()
    response = browser.login(staff).post(
        f"{P}/admin/orders/{order.id}/dispute/reopen", {"note": "Twice"}
    )
    assert response.status_code == 409
    html = page(response)
    assert "A dispute is already open on this order." in words(html)
    assert 'class="om-draft">Twice</textarea>' in html
    assert db_state() == before
    with pytest.raises(DisputeError, match="already open"):
        services.open_dispute(order, as_customer, "Another")
    # And the database itself refuses a second open row.
    d = current_order_messages.models.Dispute
    thread = services.get_thread(order)
    db.session.add(
        d(thread_id=thread.id, open_thread_id=thread.id, opened_by_role="staff", reason="x")
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_customer_who_opened_it_can_reopen_it(order, as_customer, customer, staff, browser):
    services.open_dispute(order, as_customer, "Wrong colour")
    services.close_dispute(order, as_customer)  # withdrawn
    browser.login(customer)
    thread = customer_thread(browser, order)
    reopen_url = link_to(thread, "Reopen last dispute")
    response = browser.post(reopen_url)
    assert response.status_code == 303
    assert services.open_dispute_of(order).opened_by_id == customer.id
    thread = customer_thread(browser, order)
    assert "reopened by you" in words(thread)
    assert "Dispute reopened by Carol Customer" in words(thread)
    assert entry_bodies(thread)[-1] == "Wrong colour"  # no note: the reason, again
    # Reopened by her, so she can withdraw it again.
    assert "Withdraw dispute" in words(thread)


def test_a_customer_cannot_reopen_a_dispute_the_store_opened(
    order, as_customer, customer, staff, browser
):
    services.open_dispute(order, services.staff_actor(staff), "Chargeback")
    services.close_dispute(order, services.staff_actor(staff))
    browser.login(customer)
    assert "Reopen last dispute" not in words(customer_thread(browser, order))
    url = f"{P}/orders/{order.id}/dispute/reopen"
    assert "Only the store or the customer who opened it can reopen it." in words(
        page(browser.get(url))
    )
    before = db_state()
    response = browser.post(url)
    assert response.status_code == 409
    assert "Only the store or the customer who opened this dispute can reopen it." in words(
        page(response)
    )
    assert db_state() == before


def test_nothing_to_reopen(order, as_customer, staff, browser):
    services.post_message(order, as_customer, "Hi")
    browser.login(staff)
    url = f"{P}/admin/orders/{order.id}/dispute/reopen"
    assert "No dispute to reopen on order #00001" in words(page(browser.get(url)))
    response = browser.post(url)
    assert response.status_code == 409
    assert "There is no closed dispute on this order to reopen." in words(page(response))


def test_reopening_sends_a_signal(app, order, as_customer, staff):
    services.open_dispute(order, as_customer, "Broken")
    closed = services.close_dispute(order, services.staff_actor(staff))
    calls: list[dict[str, Any]] = []
    with signals.dispute_reopened.connected_to(lambda sender, **kw: calls.append(kw), sender=app):
        reopened = services.reopen_dispute(order, as_customer, "Still broken")
    (call,) = calls
    assert call["dispute"].id == reopened.id and call["previous"].id == closed.id
    assert call["actor"] == as_customer and call["order"] is order


# -- expiring quiet disputes -----------------------------------------------------------------


def age(order, days: int) -> None:
    """Move the thread, its messages and its dispute ``days`` into the past."""
    models = current_order_messages.models
    thread = services.get_thread(order)
    when = utcnow() - timedelta(days=days)
    db.session.execute(
        sa.update(models.Message)
        .where(models.Message.thread_id == thread.id)
        .values(created_at=when)
    )
    db.session.execute(
        sa.update(models.Thread).where(models.Thread.id == thread.id).values(last_message_at=when)
    )
    db.session.execute(
        sa.update(models.Dispute)
        .where(models.Dispute.thread_id == thread.id)
        .values(opened_at=when)
    )
    db.session.commit()


def test_expire_disputes_closes_quiet_ones(
    app, order, customer, as_customer, staff, browser, outbox
):
    lively = make_order(customer)
    services.open_dispute(order, as_customer, "Never arrived")
    services.open_dispute(lively, as_customer, "Wrong size")
    age(order, 31)
    age(lively, 31)
    services.post_message(lively, as_customer, "Any news?")  # still talking: stays open
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["order-messages", "expire-disputes", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 open dispute quiet for 30 days or more would expire:" in dry.output
    assert "order #00001" in dry.output and "#00002" not in dry.output
    assert services.open_dispute_of(order) is not None

    mails = len(outbox)
    result = runner.invoke(args=["order-messages", "expire-disputes"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 dispute quiet for 30 days or more." in result.output
    (dispute,) = disputes_of(order)
    assert dispute.outcome == "expired" and dispute.closed_by_id is None
    assert services.open_dispute_of(lively) is not None
    assert events_of(order)[-1] == (
        "dispute_closed",
        "Outcome: Expired.\nClosed automatically: nobody wrote in this thread for 30 days.",
    )
    assert "Dispute closed automatically" in words(staff_thread(browser.login(staff), order))
    (mail,) = outbox[mails:]
    assert mail.recipients == [customer.email]
    assert "The store closed the dispute on order #00001:" in mail.body
    # Expired is no dead end: the customer can reopen it.
    assert "Reopen last dispute" in words(customer_thread(browser.login(customer), order))

    again = runner.invoke(args=["order-messages", "expire-disputes"])
    assert "Expired 0 disputes" in again.output


def test_expire_days_come_from_the_config_or_the_command(app, order, as_customer):
    services.open_dispute(order, as_customer, "Never arrived")
    age(order, 5)
    runner = app.test_cli_runner()
    assert "Expired 0" in runner.invoke(args=["order-messages", "expire-disputes"]).output
    result = runner.invoke(args=["order-messages", "expire-disputes", "--days", "3"])
    assert "Expired 1 dispute quiet for 3 days or more." in result.output
    services.reopen_dispute(order, as_customer)
    age(order, 40)
    reconfigure(app, DISPUTE_EXPIRE_DAYS=0)
    off = runner.invoke(args=["order-messages", "expire-disputes"])
    assert off.exit_code == 0
    assert "Disputes never expire here: ORDER_MESSAGES_DISPUTE_EXPIRE_DAYS is 0." in off.output
    assert services.open_dispute_of(order) is not None
    bad = runner.invoke(args=["order-messages", "expire-disputes", "--days", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DISPUTE_RESPONSE_HOURS", -1, "must be 0 or more"),
        ("DISPUTE_RESPONSE_HOURS", "48", "must be an integer"),
        ("DISPUTE_EXPIRE_DAYS", 1.5, "must be an integer"),
        ("DISPUTE_OUTCOMES_ENABLED", "yes", "must be True or False"),
        ("NOTES_ENABLED", 1, "must be True or False"),
        ("CANNED_REPLIES_ENABLED", None, "must be True or False"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_key(app, key, value, message):
    from flask_order_messages import ConfigError

    with pytest.raises(ConfigError) as info:
        reconfigure(app, **{key: value})
    assert f"ORDER_MESSAGES_{key} {message}" in str(info.value)
