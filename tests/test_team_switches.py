"""The team inbox's switches, through the pages a staff member uses.

* ``ORDER_MESSAGES_ASSIGNMENT_ENABLED = False`` / ``ORDER_MESSAGES_STATUS_ENABLED = False``: no
  controls on the thread or the list, no Mine / Unassigned views or status filter (an address
  that asks for them lists every thread), the POST routes answer 404, no mail, no automatic
  status moves, no events, no signals, nothing about them in JSON.
* Response targets off (``FIRST_RESPONSE_TARGET`` and ``NEXT_RESPONSE_TARGET`` 0): nothing
  about replies due on the list, the thread, the overdue view, the bell or the counts.
* The customer context without the host's ``order_summary`` hook: no total, no status.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages, signals
from flask_order_messages.errors import FeatureOffError
from flask_order_messages.models import utcnow

from . import committing as services
from .conftest import db, make_order, order_messages
from .host_pages import P, page, rows, staff_thread, words
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")
MESSAGES = f"{P}/admin/messages"
ASSIGNMENT_OFF = {"ASSIGNMENT_ENABLED": False}
STATUS_OFF = {"STATUS_ENABLED": False}
TARGETS_OFF = {"FIRST_RESPONSE_TARGET": 0, "NEXT_RESPONSE_TARGET": 0}


def thread_of(order: Any) -> Any:
    db.session.expire_all()
    thread = services.get_thread(order)
    assert thread is not None
    return thread


def team_events(order: Any) -> list[str]:
    m = current_order_messages.models.Message
    stmt = sa.select(m.body).where(m.thread_id == thread_of(order).id, m.event.is_not(None))
    return list(db.session.execute(stmt).scalars())


def toolbar(html: str) -> str:
    """The Messages list's search form (search box and selects)."""
    return html[html.index('<form class="om-toolbar"') : html.index("</form>")]


def selects(html: str) -> list[str]:
    """The names of the selects of the list's search form."""
    return re.findall(r'<select name="(\w+)"', toolbar(html))


def headers(html: str) -> list[str]:
    """The Messages table's column headers."""
    head = html[html.index("<thead>") : html.index("</thead>")]
    return [words(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S) if words(h)]


def buttons(html: str) -> list[str]:
    return [words(b) for b in re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S)]


def team_group(html: str) -> str:
    """The thread's assignment and status group, or "" when there is none."""
    found = re.search(r'<div class="om-team".*?</div>', html, re.S)
    return found.group(0) if found else ""


def listed(browser: Any, query: str = "") -> list[str]:
    response = browser.get(f"{MESSAGES}{query}")
    assert response.status_code == 200, query
    return [row.text.split()[0] for row in rows(page(response))]


@pytest.fixture
def recorded() -> Any:
    seen: list[str] = []

    def on_signal(sender: Any, **kw: Any) -> None:
        seen.append("signal")

    signals.thread_assigned.connect(on_signal)
    signals.status_changed.connect(on_signal)
    yield seen
    signals.thread_assigned.disconnect(on_signal)
    signals.status_changed.disconnect(on_signal)


@pytest.fixture
def three(customer: Any, as_customer: Any) -> list[Any]:
    """Three orders whose customer asked something."""
    orders = [make_order(customer) for _ in range(3)]
    for order in orders:
        services.post_message(order, as_customer, f"About order {order.id}")
    return orders


# -- assignment off ------------------------------------------------------------------------------


def test_assignment_off_shows_no_assignment_on_the_thread_or_the_list(
    app, staff, as_staff, three, browser
):
    services.assign(three[0], as_staff, "me")
    reconfigure(app, **ASSIGNMENT_OFF)
    browser.login(staff)
    thread = staff_thread(browser, three[0])
    group = team_group(thread)
    assert 'aria-label="Status"' in group and "Status: Open" in words(group)
    assert "Assigned to" not in words(thread) and 'name="assignee"' not in thread
    assert buttons(group) == ["Set status"]

    html = page(browser.get(MESSAGES))
    assert selects(html) == ["filter", "status", "due"]
    assert headers(html) == ["Order", "Customer", "Latest message", "Reply", "Status", "Date"]
    assert "om-assignee" not in html and 'name="assignee"' not in html
    assert "Assign" not in " ".join(buttons(html)) and "Close" in buttons(html)
    # Mine / Unassigned, asked for by an old bookmark or by hand: every thread, no error.
    everyone = listed(browser)
    assert everyone == ["#00003", "#00002", "#00001"]
    for query in ("?view=mine", "?view=unassigned", "?view=theirs", "?view=mine&view=x"):
        assert listed(browser, query) == everyone, query
    assert "Clear" not in words(toolbar(page(browser.get(f"{MESSAGES}?view=mine"))))


