"""The response-time insight page: figures on a hand-made dataset with known answers, a fixed
number of queries, the SVG chart (accessible, escaped), staff only, switchable off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from flask import render_template
from sqlalchemy import event

from flask_order_messages import current_order_messages
from flask_order_messages.models import utcnow
from flask_order_messages.services.insight import (
    DayCount,
    bar_chart,
    format_duration,
    response_insight,
)

from . import committing as services
from .conftest import User, db, make_order
from .host_pages import P, link_to, words
from .reconfigure import reconfigure

NOW = datetime(2030, 6, 30, 12, 0)
H = timedelta(hours=1)
D = timedelta(days=1)


def models() -> Any:
    return current_order_messages.models


class Writer:
    """Writes thread entries at chosen times, keeping the thread's newest-message columns."""

    def __init__(self, staff: User, customer: User) -> None:
        self.staff, self.customer = staff, customer

    def thread(self, *steps: tuple[str, datetime], kind: str = "message") -> Any:
        """A new order's thread with ``steps`` as (who, when): who is "customer", "staff",
        "note" (a staff-only note) or "event" (a customer's dispute event)."""
        m = models()
        thread = m.Thread(order_id=make_order(self.customer).id, message_count=0)
        db.session.add(thread)
        db.session.flush()
        for who, when in steps:
            author = self.customer if who in ("customer", "event") else self.staff
            message = m.Message(
                thread_id=thread.id,
                author_id=author.id,
                author_role="customer" if who in ("customer", "event") else "staff",
                kind={"note": "note", "event": "event"}.get(who, "message"),
                event="dispute_opened" if who == "event" else None,
                body=f"{who} at {when:%Y-%m-%d %H:%M}",
                created_at=when,
            )
            db.session.add(message)
            db.session.flush()
            thread.last_message_id, thread.last_message_at = message.id, when
            thread.last_author_id = author.id
            thread.message_count += 1
        db.session.commit()
        return thread

    def dispute(self, thread: Any, opened_at: datetime, *, open: bool = True) -> None:
        db.session.add(
            models().Dispute(
                thread_id=thread.id,
                open_thread_id=thread.id if open else None,
                opened_by_id=self.customer.id,
                opened_by_role="customer",
                opened_at=opened_at,
                reason="It broke",
                closed_at=None if open else opened_at + H,
                closed_by_role=None if open else "staff",
            )
        )
        db.session.commit()


@pytest.fixture
def write(staff, customer) -> Writer:
    return Writer(staff, customer)


@pytest.fixture
def dataset(write: Writer) -> dict[str, Any]:
    """Seven threads whose first responses are known by hand (NOW = Jun 30, 2030, 12:00)."""
    a = write.thread(  # answered in 2 h; the note after 30 min is no answer
        ("customer", NOW - 10 * D), ("note", NOW - 10 * D + H / 2), ("staff", NOW - 10 * D + 2 * H)
    )
    b = write.thread(  # the customer writes twice; answered after 30 h: late
        ("customer", NOW - 5 * D), ("customer", NOW - 5 * D + H), ("staff", NOW - 5 * D + 30 * H)
    )
    c = write.thread(  # staff wrote first; the customer's first message is answered in 10 min
        ("staff", NOW - 8 * D),
        ("customer", NOW - 7 * D),
        ("staff", NOW - 7 * D + timedelta(minutes=10)),
    )
    d = write.thread(  # never answered, 3 days old: missed (a dispute event is no answer)
        ("customer", NOW - 3 * D), ("event", NOW - 3 * D + H)
    )
    write.thread(("customer", NOW - 2 * H))  # unanswered, 2 h old: still waiting
    write.thread(  # first asked 40 days ago, outside the window: not counted
        ("customer", NOW - 40 * D),
        ("staff", NOW - 39 * D),
        ("customer", NOW - 3 * D),
        ("staff", NOW - 3 * D + H),
    )
    g = write.thread(("customer", NOW - 4 * D), ("staff", NOW - 4 * D + 5 * H))  # 5 h
    write.dispute(a, NOW - 2 * H)  # < 1 day
    write.dispute(b, NOW - 2 * D)  # 1-3 days
    write.dispute(c, NOW - 5 * D)  # > 3 days
    write.dispute(d, NOW - 10 * D)  # > 3 days
    write.dispute(g, NOW - 6 * D, open=False)  # closed: not counted
    return {"a": a, "b": b}


