"""``flask order-messages doctor`` on a healthy host and on hosts broken one way each: the
exact problem is reported with its fix, and the exit status is 1 only for an error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app
from jinja2 import DictLoader

from flask_order_messages import customer_actor, schema, staff_actor

from . import committing as services
from .hosts import define_host, make_host_app

LAYOUTS = {
    "base.html": "<title>{% block title %}{% endblock %}</title>"
    "<main>{% block content %}{% endblock %}</main>",
    # The admin layout gets its blocks from its parent.
    "admin/base.html": '{% extends "base.html" %}{% block nav %}Admin{% endblock %}',
    "shop.html": '{% extends "base.html" %}',
    # Like the shop of issue 12: its main block is "body", and it has no title.
    "admin/body_only.html": "<html>{% block body %}{% endblock %}</html>",
    "admin/orphan.html": '{% extends "gone.html" %}',
    "admin/broken.html": "{% block content %}",
}
HEALTHY = {
    "ORDER_MESSAGES_ADMIN_LAYOUT": "admin/base.html",
    "ORDER_MESSAGES_CUSTOMER_LAYOUT": "shop.html",
    "ORDER_MESSAGES_POST_RATE_LIMIT": None,
}


@dataclass
class Report:
    exit_code: int
    text: str  # the output with its line wrapping folded away

    def has(self, level: str, words: str) -> bool:
        return f"{level} {words}" in self.text


@contextmanager
def doctor_host(
    tmp_path: Any,
    *,
    hooks: bool = True,
    migrate_to: str | None = "head",
    staff_wrote: bool = True,
    **config: Any,
) -> Iterator[Any]:
    """A host app with its own tables, ours migrated to ``migrate_to`` (None: not at all), a
    staff member, a customer and her order.  Yields ``run(*args) -> Report``.  No request
    is active: the doctor runs as it does from a shell."""
    db, User, Order, ext = define_host(hooks=hooks)
    app = make_host_app(tmp_path, db, User, ext, **{**HEALTHY, **config})
    app.jinja_loader = DictLoader(LAYOUTS)  # type: ignore[assignment]
    with app.app_context():
        db.metadata.create_all(db.engine, tables=[User.__table__, Order.__table__])
        if migrate_to is not None:
            schema.upgrade(migrate_to)
        staff = User(name="Ann Admin", email="ann@shop.test", is_admin=True)
        carol = User(name="Carol", email="carol@home.test")
        db.session.add_all([staff, carol])
        db.session.commit()
        order = Order(customer_id=carol.id)
        db.session.add(order)
        db.session.commit()
        if migrate_to == "head" and hooks:
            with app.test_request_context():  # as on the shop's pages
                services.post_message(order, customer_actor(carol), "Where is it?")
                if staff_wrote:
                    services.post_message(order, staff_actor(staff), "On its way.")
                db.session.commit()
        runner = app.test_cli_runner()

        def run(*args: str) -> Report:
            db.session.remove()  # as a new process would: nothing cached
            result = runner.invoke(args=["order-messages", "doctor", *args])
            return Report(result.exit_code, " ".join(result.output.split()))

        run.ext, run.db, run.User, run.Order = ext, db, User, Order  # type: ignore[attr-defined]
        run.head = schema.head()  # type: ignore[attr-defined]
        try:
            yield run
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_healthy_host_passes(tmp_path):
    with doctor_host(tmp_path) as run:
        report = run()
    assert report.exit_code == 0, report.text
    assert "ERROR" not in report.text and "WARN" not in report.text, report.text
    assert report.text.startswith("Checking with order 1, customer 2, staff 1 (")
    assert "as staff the author of the newest staff message" in report.text
    for line in (
        "hook staff_check: admits staff member 1.",
        "hook display_name: shows the customer as 'Carol' and the staff as 'Ann Admin'.",
        "hook user_email: gives usable addresses.",
        "hook staff_recipients: mails 1 address.",
        "hook order_number: shows the order as #1.",
        "hook staff_order_url: gives /order-messages/admin/orders/1",
        "mail sender: mails come from 'shop@example.test'.",
        "mail links outside a request: look like "
        "http://host.test/order-messages/orders/1?tab=messages#order-messages",
        "admin layout: 'admin/base.html' (via admin/base.html -> base.html) found; our pages "
        "fill its 'content' block and its 'title' block.",
        f"tables: at the newest migration ({run.head}).",
        "rate limit: off",
        # Questions before purchase: the product hooks' defaults, no question to try them on.
        'hook product_name: default: "Product <key>" (no question asked yet to try it on).',
        "hook product_url: default: no link to the product's page (no question asked yet",
        "hook product_vendor: default: questions go to the marketplace's (or the shop's) staff",
    ):
        assert report.has("ok", line), line
    assert report.text.endswith("0 errors, 0 warnings.")


def test_missing_hooks_are_errors_with_the_way_to_register_them(tmp_path):
    with doctor_host(tmp_path, hooks=False) as run:
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        "hook staff_check: is not registered: nobody can open the staff pages. "
        "fix: Register it: @order_messages.staff_check",
    )
    assert report.has(
        "ERROR",
        "hook staff_recipients: is not registered, and the extension needs it. Every customer "
        "message fails while it is missing. fix: Register it: @order_messages.staff_recipients",
    )


def test_a_hook_that_raises_or_answers_the_wrong_type_is_shown_briefly(tmp_path):
    with doctor_host(tmp_path) as run:

        @run.ext.order_number
        def _number(order: Any) -> str:
            return order.reference  # type: ignore[no-any-return]  # no such column

        @run.ext.customer_order_url
        def _url(order: Any) -> Any:
            return None

        @run.ext.staff_check
        def _staff(user: Any) -> Any:
            return user.email if user.is_admin else None

        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR", "hook order_number: raised AttributeError: 'Order' object has no attribute"
    )
    assert report.has("ERROR", "hook customer_order_url: returned NoneType None, not a str.")
    assert report.has("WARN", "hook staff_check: returned str, not True or False.")
    assert "Traceback" not in report.text


def test_the_customer_orders_url_hook_is_asked_about_the_customer(tmp_path):
    """Optional: not registered is fine; registered, it is asked about the order's customer
    in a request and must answer a str or None."""
    with doctor_host(tmp_path) as run:
        assert run().has(
            "ok", "hook customer_orders_url: not registered: the header links the newest"
        )
        asked = []

        @run.ext.customer_orders_url
        def _orders(user: Any) -> str:
            asked.append(user.id)
            return f"/account/{user.id}/orders"

        report = run()
        assert report.exit_code == 0, report.text
        assert report.has("ok", "hook customer_orders_url: gives /account/2/orders.")
        assert asked == [2]
        run.ext.customer_orders_url(lambda user: ["/orders"])
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        "hook customer_orders_url: returned list ['/orders'], not a str or None. fix: Return "
        "the URL of the customer's order list",
    )


def test_an_order_number_that_starts_with_a_hash_is_a_warning(tmp_path):
    # Our pages put "#" before the number: a hook returning "#SO-1001" showed "##SO-1001".
    with doctor_host(tmp_path) as run:

        @run.ext.order_number
        def _number(order: Any) -> str:
            return f"#SO-{order.id}"

        report = run()
    assert report.exit_code == 0
    assert "shows the order as ##" not in report.text
    assert report.has(
        "WARN", "hook order_number: returns '#SO-1', and our pages show it as '##SO-1'."
    )
    assert "fix: Return the number without '#'" in report.text


def test_no_mail_sender_is_an_error(tmp_path):
    with doctor_host(tmp_path, MAIL_DEFAULT_SENDER=None) as run:
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        "mail sender: no sender is set: every notification mail fails and is retried until it "
        "is given up. fix: Set MAIL_DEFAULT_SENDER",
    )


def test_a_retired_key_is_a_warning_with_its_fix(tmp_path):
    with doctor_host(tmp_path, ORDER_MESSAGES_RESPONSE_TARGET_HOURS=24) as run:
        report = run()
    assert report.exit_code == 0, report.text  # a warning: the host works as it is
    assert report.has(
        "WARN",
        "config: ORDER_MESSAGES_RESPONSE_TARGET_HOURS is no longer used: the Response times page "
        "reports against ORDER_MESSAGES_FIRST_RESPONSE_TARGET and "
        "ORDER_MESSAGES_NEXT_RESPONSE_TARGET, counted in business hours. fix: Remove "
        "ORDER_MESSAGES_RESPONSE_TARGET_HOURS from your configuration.",
    ), report.text
    assert report.text.endswith("0 errors, 1 warning.")


def test_with_mail_off_no_sender_is_needed(tmp_path):
    with doctor_host(tmp_path, MAIL_DEFAULT_SENDER=None, ORDER_MESSAGES_MAIL_ENABLED=False) as run:
        report = run()
    assert report.exit_code == 0, report.text
    assert report.has("ok", "mail sender: not needed: mail is off.")


@pytest.mark.parametrize(
    ("layout", "problem"),
    [
        (
            "admin/nope.html",
            "admin layout: ORDER_MESSAGES_ADMIN_LAYOUT = 'admin/nope.html': template "
            "'admin/nope.html' is not found.",
        ),
        (
            "admin/orphan.html",
            "admin layout: ORDER_MESSAGES_ADMIN_LAYOUT = 'admin/orphan.html': template "
            "'gone.html' (extended by admin/orphan.html) is not found.",
        ),
        (
            "admin/broken.html",
            "admin layout: ORDER_MESSAGES_ADMIN_LAYOUT = 'admin/broken.html': template "
            "'admin/broken.html' does not parse: TemplateSyntaxError",
        ),
    ],
)
def test_a_layout_that_does_not_load_is_an_error(tmp_path, layout, problem):
    with doctor_host(tmp_path, ORDER_MESSAGES_ADMIN_LAYOUT=layout) as run:
        report = run()
    assert report.exit_code == 1
    assert report.has("ERROR", problem), report.text


def test_a_layout_without_the_block_our_pages_fill_is_an_error(tmp_path):
    with doctor_host(tmp_path, ORDER_MESSAGES_CUSTOMER_LAYOUT="admin/body_only.html") as run:
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        "customer layout: 'admin/body_only.html' has no block 'content', which our pages fill; "
        "its blocks: body. fix: Set ORDER_MESSAGES_CUSTOMER_LAYOUT_BLOCK to the block that "
        "holds the page's main content, or add {% block content %}{% endblock %} to the layout.",
    )


def test_the_block_named_in_the_config_is_the_one_looked_for(tmp_path):
    # ORDER_MESSAGES_ADMIN_LAYOUT_BLOCK comes with the configurable block; the doctor reads it
    # from the config as it is, without waiting for the settings to know it.
    with doctor_host(tmp_path, ORDER_MESSAGES_ADMIN_LAYOUT="admin/body_only.html") as run:
        current_app.config["ORDER_MESSAGES_ADMIN_LAYOUT_BLOCK"] = "body"
        report = run()
    assert report.has(
        "ok",
        "admin layout: 'admin/body_only.html' found; our pages fill its 'body' block (it has "
        "no 'title' block: the pages keep the layout's own title).",
    ), report.text


def test_tables_behind_the_newest_migration_are_an_error(tmp_path):
    with doctor_host(tmp_path, migrate_to="0003") as run:
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        f"tables: at migration 0003; this version needs {run.head}. "
        "fix: Run: flask order-messages db upgrade",
    )


def test_tables_not_made_at_all_are_an_error(tmp_path):
    with doctor_host(tmp_path, migrate_to=None) as run:
        report = run()
    assert report.exit_code == 1
    assert report.has("ERROR", "tables: missing: order_messages_threads, ")
    assert "fix: Run: flask order-messages db upgrade." in report.text


def test_tables_made_by_create_all_want_a_stamp(tmp_path):
    with doctor_host(tmp_path, migrate_to=None) as run:
        run.db.create_all()
        report = run()
    assert report.has(
        "WARN",
        "tables: all there, but with no migration history (made by db.create_all()): the next "
        "upgrade cannot tell where they are. fix: Run once: flask order-messages db stamp head",
    )


def test_memory_rate_limit_storage_is_a_warning_with_its_fix(tmp_path):
    with doctor_host(tmp_path, ORDER_MESSAGES_POST_RATE_LIMIT="20 per minute") as run:
        report = run()
    assert report.exit_code == 0, report.text  # a warning alone
    assert report.has(
        "WARN",
        "rate limit: counts in each process's memory (memory://): with several workers "
        "(gunicorn -w 4, uWSGI processes) each worker counts alone",
    )
    assert "fix: Point ORDER_MESSAGES_RATE_LIMIT_STORAGE" in report.text
    assert report.text.endswith("0 errors, 1 warning.")


def test_without_server_name_mail_links_cannot_be_built(tmp_path):
    with doctor_host(tmp_path, SERVER_NAME=None) as run:
        report = run()
    assert report.exit_code == 1
    assert report.has(
        "ERROR",
        "mail links outside a request: cannot be built (a message posted from a script or a "
        "job fails, and 'expire-disputes' mails link to localhost): url_for(..., "
        "_external=True), the staff_order_url hook, the customer_order_url hook: "
        "RuntimeError: Unable to build URLs outside an active request",
    )
    assert "fix: Set SERVER_NAME = 'shop.example.com'" in report.text


def test_a_staff_member_is_found_without_staff_messages(tmp_path):
    with doctor_host(tmp_path, staff_wrote=False) as run:
        report = run()
    assert report.text.startswith("Checking with order 1, customer 2, staff 1 (")
    assert "as staff a user among staff_recipients" in report.text


def test_order_and_user_options(tmp_path):
    with doctor_host(tmp_path) as run:
        dan = run.User(name="Dan", email="dan@home.test")
        run.db.session.add(dan)
        run.db.session.commit()
        for _ in range(2):
            run.db.session.add(run.Order(customer_id=dan.id))
        run.db.session.commit()
        assert run("--user", "2").text.startswith("Checking with order 1, customer 2, staff 1")
        assert run("--user", "3").text.startswith("Checking with order 3, customer 3, staff 1")
        assert run("--order", "2").text.startswith("Checking with order 2, customer 3, staff 1")
        assert run().text.startswith("Checking with order 3, customer 3")
        assert run("--order", "1", "--user", "1").text.startswith(
            "Checking with order 1, customer 2, staff 1 (the order given, the staff member given"
        )
        for args, words in (
            (("--order", "99"), "No order has the key '99' (--order)."),
            (("--order", "x"), "No order has the key 'x' (--order)."),
            (("--user", "99"), "No user has the key '99' (--user)."),
        ):
            report = run(*args)
            assert report.exit_code == 1
            assert words in report.text


def test_an_empty_shop_is_checked_as_far_as_it_can_be(tmp_path):
    with doctor_host(tmp_path) as run:
        for model in (run.ext.models.MailOutbox, run.ext.models.Message):
            run.db.session.execute(sa.delete(model))
        run.db.session.execute(sa.update(run.ext.models.Thread).values(last_message_id=None))
        run.db.session.execute(sa.delete(run.ext.models.ThreadSearch))
        run.db.session.execute(sa.delete(run.ext.models.Thread))
        run.db.session.execute(sa.delete(run.Order))
        run.db.session.commit()
        report = run()
    assert report.text.startswith("Checking with order none, customer none, staff 1")
    assert report.has("WARN", "hooks: the shop has no order yet")
    assert report.exit_code == 0, report.text