def test_assignment_off_its_routes_are_404_and_nothing_is_assigned_or_mailed(
    app, order, staff, staff2, as_customer, as_staff, browser, outbox, recorded
):
    services.post_message(order, as_customer, "Where is my parcel?")
    reconfigure(app, **ASSIGNMENT_OFF)
    outbox.clear()
    browser.login(staff)
    tid = thread_of(order).id
    for path, form in (
        (f"{P}/admin/orders/{order.id}/assign", {"assignee": str(staff2.id)}),
        (f"{P}/admin/orders/{order.id}/assign", {"to_me": "1"}),
        (f"{MESSAGES}/assign", {"thread_id": [tid], "assignee": str(staff2.id)}),
        (f"{MESSAGES}/assign", {"thread_id": [tid], "unassign": "1"}),
        (f"{MESSAGES}/assign", {"assignee": "nobody at all"}),  # malformed: 404 all the same
    ):
        assert browser.post(path, form).status_code == 404, (path, form)
    # Host code calling the services is told so, in words.
    with pytest.raises(FeatureOffError, match="ORDER_MESSAGES_ASSIGNMENT_ENABLED"):
        services.assign(order, as_staff, str(staff2.id))
    with pytest.raises(FeatureOffError):
        services.assign_threads(as_staff, [tid], "me")
    assert thread_of(order).assignee_id is None
    assert team_events(order) == [] and outbox == [] and recorded == []
    # The JSON says nothing about it either.
    counts = browser.get(f"{P}/api/counts").get_json()
    numbers = {"unread_threads", "open_disputes", "overdue_disputes", "overdue_replies"}
    assert set(counts) == {"label", *numbers, *(f"{name}_capped" for name in numbers)}


# -- status off ----------------------------------------------------------------------------------


def test_status_off_shows_no_status_and_lists_every_thread(app, staff, as_staff, three, browser):
    services.set_status(three[2], as_staff, "closed")  # closed while statuses were on
    reconfigure(app, **STATUS_OFF)
    browser.login(staff)
    thread = staff_thread(browser, three[0])
    group = team_group(thread)
    assert 'aria-label="Assignment"' in group and "Assigned to: Nobody" in words(group)
    assert "Status" not in words(group) and 'name="status"' not in thread
    assert buttons(group) == ["Assign", "Assign to me"]

    html = page(browser.get(MESSAGES))
    assert selects(html) == ["filter", "view", "due"]
    assert headers(html) == ["Order", "Customer", "Latest message", "Reply", "Assigned to", "Date"]
    assert "om-status" not in html and 'name="new_status"' not in html
    assert "Close" not in buttons(html) and "Reopen" not in buttons(html)
    # The closed one is listed like the others: no status hides it any more.
    everyone = listed(browser)
    assert sorted(everyone) == ["#00001", "#00002", "#00003"]
    for query in ("?status=closed", "?status=waiting", "?status=snoozed", "?status=all"):
        assert listed(browser, query) == everyone, query
    assert listed(browser, "?view=mine&status=closed") == []  # the view still applies


def test_status_off_nothing_moves_its_routes_are_404_and_no_events(
    app, order, staff, customer, as_customer, as_staff, browser, recorded
):
    services.post_message(order, as_customer, "Where is my parcel?")
    services.set_status(order, as_staff, "closed")
    events_before = team_events(order)
    reconfigure(app, **STATUS_OFF)
    # The conversation moves nothing: a customer message does not reopen, a reply does not
    # set "waiting on customer".
    services.post_message(order, as_customer, "Hello?")
    assert thread_of(order).status == "closed"
    other = make_order(customer)
    services.post_message(other, as_customer, "And this one?")
    services.post_message(other, as_staff, "On its way.")
    assert (thread_of(other).status, thread_of(other).status_changed_at) == ("open", None)

    browser.login(staff)
    tid = thread_of(other).id
    for path, form in (
        (f"{P}/admin/orders/{other.id}/status", {"status": "closed"}),
        (f"{P}/admin/orders/{other.id}/status", {"status": "snoozed"}),
        (f"{MESSAGES}/status", {"thread_id": [tid], "new_status": "closed"}),
        (f"{MESSAGES}/status", {"new_status": "open"}),
    ):
        assert browser.post(path, form).status_code == 404, (path, form)
    with pytest.raises(FeatureOffError, match="ORDER_MESSAGES_STATUS_ENABLED"):
        services.set_status(other, as_staff, "closed")
    with pytest.raises(FeatureOffError):
        services.set_statuses(as_staff, [tid], "closed")
    assert thread_of(other).status == "open"
    assert team_events(other) == [] and team_events(order) == events_before
    assert recorded == ["signal"]  # the closing while statuses were on, nothing since
    entries = browser.get(f"{P}/api/admin/orders/{other.id}/entries?after=0").get_json()
    assert [e["event"] for e in entries["entries"]] == [None, None]


