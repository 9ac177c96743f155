"""Response targets: posting keeps each thread's awaited reply, the list and the thread show it
(staff only), the "Reply overdue" filter, the response-time page, the settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.config import ConfigError, load_settings
from flask_order_messages.models import utcnow
from flask_order_messages.services.insight import response_insight
from flask_order_messages.services.targets import replay, target_report

from . import committing as services
from .conftest import db, make_order
from .host_pages import P, customer_thread, page, rows, staff_thread
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")
MESSAGES = f"{P}/admin/messages"


def thread_of(order: Any) -> Any:
    t = current_order_messages.models.Thread
    db.session.expire_all()
    return db.session.execute(sa.select(t).where(t.order_id == order.id)).scalar_one()


def targets() -> Any:
    from flask_order_messages.state import current_settings

    return current_settings.targets


def test_a_customer_message_waits_for_a_first_reply(order, as_customer):
    message = services.post_message(order, as_customer, "Where is my parcel?")
    thread = thread_of(order)
    assert thread.awaiting_since == message.created_at
    assert thread.awaiting_first is True
    expected = targets().calendar.add(message.created_at, 4 * 60)
    assert thread.response_due_at == expected


def test_a_second_customer_message_keeps_the_first_wait(order, as_customer):
    first = services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_customer, "Hello?")
    assert thread_of(order).awaiting_since == first.created_at


def test_a_note_does_not_answer_a_staff_message_does(order, as_customer, as_staff):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_staff, "Checking with the warehouse.", note=True)
    assert thread_of(order).awaiting_since is not None
    reply = services.post_message(order, as_staff, "It left today.")
    thread = thread_of(order)
    assert (thread.awaiting_since, thread.response_due_at, thread.awaiting_first) == (None,) * 3
    assert thread.first_response_at == reply.created_at
    db.session.refresh(reply)
    assert reply.answers_first is True and reply.answers_due_at is not None


def test_after_a_staff_reply_the_next_target_applies(order, as_customer, as_staff):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(order, as_staff, "It left today.")
    again = services.post_message(order, as_customer, "And the invoice?")
    thread = thread_of(order)
    assert thread.awaiting_first is False
    assert thread.response_due_at == targets().calendar.add(again.created_at, 8 * 60)


def test_a_thread_started_by_staff_waits_for_a_next_reply(order, as_customer, as_staff):
    services.post_message(order, as_staff, "Your parcel is delayed.")
    services.post_message(order, as_customer, "How long?")
    assert thread_of(order).awaiting_first is False


def test_targets_off_keep_the_wait_without_a_due_time(app, order, as_customer, staff, browser):
    reconfigure(app, FIRST_RESPONSE_TARGET=0, NEXT_RESPONSE_TARGET=None)
    services.post_message(order, as_customer, "Where is my parcel?")
    thread = thread_of(order)
    assert thread.awaiting_since is not None and thread.response_due_at is None
    html = page(browser.login(staff).get(MESSAGES))
    assert "Reply due" not in html and 'name="due"' not in html


def set_due(order: Any, delta: timedelta) -> None:
    thread = thread_of(order)
    thread.response_due_at = utcnow() + delta
    db.session.commit()


def test_the_list_shows_time_left_and_overdue(customer, as_customer, staff, browser):
    soon, late = make_order(customer), make_order(customer)
    for order in (soon, late):
        services.post_message(order, as_customer, "Where is my parcel?")
    set_due(soon, timedelta(hours=2, minutes=10, seconds=30))
    set_due(late, -timedelta(minutes=35, seconds=10))
    html = page(browser.login(staff).get(MESSAGES))
    assert "Reply due in 2 hr 10 min" in html
    assert "Overdue by 35 min" in html
    assert 'class="om-due om-due-overdue"><time datetime="' in html


def test_the_overdue_filter_lists_only_overdue_replies(
    customer, as_customer, as_staff, staff, browser
):
    soon, late, answered = make_order(customer), make_order(customer), make_order(customer)
    for order in (soon, late, answered):
        services.post_message(order, as_customer, "Where is my parcel?")
    services.post_message(answered, as_staff, "It left today.")
    set_due(soon, timedelta(hours=1))
    set_due(late, -timedelta(hours=1))
    found = rows(page(browser.login(staff).get(f"{MESSAGES}?due=overdue")))
    assert [row.thread_id for row in found] == [thread_of(late).id]
    assert browser.get(f"{MESSAGES}?due=soon").status_code == 400


def test_the_staff_thread_shows_it_the_customer_does_not(
    order, as_customer, staff, customer, browser
):
    services.post_message(order, as_customer, "Where is my parcel?")
    set_due(order, -timedelta(minutes=5, seconds=20))
    staff_html = staff_thread(browser.login(staff), order)
    assert "Overdue by 5 min" in staff_html and 'class="om-response-due"' in staff_html
    customer_html = customer_thread(browser.login(customer), order)
    assert "Overdue by" not in customer_html and "Reply due" not in customer_html


def test_the_response_time_page_reports_against_the_targets(customer, as_customer, as_staff):
    on_time, waiting = make_order(customer), make_order(customer)
    services.post_message(on_time, as_customer, "Where is my parcel?")
    services.post_message(on_time, as_staff, "It left today.")  # answered at once: in time
    services.post_message(on_time, as_customer, "Thanks!")
    services.post_message(waiting, as_customer, "Hello?")
    set_due(waiting, -timedelta(minutes=1))  # still waiting past its due time: missed
    report = response_insight().targets
    assert report is not None
    assert (report.first_within, report.first_total) == (1, 2)
    assert report.first_share == 0.5
    assert (report.next_within, report.next_total) == (0, 0) and report.next_share is None
    assert target_report(utcnow() + timedelta(days=1), utcnow()) is not None


def test_replay_matches_posting() -> None:
    from zoneinfo import ZoneInfo

    from flask_order_messages.business_time import BusinessCalendar, parse_days, parse_hours
    from flask_order_messages.config_targets import TargetSettings

    opens, closes = parse_hours("09:00-17:00")
    settings = TargetSettings(
        240, 480, BusinessCalendar(ZoneInfo("UTC"), opens, closes, parse_days("mon-fri"))
    )
    mon = datetime(2025, 1, 13, 10, 0)
    history = [
        (1, 1, "customer", mon),
        (1, 2, "customer", mon + timedelta(hours=1)),
        (1, 3, "staff", mon + timedelta(hours=5)),  # due 14:00: late
        (1, 4, "customer", mon + timedelta(hours=6)),
        (2, 5, "staff", mon),
    ]
    one, two = replay(history, settings)
    assert one.answers == {
        3: {"answers_since": mon, "answers_first": True, "answers_due_at": mon + timedelta(hours=4)}
    }
    assert one.awaiting_since == mon + timedelta(hours=6) and one.awaiting_first is False
    # 16:00 Monday + 8 business hours: 1 h Monday, 7 h Tuesday -> Tuesday 16:00.
    assert one.response_due_at == datetime(2025, 1, 14, 16, 0)
    assert two.first_response_at == mon and two.awaiting_since is None


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("FIRST_RESPONSE_TARGET", "4 hours", "FIRST_RESPONSE_TARGET"),
        ("NEXT_RESPONSE_TARGET", -1, "negative"),
        ("BUSINESS_HOURS", "17:00-09:00", "close after"),
        ("BUSINESS_DAYS", "weekdays", "mon-fri"),
        ("TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("HOLIDAYS", ["2025-13-01"], "HOLIDAYS"),
        ("HOLIDAYS", "2025-12-25", "HOLIDAYS"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(key: str, value: Any, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings({f"ORDER_MESSAGES_{key}": value})


def test_settings_read_targets_hours_days_zone_and_holidays() -> None:
    from datetime import date

    settings = load_settings(
        {
            "ORDER_MESSAGES_FIRST_RESPONSE_TARGET": "1h 30m",
            "ORDER_MESSAGES_NEXT_RESPONSE_TARGET": 600,
            "ORDER_MESSAGES_BUSINESS_DAYS": "mon-sat",
            "ORDER_MESSAGES_TIMEZONE": "Europe/Berlin",
            "ORDER_MESSAGES_HOLIDAYS": ["2025-12-25", date(2025, 12, 26)],
        }
    ).targets
    assert (settings.first_minutes, settings.next_minutes) == (90, 600)
    assert settings.calendar.is_working_day(date(2025, 12, 27))  # a Saturday
    assert not settings.calendar.is_working_day(date(2025, 12, 25))
    assert str(settings.calendar.zone) == "Europe/Berlin"


def test_closing_a_thread_ends_its_wait_and_a_new_message_starts_a_new_one(
    order, as_customer, as_staff, staff, browser
):
    """A closed thread owes no reply: closing ends the wait (neither in time nor missed),
    and a customer who writes again reopens it with a fresh due time, from that message."""
    services.post_message(order, as_customer, "Thanks, all good!")
    set_due(order, -timedelta(hours=2))
    services.set_status(order, as_staff, "closed")
    thread = thread_of(order)
    assert (thread.awaiting_since, thread.awaiting_first, thread.response_due_at) == (None,) * 3
    assert services.overdue_reply_count() == 0
    report = target_report(utcnow() - timedelta(days=1), utcnow())
    assert report is not None and (report.first_within, report.first_total) == (0, 0)

    again = services.post_message(order, as_customer, "Oh, one more thing: the invoice?")
    thread = thread_of(order)
    assert thread.status == "open" and thread.awaiting_since == again.created_at
    assert thread.response_due_at == targets().calendar.add(again.created_at, 4 * 60)
    assert "Overdue" not in staff_thread(browser.login(staff), order)


def test_closing_a_dispute_with_a_note_answers_as_a_staff_reply_does(
    order, as_customer, as_staff, staff, browser
):
    """A dispute closed with a note the customer reads is the store's answer: the wait ends,
    the status moves to "waiting on customer" and the bell's overdue number drops, as after a
    staff message.  Closing without a note answers nothing."""
    services.post_message(order, as_customer, "Where is my parcel?")
    services.open_dispute(order, as_customer, "Never arrived")
    set_due(order, -timedelta(days=13, hours=22))
    assert services.overdue_reply_count() == 1
    services.close_dispute(order, as_staff, outcome="resolved_for_customer", note="Refunded.")
    thread = thread_of(order)
    assert (thread.awaiting_since, thread.awaiting_first, thread.response_due_at) == (None,) * 3
    assert thread.status == "waiting" and thread.first_response_at is not None
    assert services.overdue_reply_count() == 0
    assert "Overdue" not in staff_thread(browser.login(staff), order)


def test_closing_a_dispute_without_a_note_answers_nothing(order, as_customer, as_staff):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.open_dispute(order, as_customer, "Never arrived")
    services.close_dispute(order, as_staff, outcome="resolved_for_store")
    thread = thread_of(order)
    assert thread.awaiting_since is not None and thread.status == "open"


def test_the_overdue_time_is_in_the_readers_language(order, as_customer, staff, browser):
    from .test_i18n_german import german_page

    services.post_message(order, as_customer, "Wo bleibt mein Paket?")
    set_due(order, -timedelta(days=13, hours=22, minutes=5))
    html = german_page(browser, staff, f"{P}/admin/orders/{order.id}")
    assert "13 Tg. 22 Std. überfällig" in html
    assert " d " not in html and "Overdue" not in html
