"""Marketplaces: who is mailed about what (issue 19): vendor staff for their vendor's threads,
the marketplace when a dispute opens, closes or reopens and when a vendor misses a
respond-by time; never a vendor for another vendor's order, never the author.

Every test reads the mail that went out (the outbox).  The marketplace's ``staff_recipients``
here list every admin, vendors' staff included, as a host's naive hook would: a vendor's staff
member must still hear only of their own vendor's threads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from flask_order_messages import current_order_messages
from flask_order_messages.models import utcnow
from flask_order_messages.services import questions
from flask_order_messages.transactions import commit

from . import committing as services
from .conftest import db, order_messages
from .marketplace import Market, converse
from .reconfigure import reconfigure


@pytest.fixture
def every_admin(market: Market) -> Market:
    """The marketplace's ``staff_recipients`` list every admin (the fixture restores it)."""
    people = (market.ann, market.ben, market.sam)
    order_messages.staff_recipients(lambda: [p.email for p in people])
    return market


def mailed(outbox, text: str) -> set[str]:
    """Who got a mail whose body holds ``text``."""
    return {m.recipients[0] for m in outbox if text in m.body}


def emails(*people) -> set[str]:
    return {p.email for p in people}


def written(market: Market, outbox) -> None:
    """Every thread made and answered, and its mail forgotten."""
    converse(market)
    outbox.clear()


# -- messages and notes ---------------------------------------------------------------------


def test_the_marketplace_stepping_into_a_vendors_thread_mails_that_vendors_staff(
    every_admin: Market, outbox
):
    m = every_admin
    written(m, outbox)
    services.post_message(m.acme_order, m.actor(m.sam), "The marketplace steps in.")
    # The customer and Acme's staff; not Bolt's, and not Sam, who wrote it.
    assert mailed(outbox, "The marketplace steps in.") == emails(m.carol, m.ann)
    mail = next(x for x in outbox if "steps in" in x.body)
    assert "Sam Support (Marketplace) wrote" in mail.body


def test_the_vendors_own_reply_mails_the_customer_only(every_admin: Market, outbox):
    m = every_admin
    written(m, outbox)
    services.post_message(m.acme_order, m.actor(m.ann), "Acme answers.")
    assert mailed(outbox, "Acme answers.") == emails(m.carol)


def test_a_customer_message_mails_only_their_orders_vendor(every_admin: Market, outbox):
    m = every_admin
    written(m, outbox)
    services.post_message(m.acme_order, m.actor(m.carol), "Carol asks Acme.")
    services.post_message(m.bolt_order, m.actor(m.dan), "Dan asks Bolt.")
    services.post_message(m.own_order, m.actor(m.carol), "Carol asks the marketplace.")
    assert mailed(outbox, "Carol asks Acme.") == emails(m.ann)
    assert mailed(outbox, "Dan asks Bolt.") == emails(m.ben)
    # The marketplace's own sale: its staff_recipients, less the vendors' staff in them.
    assert mailed(outbox, "Carol asks the marketplace.") == emails(m.sam)


@pytest.mark.parametrize("author", ["sam", "ann"])
def test_a_staff_only_note_mails_nobody(every_admin: Market, outbox, author):
    m = every_admin
    written(m, outbox)
    services.post_message(m.acme_order, m.actor(getattr(m, author)), "A note.", note=True)
    assert mailed(outbox, "A note.") == set()


def test_a_vendors_registered_desk_hears_of_the_marketplace_but_never_of_another_vendor(
    every_admin: Market, outbox
):
    m = every_admin
    order_messages.vendor_recipients(lambda key: [f"{key}-desk@vendors.test"])
    try:
        written(m, outbox)
        services.post_message(m.bolt_order, m.actor(m.sam), "Sam on Bolt's order.")
        services.post_message(m.acme_order, m.actor(m.sam), "Sam on Acme's order.")
    finally:
        vars(order_messages.hooks).pop("vendor_recipients")
    assert mailed(outbox, "Sam on Bolt's order.") == {m.dan.email, "bolt-desk@vendors.test"}
    assert mailed(outbox, "Sam on Acme's order.") == {m.carol.email, "acme-desk@vendors.test"}


def test_in_warehouse_mode_the_marketplaces_reply_mails_the_customer_only(
    every_admin: Market, app, outbox
):
    m = every_admin
    reconfigure(app, VENDOR_PARTICIPATION=False)
    written(m, outbox)
    services.post_message(m.acme_order, m.actor(m.sam), "Warehouse answer.")
    services.post_message(m.acme_order, m.actor(m.carol), "Warehouse question.")
    assert mailed(outbox, "Warehouse answer.") == emails(m.carol)
    assert mailed(outbox, "Warehouse question.") == emails(m.sam)