def test_status_off_a_thread_closed_earlier_can_be_overdue(
    app, order, staff, as_customer, as_staff, browser
):
    """While statuses are on, a closed thread owes no reply; once they are off, "closed" is
    no longer shown or known, and the wait counts like any other."""
    services.post_message(order, as_customer, "Where is my parcel?")
    services.set_status(order, as_staff, "closed")
    thread = thread_of(order)
    thread.response_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    browser.login(staff)
    assert listed(browser, "?due=overdue&status=all") == []
    assert "Overdue by" not in staff_thread(browser, order)
    assert browser.get(f"{P}/api/counts").get_json()["overdue_replies"] == 0
    reconfigure(app, **STATUS_OFF)
    assert listed(browser, "?due=overdue") == ["#00001"]
    assert "Overdue by 1 hr" in words(staff_thread(browser, order))
    assert browser.get(f"{P}/api/counts").get_json()["overdue_replies"] == 1


# -- both off ------------------------------------------------------------------------------------


def test_both_off_the_thread_and_list_have_no_team_controls(app, staff, three, browser):
    reconfigure(app, **ASSIGNMENT_OFF, **STATUS_OFF)
    browser.login(staff)
    thread = staff_thread(browser, three[0])
    assert team_group(thread) == "" and "om-team" not in thread
    assert f"{P}/admin/orders/{three[0].id}/assign" not in thread
    html = page(browser.get(MESSAGES))
    assert selects(html) == ["filter", "due"]
    assert headers(html) == ["Order", "Customer", "Latest message", "Reply", "Date"]
    assert "om-bulk-team" not in html
    assert buttons(html) == [
        "Search",
        "Mark read",
        "Mark unread",
        "Mark all read",
        "Mark all unread",
    ]
    # A bulk mark's way back keeps none of their parameters.
    response = browser.post(
        f"{MESSAGES}/mark?scope=all", {"action": "read", "view": "mine", "status": "closed"}
    )
    assert listed(browser, response.headers["Location"].split("/admin/messages", 1)[1]) == [
        "#00003",
        "#00002",
        "#00001",
    ]


# -- response targets off ------------------------------------------------------------------------


def test_targets_off_say_nothing_about_replies_due_anywhere(
    app, order, customer, staff, as_customer, browser
):
    services.post_message(order, as_customer, "Where is my parcel?")
    waiting = make_order(customer)
    services.post_message(waiting, as_customer, "Hello?")
    thread = thread_of(order)  # due before the targets were turned off, long past now
    thread.response_due_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    reconfigure(app, **TARGETS_OFF)
    browser.login(staff)

    html = page(browser.get(MESSAGES))
    assert "Reply" not in headers(html) and selects(html) == ["filter", "view", "status"]
    assert "om-due" not in html and "Overdue by" not in words(html)
    everyone = listed(browser)
    assert everyone == ["#00002", "#00001"]
    for query in ("?due=overdue", "?due=soon"):  # the overdue view falls back to the list
        assert listed(browser, query) == everyone, query
    thread_html = staff_thread(browser, order)
    assert "om-response-due" not in thread_html and "Overdue" not in words(thread_html)

    bell = page(browser.get("/admin/header"))
    assert "overdue_replies" not in bell and "Replies overdue" not in words(bell)
    assert 'aria-label="Messages: 1 unread, 0 open disputes"' in bell  # one was just read
    counts = browser.get(f"{P}/api/counts").get_json()
    assert "overdue_replies" not in counts and counts["label"].endswith("0 open disputes")
    insight = words(page(browser.get(f"{P}/admin/insight")))
    assert "Replies within target" not in insight and "overdue now" not in insight


# -- customer context without the hook -----------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [None, {}, {"total": "", "status": "  "}, {"total": None}],
    ids=["no-hook", "empty", "blank", "none"],
)
def test_without_an_order_summary_no_total_or_status_is_shown(
    order, as_customer, staff, browser, monkeypatch, summary
):
    services.post_message(order, as_customer, "Where is it?")
    if summary is not None:
        monkeypatch.setattr(order_messages.hooks, "order_summary", lambda o: summary)
    browser.login(staff)
    html = page(browser.get(MESSAGES))
    assert "om-order-summary" not in html
    assert rows(html)[0].text.startswith("#00001 Carol Customer carol.customer@example.test New")
    own = page(browser.get(f"{P}/admin/orders/{order.id}"))
    context = own[own.index('<dl class="om-context"') : own.index("</dl>")]
    assert words(context) == "Customer Carol Customer · carol.customer@example.test"