def test_first_response_figures_on_a_known_dataset(app, dataset):
    insight = response_insight(now=NOW)
    assert insight.days == 30
    assert insight.since == datetime(2030, 6, 1)
    assert insight.asked == 6  # a, b, c, d, the waiting one, g
    assert insight.answered == 4  # waits: 10 min, 2 h, 5 h, 30 h
    assert insight.median_seconds == pytest.approx(3.5 * 3600, abs=1)


def test_an_odd_number_of_answers_takes_the_middle_one(app, write):
    for minutes in (50, 10, 30):
        write.thread(("customer", NOW - D), ("staff", NOW - D + timedelta(minutes=minutes)))
    insight = response_insight(now=NOW)
    assert insight.answered == 3
    assert insight.median_seconds == pytest.approx(30 * 60, abs=1)


def test_open_disputes_by_age(app, dataset):
    insight = response_insight(now=NOW)
    assert insight.disputes_by_age == [
        ("Less than 1 day", 1),
        ("1–3 days", 1),
        ("More than 3 days", 2),
    ]
    assert insight.open_disputes == 4


def test_messages_per_day_count_customer_and_staff_messages_only(app, dataset):
    insight = response_insight(now=NOW)
    days = {d.day: d for d in insight.per_day}
    assert len(insight.per_day) == 30
    assert insight.per_day[0].day == date(2030, 6, 1) and insight.per_day[-1].day == date(
        2030, 6, 30
    )
    assert days[date(2030, 6, 20)] == DayCount(date(2030, 6, 20), 1, 1)  # a, without the note
    assert days[date(2030, 6, 25)] == DayCount(date(2030, 6, 25), 2, 0)  # b's two questions
    assert days[date(2030, 6, 26)] == DayCount(date(2030, 6, 26), 1, 2)  # g asks, g and b answered
    assert days[date(2030, 6, 27)] == DayCount(date(2030, 6, 27), 2, 1)  # d, the old thread
    assert days[date(2030, 6, 30)] == DayCount(date(2030, 6, 30), 1, 0)  # the waiting one
    assert insight.messages == 14
    assert sum(d.customer for d in insight.per_day) == 8
    assert sum(d.staff for d in insight.per_day) == 6


def test_an_empty_shop(app):
    insight = response_insight(now=NOW)
    assert (insight.asked, insight.answered, insight.median_seconds) == (0, 0, None)
    assert insight.targets is not None and insight.targets.first_share is None
    assert insight.overdue_now == 0
    assert insight.open_disputes == 0 and insight.messages == 0
    assert format_duration(insight.median_seconds) == "–"


def test_the_window_comes_from_the_config(app, dataset):
    reconfigure(app, INSIGHT_DAYS=7)
    insight = response_insight(now=NOW)
    assert insight.since == datetime(2030, 6, 24)
    assert len(insight.per_day) == 7
    # Inside 7 days: b (30 h), d (never answered), the waiting one, g (5 h).
    assert insight.asked == 4 and insight.answered == 2


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_a_fixed_number_of_queries_whatever_the_data(app, write):
    with counting() as empty:
        response_insight(now=NOW)
    for n in range(40):
        write.thread(("customer", NOW - (n % 20) * D), ("staff", NOW - (n % 20) * D + H))
    with counting() as full:
        response_insight(now=NOW)
    # counts, median, disputes, per day; answers against the response targets, overdue waits,
    # replies overdue now
    assert len(full) == 7
    assert len(empty) == 6  # no answers: no median to look up
    reconfigure(app, FIRST_RESPONSE_TARGET=0, NEXT_RESPONSE_TARGET=0)
    with counting() as off:
        response_insight(now=NOW)
    assert len(off) == 4  # targets off: nothing asked about them


def test_format_duration():
    assert format_duration(20) == "under a minute"
    assert format_duration(42 * 60 + 5) == "42 min"
    assert format_duration(3 * 3600) == "3 hr"
    assert format_duration(3 * 3600 + 12 * 60) == "3 hr 12 min"
    assert format_duration(2 * 86400 + 4 * 3600) == "2 days 4 hr"
    assert format_duration(86400 + 59) == "1 day"


