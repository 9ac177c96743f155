"""One unit of work: services flush, the view or command commits once, and only then mail and
signals go out (persist, commit, mail, signal).  The few commits that cannot wait live in
flask_order_messages/transactions.py, and nothing else in the package commits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import flask_order_messages
from flask_order_messages import current_order_messages, services, signals, transactions
from flask_order_messages.services import canned

from .conftest import db, make_order
from .host_pages import P

PACKAGE = Path(flask_order_messages.__file__).resolve().parent
#: The one module that commits.
UNIT_OF_WORK = PACKAGE / "transactions.py"


def test_nothing_outside_the_unit_of_work_commits():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != UNIT_OF_WORK
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bcommit\(", line)
    ]
    assert found == []


def saved_bodies() -> list[str]:
    """The message bodies another connection sees: what is committed."""
    m = current_order_messages.models.Message
    with db.engine.connect() as other:
        return list(other.execute(sa.select(m.body).order_by(m.id)).scalars())


def test_a_post_is_saved_then_mailed_then_signalled(app, order, as_staff, outbox):
    seen: list[tuple[list[str], int]] = []

    def posted(sender, **kw):
        seen.append((saved_bodies(), len(outbox)))

    signals.message_posted.connect(posted)
    try:
        services.post_message(order, as_staff, "Your parcel left today")
        assert saved_bodies() == [] and outbox == [] and seen == []  # flushed, nothing more
        transactions.commit()
    finally:
        signals.message_posted.disconnect(posted)
    assert saved_bodies() == ["Your parcel left today"]
    assert len(outbox) == 1
    assert seen == [(["Your parcel left today"], 1)]  # the signal came after the mail


def test_a_rolled_back_post_sends_no_mail_and_no_signal(app, order, as_staff, outbox):
    seen = []

    def posted(sender, **kw):  # a function: blinker 1.6 cannot weakly refer to list.append
        seen.append(kw)

    signals.message_posted.connect(posted)
    try:
        services.post_message(order, as_staff, "Never mind")
        transactions.rollback()
        transactions.commit()
    finally:
        signals.message_posted.disconnect(posted)
    assert saved_bodies() == [] and outbox == [] and seen == []


def test_a_first_message_does_not_commit_what_the_caller_had_pending(app, customer, as_staff):
    new_order = make_order(customer)
    canned.create_reply(as_staff, "Thanks", "Thank you!")  # pending in the caller's unit
    services.post_message(new_order, as_staff, "Hello")  # a new thread
    transactions.rollback()
    replies = current_order_messages.models.CannedReply
    assert db.session.execute(sa.select(sa.func.count()).select_from(replies)).scalar() == 0
    assert saved_bodies() == []


def test_read_state_refuses_to_commit_the_pages_writes(app, order, as_staff):
    services.post_message(order, as_staff, "Not yet saved")
    with pytest.raises(RuntimeError, match="unsaved writes"):
        with transactions.read_state("mark read"):
            pass
    transactions.rollback()
    assert saved_bodies() == []


def test_an_early_commit_needs_a_named_reason(app):
    with pytest.raises(ValueError, match="EARLY_COMMITS"):
        transactions.commit_early("because")


def test_a_refused_post_keeps_its_draft_and_a_good_one_is_committed_once(
    app, order, staff, browser, outbox
):
    browser.login(staff)
    response = browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": "Hello there"})
    assert response.status_code == 303
    assert saved_bodies() == ["Hello there"]
    draft = current_order_messages.models.Draft
    refused = browser.post(f"{P}/admin/orders/{order.id}/messages", {"body": " "})
    assert "om_draft=" in refused.headers["Location"]
    with db.engine.connect() as other:  # the redirect finds it: committed before it
        assert other.execute(sa.select(sa.func.count()).select_from(draft)).scalar() == 1