# -- disputes: opened, closed with an outcome, reopened ---------------------------------------


def test_a_customers_dispute_mails_the_vendor_and_the_marketplace(every_admin: Market, outbox):
    m = every_admin
    written(m, outbox)
    services.open_dispute(m.acme_order, m.actor(m.carol), "Broken anvil")
    assert mailed(outbox, "Broken anvil") == emails(m.ann, m.sam)
    outbox.clear()
    services.close_dispute(m.acme_order, m.actor(m.carol))  # withdrawn
    assert mailed(outbox, "Withdrawn by the customer.") == emails(m.ann, m.sam)
    outbox.clear()
    services.reopen_dispute(m.acme_order, m.actor(m.carol), "Still broken")
    assert mailed(outbox, "Still broken") == emails(m.ann, m.sam)


def test_the_marketplaces_arbitration_mails_the_customer_and_the_vendor(
    every_admin: Market, outbox
):
    m = every_admin
    written(m, outbox)
    services.open_dispute(m.bolt_order, m.actor(m.sam), "Late delivery")
    assert mailed(outbox, "Late delivery") == emails(m.dan, m.ben)
    outbox.clear()
    services.close_dispute(
        m.bolt_order, m.actor(m.sam), outcome="resolved_for_customer", note="Refund sent"
    )
    assert mailed(outbox, "Outcome: Resolved for the customer.") == emails(m.dan, m.ben)
    outbox.clear()
    services.reopen_dispute(m.bolt_order, m.actor(m.sam), "Refund bounced")
    assert mailed(outbox, "Refund bounced") == emails(m.dan, m.ben)


def test_a_vendor_that_may_close_disputes_mails_the_customer_and_the_marketplace(
    every_admin: Market, app, outbox
):
    m = every_admin
    reconfigure(app, VENDORS_CLOSE_DISPUTES=True)
    written(m, outbox)
    services.open_dispute(m.acme_order, m.actor(m.ann), "Unpaid invoice")
    assert mailed(outbox, "Unpaid invoice") == emails(m.carol, m.sam)
    outbox.clear()
    services.close_dispute(m.acme_order, m.actor(m.ann), outcome="resolved_for_store")
    assert mailed(outbox, "Outcome: Resolved for the store.") == emails(m.carol, m.sam)


def test_a_dispute_on_the_marketplaces_own_order_mails_no_vendor(every_admin: Market, outbox):
    m = every_admin
    written(m, outbox)
    services.open_dispute(m.own_order, m.actor(m.carol), "Voucher expired")
    assert mailed(outbox, "Voucher expired") == emails(m.sam)
    outbox.clear()
    services.close_dispute(m.own_order, m.actor(m.sam), outcome="withdrawn", note="Gone")
    assert mailed(outbox, "Gone") == emails(m.carol)


def test_a_missed_respond_by_time_mails_the_marketplace_not_the_vendors(
    every_admin: Market, app, outbox
):
    m = every_admin
    written(m, outbox)
    services.open_dispute(m.acme_order, m.actor(m.carol), "Broken anvil")
    d = current_order_messages.models.Dispute
    db.session.execute(sa.update(d).values(respond_by=utcnow() - timedelta(hours=1)))
    db.session.commit()
    outbox.clear()
    result = app.test_cli_runner().invoke(args=["order-messages", "notify-overdue"])
    assert result.exit_code == 0, result.output
    assert [x.recipients for x in outbox] == [[m.sam.email]]


# -- questions before purchase --------------------------------------------------------------


def test_the_marketplaces_answer_to_a_vendors_product_question_mails_that_vendor(
    every_admin: Market, outbox
):
    m = every_admin
    order_messages.product_vendor(lambda key: {"42": "acme"}.get(key))
    try:
        message = questions.ask("42", m.actor(m.carol), "Is it steel?")
        commit()
        assert mailed(outbox, "Is it steel?") == emails(m.ann)
        thread = db.session.get(current_order_messages.models.Thread, message.thread_id)
        questions.post_question(thread, m.actor(m.sam), "Forged steel.")
        commit()
        questions.post_question(thread, m.actor(m.ann), "Yes, steel.")
        commit()
    finally:
        vars(order_messages.hooks).pop("product_vendor")
    assert mailed(outbox, "Forged steel.") == emails(m.carol, m.ann)
    assert mailed(outbox, "Yes, steel.") == emails(m.carol)
