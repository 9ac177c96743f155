from . import committing as services
from .conftest import text_of


def test_customer_message_reaches_staff_bell(order, as_customer, as_staff, browser, staff):
    services.post_message(order, as_customer, "Where is my parcel?")
    assert services.bell_counts(as_staff) == {
        "unread_threads": 1,
        "open_disputes": 0,
        "overdue_disputes": 0,
    }
    page = browser.login(staff).get("/order-messages/admin/messages")
    assert page.status_code == 200
    assert "#00001" in text_of(page) and "New 1" in text_of(page)
