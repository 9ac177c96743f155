"""Host hooks: staff is nobody by default, a needed missing hook names itself, sane defaults."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flask_order_messages import MissingHookError, customer_actor, staff_actor

from . import committing as services
from .hosts import Host, define_host, host, make_host_app


def _count(h: Host, model: object) -> int:
    return int(h.db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar())


def _staff_page(h: Host, user: object) -> int:
    client = h.login(h.app.test_client(), user)
    return int(h.get(client, "/order-messages/admin/messages").status_code)


# -- staff_check -------------------------------------------------------------------------


def test_without_a_staff_check_nobody_is_staff(tmp_path):
    with host(tmp_path, hooks=False) as h:
        admin = h.add_user("Admin Admin", admin=True)
        assert h.ext.is_staff(admin) is False
        assert _staff_page(h, admin) == 403
        assert h.get(h.app.test_client(), "/order-messages/admin/messages").status_code == 401


def test_a_staff_check_opens_the_staff_pages_to_whom_it_admits(tmp_path):
    with host(tmp_path, hooks=False) as h:
        admin = h.add_user("Admin Admin", admin=True)
        carol = h.add_user("Carol Customer")

        @h.ext.staff_check
        def _check(user: object) -> bool:
            return bool(user.is_admin)  # type: ignore[attr-defined]

        assert _staff_page(h, admin) == 200
        assert _staff_page(h, carol) == 403
        assert h.ext.is_staff(None) is False


# -- staff_recipients and other hooks that have no default --------------------------------


def test_a_customer_message_without_staff_recipients_names_the_hook(tmp_path):
    with host(tmp_path, hooks=False) as h:
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        with pytest.raises(MissingHookError) as info:
            services.post_message(order, customer_actor(carol), "Hello?")
        assert "'staff_recipients'" in str(info.value)
        assert "@order_messages.staff_recipients" in str(info.value)
        # A host that carries on (its own commit) must not find a half-posted message, one
        # that never queued its mail.
        h.db.session.commit()
        assert _count(h, h.ext.models.Message) == 0
        assert _count(h, h.ext.models.MailOutbox) == 0
        assert services.bell_counts(staff_actor(h.add_user("Admin", admin=True))) == {
            "unread_threads": 0,
            "open_disputes": 0,
            "overdue_disputes": 0,
        }


def test_a_customer_dispute_without_staff_recipients_is_not_half_opened(tmp_path):
    with host(tmp_path, hooks=False) as h:
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        with pytest.raises(MissingHookError, match="staff_recipients"):
            services.open_dispute(order, customer_actor(carol), "Broken on arrival")
        h.db.session.commit()
        assert _count(h, h.ext.models.Dispute) == 0
        assert services.open_dispute_of(order) is None


def test_staff_recipients_is_only_needed_when_mail_goes_to_staff(tmp_path):
    with host(tmp_path, hooks=False, config={"ORDER_MESSAGES_MAIL_ENABLED": False}) as h:
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)
        services.post_message(order, customer_actor(carol), "No mail, no hook needed")
        assert _count(h, h.ext.models.Message) == 1
    with host(tmp_path, hooks=False) as h:
        staff, carol = h.add_user("Admin", admin=True), h.add_user("Carol Customer")
        # Staff writing mails the customer: the staff list is not needed for that.
        services.post_message(h.add_order(carol), staff_actor(staff), "Your parcel left")
        assert _count(h, h.ext.models.MailOutbox) == 1


def test_staff_recipients_hook_decides_who_is_mailed(tmp_path):
    with host(tmp_path, hooks=False) as h:
        carol = h.add_user("Carol Customer")

        @h.ext.staff_recipients
        def _recipients() -> list[str]:
            return ["desk@shop.test", "DESK@shop.test", "boss@shop.test"]

        services.post_message(h.add_order(carol), customer_actor(carol), "Hello")
        box = h.ext.models.MailOutbox
        recipients = h.db.session.execute(sa.select(box.recipient).order_by(box.id)).scalars()
        assert list(recipients) == ["desk@shop.test", "boss@shop.test"]


def test_unknown_hook_name_is_a_key_error(tmp_path):
    with host(tmp_path) as h, pytest.raises(KeyError):
        h.ext.hook("staff_chek")


# -- display_name and user_email defaults -------------------------------------------------


def test_display_name_defaults_to_the_name_then_the_email(tmp_path):
    with host(tmp_path) as h:
        staff = h.add_user("Admin Admin", admin=True)
        carol = h.add_user("Carol Customer")
        carol.name = None
        h.db.session.commit()
        order = h.add_order(carol)
        services.post_message(order, customer_actor(carol), "Hi")
        services.post_message(order, staff_actor(staff), "Hello")
        view = services.thread_view(order, staff_actor(staff))
        names = [view.name_of(e.author_id) for e in view.entries]
        assert names == ["carol.customer@x.test", "Admin Admin"]
        # The staff mail uses the same name.
        text = (
            h.db.session.execute(
                sa.select(h.ext.models.MailOutbox.body_text).order_by(h.ext.models.MailOutbox.id)
            )
            .scalars()
            .first()
        )
        assert text.startswith("carol.customer@x.test wrote about order")


def test_a_display_name_hook_wins(tmp_path):
    with host(tmp_path) as h:
        staff = h.add_user("Admin Admin", admin=True)

        @h.ext.display_name
        def _name(user: object) -> str:
            return f"Agent #{user.id}"  # type: ignore[attr-defined]

        order = h.add_order(h.add_user("Carol"))
        services.post_message(order, staff_actor(staff), "Hello")
        page = h.get(
            h.login(h.app.test_client(), staff), f"/order-messages/admin/orders/{order.id}"
        )
        assert f"Agent #{staff.id}" in page.get_data(as_text=True)


def test_a_user_model_without_name_or_email_needs_the_user_email_hook(tmp_path):
    with host(tmp_path, user_fields=()) as h:
        staff = h.add_user("Admin", admin=True)
        carol = h.add_user("Carol")
        order = h.add_order(carol)

        @h.ext.staff_recipients
        def _recipients() -> list[str]:
            return ["desk@shop.test"]

        # Staff writing mails the customer: where to? The default cannot know.
        with pytest.raises(MissingHookError, match="'user_email'"):
            services.post_message(order, staff_actor(staff), "Hello")
        assert _count(h, h.ext.models.Message) == 0

        @h.ext.user_email
        def _email(user: object) -> str:
            return f"user{user.id}@x.test"  # type: ignore[attr-defined]

        # Without any name, people are named by their role (see test_display_names.py).
        services.post_message(order, staff_actor(staff), "Hello")
        services.post_message(order, customer_actor(carol), "Hi")
        box = h.ext.models.MailOutbox
        texts = h.db.session.execute(sa.select(box.body_text).order_by(box.id)).scalars()
        assert [t.split(" wrote about ", 1)[0] for t in texts] == ["Store staff", "Customer"]

        @h.ext.display_name
        def _name(user: object) -> str:
            return f"User {user.id}"  # type: ignore[attr-defined]

        services.post_message(order, staff_actor(staff), "Hello again")
        mail = h.db.session.execute(sa.select(box).order_by(box.id.desc())).scalars().first()
        assert mail.recipient == f"user{carol.id}@x.test"
        assert mail.body_text.startswith(f"User {staff.id} wrote about")


# -- order_number and the URL defaults ---------------------------------------------------


def test_order_number_and_urls_default_to_the_key_and_our_own_pages(tmp_path):
    with host(tmp_path, key="str", hooks=False) as h:
        staff = h.add_user("Admin Admin", admin=True)
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)

        @h.ext.staff_check
        def _check(user: object) -> bool:
            return bool(user.is_admin)  # type: ignore[attr-defined]

        @h.ext.staff_recipients
        def _recipients() -> list[str]:
            return ["desk@shop.test"]

        services.post_message(order, customer_actor(carol), "Where is it?")
        services.post_message(order, staff_actor(staff), "On its way")

        row = services.list_threads(staff_actor(staff)).rows[0]
        assert row.order_number == order.id

        box = h.ext.models.MailOutbox
        mails = {m.recipient: m for m in h.db.session.execute(sa.select(box)).scalars()}
        staff_link = f"http://host.test/order-messages/admin/orders/{order.id}"
        customer_link = f"http://host.test/order-messages/orders/{order.id}"
        assert f"order #{order.id}" in mails["desk@shop.test"].subject
        assert staff_link in mails["desk@shop.test"].body_text
        assert customer_link in mails["carol.customer@x.test"].body_text

        # The default links lead somewhere real, for the right person.
        staff_client = h.login(h.app.test_client(), staff)
        assert "Where is it?" in h.get(staff_client, staff_link).get_data(as_text=True)
        carol_client = h.login(h.app.test_client(), carol)
        assert "On its way" in h.get(carol_client, customer_link).get_data(as_text=True)


def test_order_number_and_url_hooks_win(tmp_path):
    with host(tmp_path) as h:
        staff = h.add_user("Admin Admin", admin=True)
        carol = h.add_user("Carol Customer")
        order = h.add_order(carol)

        @h.ext.order_number
        def _number(order: object) -> str:
            return f"SO-{order.id:06d}"  # type: ignore[attr-defined]

        @h.ext.staff_order_url
        def _staff_url(order: object) -> str:
            return f"/admin/sales/{order.id}"  # type: ignore[attr-defined]

        @h.ext.customer_order_url
        def _customer_url(order: object) -> str:
            return f"https://account.shop.test/o/{order.id}"  # type: ignore[attr-defined]

        services.post_message(order, customer_actor(carol), "Where is it?")
        services.post_message(order, staff_actor(staff), "On its way")
        assert services.list_threads(staff_actor(staff)).rows[0].order_number == "SO-000001"
        box = h.ext.models.MailOutbox
        mails = {m.recipient: m for m in h.db.session.execute(sa.select(box)).scalars()}
        assert "order #SO-000001" in mails["admin.admin@x.test"].subject
        assert f"http://host.test/admin/sales/{order.id}" in mails["admin.admin@x.test"].body_text
        assert f"https://account.shop.test/o/{order.id}" in mails["carol.customer@x.test"].body_text
        listing = h.get(h.login(h.app.test_client(), staff), "/order-messages/admin/messages")
        assert f'href="/admin/sales/{order.id}?tab=messages#order-messages"' in listing.get_data(
            as_text=True
        )


# -- hooks are checked when registered and at init_app ------------------------------------


def test_a_hook_with_the_wrong_parameters_is_refused_by_name():
    _db, _user, _order, ext = define_host(hooks=False)
    with pytest.raises(TypeError, match=r"'order_number' hook must take \(order\)"):

        @ext.order_number
        def _number(order: object, prefix: str) -> str:
            return f"{prefix}{order}"

    with pytest.raises(TypeError, match=r"'staff_recipients' hook must take \(\)"):
        ext.staff_recipients(lambda user: [])  # type: ignore[arg-type,misc]
    with pytest.raises(TypeError, match="'display_name' hook must be a function"):
        ext.display_name("Store staff")  # type: ignore[arg-type]
    # Nothing refused was kept: the defaults still answer.
    assert not ext.has_hook("order_number")
    assert not ext.has_hook("display_name")


def test_hooks_taking_more_by_default_or_any_arguments_are_fine(tmp_path):
    with host(tmp_path) as h:

        @h.ext.order_number
        def _number(order: object, prefix: str = "SO-") -> str:
            return f"{prefix}{order.id}"  # type: ignore[attr-defined]

        @h.ext.staff_recipients
        def _recipients(*args: object) -> list[str]:
            return ["desk@shop.test"]

        order = h.add_order(h.add_user("Carol"))
        assert h.ext.hooks.order_number(order) == f"SO-{order.id}"
        assert h.ext.has_hook("order_number") and h.ext.has_hook("staff_recipients")


def test_init_app_checks_every_hook(tmp_path):
    db, user, _order, ext = define_host()
    # A hook set another way than the decorators (say, a subclass's method taking too much).
    ext.hooks.user_email = lambda: None  # type: ignore[method-assign,assignment]
    with pytest.raises(TypeError, match="'user_email' hook must take \\(user\\)"):
        make_host_app(tmp_path, db, user, ext)