def test_format_duration_in_the_readers_language(app):
    """Through Babel's short units: no English letters in a German or French page."""
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("de"):
            assert format_duration(13 * 86400 + 22 * 3600) == "13 Tg. 22 Std."
            assert format_duration(20) == "weniger als eine Minute"
        with force_locale("fr"):
            assert format_duration(2 * 3600 + 10 * 60) == "2\u202fh 10\u00a0min"


# -- the page ------------------------------------------------------------------------------


@pytest.fixture
def recent(write) -> list[tuple[str, datetime]]:
    """A small dataset relative to the real now, for the page; returns its messages."""
    now = utcnow()
    messages = [("customer", now - 2 * D), ("staff", now - 2 * D + 2 * H)]
    write.thread(*messages)
    messages += [("customer", now - 3 * H), ("staff", now - 2 * H)]
    write.thread(*messages[2:])
    messages.append(("customer", now - D - H))
    thread = write.thread(messages[-1])
    write.dispute(thread, now - 2 * D)
    return messages


def test_the_page_shows_the_figures_and_the_chart(app, staff, browser, recent):
    browser.login(staff)
    response = browser.get(f"{P}/admin/insight")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = words(html)
    assert "Response times" in text
    assert re.search(r'data-om-figure="median">1 hour 30 minutes<', html)
    assert "in clock time (nights and weekends count), over 2 answered threads." in text
    assert re.search(r'data-om-figure="disputes-2">1<', html)
    # The chart: inline SVG with a title and a description, no script, no outside file.
    svg = re.search(r"<svg class=\"om-chart\".*?</svg>", html, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart and 'aria-labelledby="om-per-day-title om-per-day-desc"' in chart
    assert '<title id="om-per-day-title">Messages per day, last 30 days</title>' in chart
    assert re.search(r'<desc id="om-per-day-desc">5 customer and staff messages from', chart)
    assert chart.count('class="om-chart-bar"') == 30
    assert "<script" not in html.split("<main", 1)[-1] and "http" not in chart.replace(
        "http://www.w3.org/2000/svg", ""
    )
    # The numbers as text too, by UTC day (counted from the data: shortly after midnight the
    # messages of "3 hours ago" fall on yesterday).
    assert "The numbers, day by day" in text
    day = (utcnow() - 2 * H).date()
    customers = sum(1 for role, at in recent if role == "customer" and at.date() == day)
    staff_count = sum(1 for role, at in recent if role == "staff" and at.date() == day)
    row = f"{day:%b} {day.day}, {day.year} {customers} {staff_count} {customers + staff_count}"
    assert row in text


def test_the_chart_escapes_its_text(app):
    chart = bar_chart([DayCount(date(2030, 1, 1), 3, 2)])
    out = render_template(
        "order_messages/_bar_chart.html",
        chart=chart,
        title='<script>alert("x")</script>',
        description="Tom & Jerry's <b>",
        chart_id='x"><img src=x onerror=alert(1)>',
    )
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in out
    assert "Tom &amp; Jerry&#39;s &lt;b&gt;" in out
    assert "<title>Jan 1, 2030: 3 from customers, 2 from staff</title>" in out


def test_the_messages_section_links_to_it(app, staff, browser):
    html = browser.login(staff).get(f"{P}/admin/messages").get_data(as_text=True)
    assert f'href="{P}/admin/insight">Response times</a>' in html


def test_staff_only(app, customer, browser):
    assert browser.login(customer).get(f"{P}/admin/insight").status_code == 403
    response = browser.login(None).get(f"{P}/admin/insight")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_switched_off(app, staff, browser):
    reconfigure(app, INSIGHT_ENABLED=False)
    browser.login(staff)
    assert browser.get(f"{P}/admin/insight").status_code == 404
    html = browser.get(f"{P}/admin/messages").get_data(as_text=True)
    assert "/admin/insight" not in html


def test_services_are_exported():
    assert callable(services.insight.response_insight)


# -- against the response targets (business hours) -----------------------------------------------


def answered_and_late(customer: User, staff: User) -> tuple[Any, Any]:
    """Through posting, as the shop writes them: a thread answered at once (in time), and one
    whose customer still waits past the due time (missed, and overdue now)."""
    as_customer, as_staff = services.customer_actor(customer), services.staff_actor(staff)
    on_time, late = make_order(customer), make_order(customer)
    services.post_message(on_time, as_customer, "Where is my parcel?")
    services.post_message(on_time, as_staff, "It left today.")
    services.post_message(late, as_customer, "Hello?")
    thread = services.get_thread(late)
    thread.response_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return on_time, late


def test_the_page_reports_against_the_targets_in_business_hours(app, staff, customer, browser):
    reconfigure(
        app,
        FIRST_RESPONSE_TARGET="1h 30m",
        BUSINESS_DAYS="mon-fri,sun",
        TIMEZONE="Europe/Berlin",
        HOLIDAYS=["2030-12-25"],
    )
    answered_and_late(customer, staff)
    html = browser.login(staff).get(f"{P}/admin/insight").get_data(as_text=True)
    text = words(html)
    assert "Replies within target" in text
    assert "First replies (target 1 hr 30 min) 50% 1 of 2" in text
    assert "Next replies (target 8 hr) – 0 of 0" in text
    assert (
        "Counted in business hours: 09:00–17:00, Mon–Fri, Sun (Europe/Berlin), holidays "
        "excluded. A customer still waiting past the due time counts as missed."
    ) in text
    # No wall-clock target any more.
    assert "Answered within" not in text and "24 h" not in text
    # The replies overdue now, linked to the list's overdue view, which lists that one thread.
    href = link_to(html, "1 reply overdue now")
    assert href == f"{P}/admin/messages?due=overdue"
    listed = browser.get(href).get_data(as_text=True)
    assert listed.count('<tr class="om-row') == 1 and "Hello?" in listed


def test_with_targets_off_the_page_says_nothing_about_them(app, staff, customer, browser):
    reconfigure(app, FIRST_RESPONSE_TARGET=0, NEXT_RESPONSE_TARGET=None)
    answered_and_late(customer, staff)
    response = browser.login(staff).get(f"{P}/admin/insight")
    assert response.status_code == 200
    text = words(response.get_data(as_text=True))
    assert "Median first response" in text and "Messages per day" in text
    for gone in ("Replies within target", "business hours", "overdue now", "Answered within"):
        assert gone not in text


def test_the_retired_wall_clock_target_is_accepted_and_ignored(app, staff, customer, browser):
    """A host that still sets ORDER_MESSAGES_RESPONSE_TARGET_HOURS keeps starting (whatever
    the value: it does nothing), and the page reports against the business-hours targets."""
    answered_and_late(customer, staff)
    before = words(browser.login(staff).get(f"{P}/admin/insight").get_data(as_text=True))
    for value in (1, 24, "not a number"):
        reconfigure(app, RESPONSE_TARGET_HOURS=value)
        after = words(browser.get(f"{P}/admin/insight").get_data(as_text=True))
        assert after == before
        assert "First replies (target 4 hr) 50% 1 of 2" in after


def test_calendar_words():
    from zoneinfo import ZoneInfo

    from flask_order_messages.business_time import BusinessCalendar, parse_days
    from flask_order_messages.services.insight import business_duration, calendar_words

    def calendar(days: str, opens: int = 9, closes: int | None = 17) -> BusinessCalendar:
        return BusinessCalendar(
            ZoneInfo("UTC"),
            time(opens),
            None if closes is None else time(closes),
            parse_days(days),
        )

    assert calendar_words(calendar("mon-fri")) == "09:00–17:00, Mon–Fri (UTC)"
    assert calendar_words(calendar("mon,wed,fri")) == "09:00–17:00, Mon, Wed, Fri (UTC)"
    assert calendar_words(calendar("sat-mon")) == "09:00–17:00, Mon, Sat, Sun (UTC)"
    assert calendar_words(calendar("mon-sun", 0, None)) == "all day, every day (UTC)"
    assert calendar_words(calendar("tue-thu", 8, None)) == "08:00–24:00, Tue–Thu (UTC)"
    assert [business_duration(m) for m in (0, 45, 60, 90, 52 * 60)] == [
        "",
        "45 min",
        "1 hr",
        "1 hr 30 min",
        "52 hr",
    ]
