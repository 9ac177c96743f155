"""The reply forms' request ceiling holds on every Flask the extension supports.

Flask 3.1 takes a per-request ``request.max_content_length``; Flask 3.0's is a read-only view
of the app's ``MAX_CONTENT_LENGTH``.  A host request class shaped like Flask 3.0's stands in
for it here, so both ways are checked whatever Flask the suite runs on.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask import Flask, current_app
from flask.wrappers import Request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from .host_pages import P, db_state, words
from .reconfigure import reconfigure

pytestmark = pytest.mark.usefixtures("host_pages")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class ReadOnlyLimitRequest(Request):
    """Flask 3.0's request: ``max_content_length`` only reads the app's config."""

    @property  # type: ignore[override]
    def max_content_length(self) -> int | None:
        return current_app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]


@pytest.fixture(params=["flask", "read-only"])
def limited(request: Any, app: Flask) -> Flask:
    """The test app with a small ceiling (2 x 100,000 bytes + 1 MiB), with Flask's own request
    class or one whose limit cannot be set per request."""
    if request.param == "read-only":
        app.request_class = ReadOnlyLimitRequest
    reconfigure(app, MAX_ATTACHMENTS_TOTAL_BYTES=100_000, MAX_ATTACHMENT_BYTES=100_000)
    return app


def _post(browser: Any, url: str, body: str, data: bytes, *, chunked: bool = False) -> Any:
    fields = MultiDict({"csrf_token": browser.token(), "body": body})
    fields.add("files", FileStorage(BytesIO(data), filename="receipt.pdf"))
    boundary, encoded = encode_multipart(fields)
    browser._fresh_user()
    kw: dict[str, Any] = {"content_type": f"multipart/form-data; boundary={boundary}"}
    if chunked:
        # No Content-Length: the server says the stream ends by itself (chunked encoding).
        kw.update(input_stream=BytesIO(encoded), environ_overrides={"wsgi.input_terminated": True})
    else:
        kw.update(data=encoded)
    return browser.client.post(url, buffered=True, **kw)


@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_a_reply_with_a_file_is_posted(limited, order, customer, browser, chunked):
    browser.login(customer)
    url = f"{P}/orders/{order.id}/messages"
    response = _post(browser, url, "Here is the receipt", PDF, chunked=chunked)
    assert response.status_code == 303
    page = browser.get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert "Here is the receipt" in words(page) and "receipt.pdf" in words(page)


@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_a_body_over_the_ceiling_gets_the_413_page(limited, order, customer, browser, chunked):
    browser.login(customer)
    before = db_state()
    url = f"{P}/orders/{order.id}/messages"
    response = _post(browser, url, "Lost", PDF + b" " * 1_300_000, chunked=chunked)
    assert response.status_code == 413
    assert "far too long to be a message. Nothing was saved." in words(
        response.get_data(as_text=True)
    )
    assert db_state() == before
