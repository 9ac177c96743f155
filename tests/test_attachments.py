"""Attachments: several files per message, thumbnails, who may open a file, refusals that keep
the text, and nothing half-saved (no message without its files, no file without its row)."""

from __future__ import annotations

import html as html_lib
import os
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from flask_order_messages import ConfigError, ValidationError, current_order_messages
from flask_order_messages.filetypes import clean_filename
from flask_order_messages.tokens import make_guest_token

from . import committing as services
from .conftest import answer_bytes, db, make_app, make_order
from .host_pages import PNG, P, db_state, follow, textarea, words
from .reconfigure import reconfigure

# Just the first bytes of each kind: a type is read from its signature.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


pytestmark = pytest.mark.usefixtures("host_pages")


def models() -> Any:
    from flask_order_messages import current_order_messages

    return current_order_messages.models


def folder(app) -> Path:
    return Path(app.config["ORDER_MESSAGES_ATTACHMENT_FOLDER"])


def stored_files(app) -> list[Path]:
    """Every file in the attachment folder (temporary upload files included)."""
    root = folder(app)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def attachments() -> list[Any]:
    db.session.expire_all()
    a = models().Attachment
    return list(db.session.execute(sa.select(a).order_by(a.id)).scalars())


def post_files(browser, url: str, body: str, *files: tuple[bytes, str], **extra: Any) -> Any:
    """POST a reply form with files, encoded in memory (the test client would spool a large
    body to a temporary file it never closes when the app refuses to read it)."""
    fields = MultiDict({"csrf_token": browser.token(), "body": body, **extra})
    for data, name in files:
        fields.add("files", FileStorage(BytesIO(data), filename=name))
    boundary, encoded = encode_multipart(fields)
    browser._fresh_user()
    return browser.client.post(
        url,
        data=encoded,
        content_type=f"multipart/form-data; boundary={boundary}",
        buffered=True,
    )


def thumbs(page_html: str) -> list[tuple[str, str]]:
    """(src, alt) of the thumbnails on a page."""
    return [
        (html_lib.unescape(src), html_lib.unescape(alt))
        for src, alt in re.findall(r'<img class="om-thumb" src="([^"]+)" alt="([^"]*)"', page_html)
    ]


def file_links(page_html: str) -> list[tuple[str, str]]:
    """(href, name) of the download links on a page."""
    return [
        (html_lib.unescape(href), html_lib.unescape(name))
        for href, name in re.findall(
            r'<a class="om-file" href="([^"]+)" download="([^"]*)"', page_html
        )
    ]


# -- uploading -------------------------------------------------------------------------------


def test_a_customer_attaches_several_files_and_everyone_sees_them(
    app, order, customer, staff, browser
):
    browser.login(customer)
    response = post_files(
        browser,
        f"{P}/orders/{order.id}/messages",
        "The kettle arrived dented, photos and the receipt attached.",
        (PNG, "dent-front.png"),
        (JPEG, "Dent side.JPG"),
        (PDF, "receipt.pdf"),
    )
    assert response.status_code == 303

    rows = attachments()
    assert [(a.filename, a.content_type, a.size) for a in rows] == [
        ("dent-front.png", "image/png", len(PNG)),
        ("Dent side.JPG", "image/jpeg", len(JPEG)),
        ("receipt.pdf", "application/pdf", len(PDF)),
    ]
    message = db.session.get(models().Message, rows[0].message_id)
    assert {a.message_id for a in rows} == {message.id}
    assert message.body.startswith("The kettle arrived dented")
    # Stored under random keys, never the names people gave; the bytes as sent.
    files = stored_files(app)
    assert sorted(f.name for f in files) == sorted(a.storage_key for a in rows)
    assert all(re.fullmatch(r"[0-9a-f]{32}", a.storage_key) for a in rows)
    assert {f.read_bytes() for f in files} == {PNG, JPEG, PDF}

    # Staff see two thumbnails and a download link, on the staff route.
    staff_page = browser.login(staff).get(f"{P}/admin/orders/{order.id}").get_data(as_text=True)
    base = f"{P}/admin/orders/{order.id}/attachments"
    assert thumbs(staff_page) == [
        (f"{base}/{rows[0].id}", "dent-front.png"),
        (f"{base}/{rows[1].id}", "Dent side.JPG"),
    ]
    assert file_links(staff_page) == [(f"{base}/{rows[2].id}", "receipt.pdf")]
    # The thumbnail is a link to the full picture.
    assert f'<a href="{base}/{rows[0].id}" target="_blank"' in staff_page
    assert "multipart/form-data" in staff_page and 'type="file" name="files" multiple' in staff_page

    # The customer sees them too, on the customer's route.
    own = browser.login(customer).get(f"/account/orders/{order.id}").get_data(as_text=True)
    base = f"{P}/orders/{order.id}/attachments"
    assert [src for src, _ in thumbs(own)] == [f"{base}/{rows[0].id}", f"{base}/{rows[1].id}"]
    assert file_links(own) == [(f"{base}/{rows[2].id}", "receipt.pdf")]


def test_staff_attach_from_the_admin_page_and_the_mail_names_the_files(
    app, order, customer, staff, browser, outbox
):
    browser.login(staff)
    response = post_files(
        browser,
        f"{P}/admin/orders/{order.id}/messages",
        "Here is the return label.",
        (PDF, "return-label.pdf"),
        next=f"/admin/orders/{order.id}?tab=messages",
    )
    assert response.status_code == 303
    assert [a.filename for a in attachments()] == ["return-label.pdf"]
    (mail,) = outbox
    assert "Attached: return-label.pdf (" in mail.body
    assert "open the thread to see it" in mail.body
    assert "return-label.pdf" in mail.html


def test_a_name_without_an_extension_gets_the_right_one_and_names_are_cleaned(order, as_customer):
    services.post_message(
        order,
        as_customer,
        "Scans",
        files=[("scan", PNG), ("../../etc/pass\x00wd.pdf", PDF), ("C:\\Users\\me\\photo.gif", GIF)],
    )
    assert [a.filename for a in attachments()] == ["scan.png", "passwd.pdf", "photo.gif"]


def test_clean_filename():
    assert clean_filename("  ..hidden.png ") == "hidden.png"
    # A right-to-left override could make "gnp.exe" read as "exe.png": it is dropped.
    assert clean_filename("photo\u202egnp.exe") == "photognp.exe"
    assert clean_filename("a\r\nb.pdf") == "ab.pdf"
    assert clean_filename("") == "attachment"
    assert clean_filename("///") == "attachment"
    long = clean_filename("x" * 400 + ".pdf")
    assert len(long) == 150 and long.endswith("x.pdf")
    assert clean_filename("Фото заказа.jpg") == "Фото заказа.jpg"


def test_webp_and_every_default_type_are_taken(order, as_customer):
    services.post_message(
        order,
        as_customer,
        "All kinds",
        files=[("a.png", PNG), ("b.jpeg", JPEG), ("c.gif", GIF), ("d.webp", WEBP), ("e.pdf", PDF)],
    )
    assert [a.content_type for a in attachments()] == [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
    ]


def test_an_empty_file_input_sends_nothing(app, order, customer, browser):
    # A browser sends an empty part with an empty name when no file was chosen.
    browser.login(customer)
    response = post_files(browser, f"{P}/orders/{order.id}/messages", "No files", (b"", ""))
    assert response.status_code == 303
    assert attachments() == []
    assert stored_files(app) == []


# -- refusals keep the text, save nothing ----------------------------------------------------


def refused(
    app, browser, url: str, body: str, *files: tuple[bytes, str], says: str, status: int = 303
) -> str:
    """Post a form with files that is refused; the page the person lands on.  A refusal on
    the form goes back (303) to the order page, where the panel has the text and the error."""
    before = db_state()
    response = post_files(browser, url, body, *files)
    assert response.status_code == status
    assert db_state() == before
    assert attachments() == []
    assert stored_files(app) == []
    html = follow(browser, response) if status == 303 else response.get_data(as_text=True)
    assert says in words(html), words(html)
    return html


def test_a_disallowed_type_is_refused_with_the_text_kept(app, order, customer, browser):
    browser.login(customer)
    html = refused(
        app,
        browser,
        f"{P}/orders/{order.id}/messages",
        "See the log\nattached",
        (PNG, "ok.png"),
        (b"plain words, a text file\n", "notes.txt"),
        says="“notes.txt” is not a kind of file this shop takes (it is a text file). You can "
        "attach PNG, JPEG, GIF or WebP images, or PDF documents.",
    )
    assert textarea(html) == "See the log\nattached"
    assert "Nothing was sent: please choose your files again." in words(html)
    assert 'aria-invalid="true"' in html


def test_html_dressed_as_an_image_is_refused(app, order, customer, browser):
    browser.login(customer)
    refused(
        app,
        browser,
        f"{P}/orders/{order.id}/messages",
        "Totally a photo",
        (HTML, "photo.png"),
        says="“photo.png” is not a kind of file this shop takes (it is a text file). You can "
        "attach",
    )


def test_a_name_that_disagrees_with_the_content_is_refused(app, order, staff, browser):
    browser.login(staff)
    html = refused(
        app,
        browser,
        f"{P}/admin/orders/{order.id}/messages",
        "Invoice attached",
        (PDF, "invoice.png"),
        says="“invoice.png” is named like a .png file, but its content is a PDF document.",
    )
    assert textarea(html) == "Invoice attached"
    # An image pretending to be a PDF, too.
    refused(
        app,
        browser,
        f"{P}/admin/orders/{order.id}/messages",
        "x",
        (PNG, "statement.pdf"),
        says="“statement.pdf” is named like a .pdf file, but its content is a PNG image.",
    )
    # And an executable name on an image.
    refused(
        app,
        browser,
        f"{P}/admin/orders/{order.id}/messages",
        "x",
        (PNG, "setup.exe"),
        says="named like a .exe file",
    )


def test_an_oversized_file_is_refused_with_the_text_kept(app, order, customer, browser):
    reconfigure(app, MAX_ATTACHMENT_BYTES=1000)
    browser.login(customer)
    html = refused(
        app,
        browser,
        f"{P}/orders/{order.id}/messages",
        "Big photo",
        (PNG, "small.png"),
        (PNG + b"\x00" * 2200, "big.png"),
        says="“big.png” is too large (2.2 kB); each file can be up to 1,000 bytes.",
    )
    assert textarea(html) == "Big photo"
    assert 'data-om-max-bytes="1000"' in html  # the script refuses it before sending, too


def test_too_many_files_and_too_much_in_all_are_refused(app, order, customer, browser):
    browser.login(customer)
    url = f"{P}/orders/{order.id}/messages"
    six = [(PNG, f"p{i}.png") for i in range(6)]
    refused(
        app, browser, url, "Six", *six, says="You chose 6 files; a message can carry at most 5."
    )
    reconfigure(app, MAX_ATTACHMENTS_TOTAL_BYTES=3000)
    html = refused(
        app,
        browser,
        url,
        "Two big ones",
        (PDF + b" " * 1600, "a.pdf"),
        (PDF + b" " * 1600, "b.pdf"),
        says="These files come to 3.3 kB together; one message can carry up to 2.9 kB.",
    )
    assert textarea(html) == "Two big ones"


def test_an_empty_file_is_refused(app, order, customer, browser):
    browser.login(customer)
    refused(
        app,
        browser,
        f"{P}/orders/{order.id}/messages",
        "x",
        (b"", "empty.pdf"),
        says="“empty.pdf” is empty.",
    )


def test_files_without_words_are_refused(app, order, customer, browser):
    # A message needs some text: the files alone say too little in lists and mail.
    browser.login(customer)
    html = refused(
        app,
        browser,
        f"{P}/orders/{order.id}/messages",
        "   ",
        (PNG, "dent.png"),
        says="Your message cannot be empty. Please add a few words to go with your files. "
        "Nothing was sent: please choose your files again.",
    )
    assert 'name="files"' in html


def test_a_guest_link_reply_with_a_bad_file_keeps_the_text(app, order, customer, browser):
    browser.login(None)
    url = f"{P}/t/{make_guest_token(order)}"
    # The guest page is its own page (no host order page to go back to): the answer itself.
    html = refused(
        app,
        browser,
        url,
        "From my mail",
        (HTML, "page.html"),
        says="is not a kind of file",
        status=400,
    )
    assert textarea(html) == "From my mail"


# -- nothing half-saved ----------------------------------------------------------------------


def test_a_failed_commit_leaves_no_message_no_rows_and_no_files(
    app, order, as_customer, monkeypatch
):
    services.post_message(order, as_customer, "Before")
    before = db_state()

    def broken_commit() -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("the database went away"))

    # The commit that ends the post's unit of work fails (the Session's own, behind the
    # scoped session).
    monkeypatch.setattr(db.session(), "commit", broken_commit)
    with pytest.raises(sa.exc.OperationalError):
        services.post_message(
            order, as_customer, "With files", files=[("a.png", PNG), ("b.pdf", PDF)]
        )
    monkeypatch.undo()
    assert db_state() == before
    assert attachments() == []
    assert stored_files(app) == []


def test_a_mail_template_failure_also_removes_the_files(app, order, as_customer, monkeypatch):
    from flask_order_messages import mail

    def broken(*args: Any, **kw: Any) -> list[int]:
        raise RuntimeError("template error")

    services.post_message(order, as_customer, "Before")
    monkeypatch.setattr(mail, "queue_for_entry", broken)
    before = db_state()
    with pytest.raises(RuntimeError):
        services.post_message(order, as_customer, "x", files=[("a.png", PNG)])
    assert db_state() == before
    assert stored_files(app) == []


class FlakyStorage:
    """Saves the first file, fails on the second (a full disk, a network error)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.saved = 0

    def save(self, key: str, stream: Any, *, content_type: str) -> None:
        if self.saved == 1:
            raise OSError("No space left on device")
        self.inner.save(key, stream, content_type=content_type)
        self.saved += 1

    def open(self, key: str) -> Any:
        return self.inner.open(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)


def test_a_storage_failure_midway_removes_the_files_written_before_it(
    app, order, as_customer, monkeypatch
):
    from flask_order_messages import current_order_messages
    from flask_order_messages.storage import LocalFolderStorage

    services.post_message(order, as_customer, "Before")
    flaky = FlakyStorage(LocalFolderStorage(folder(app)))
    monkeypatch.setattr(current_order_messages, "attachment_storage", flaky)
    before = db_state()
    with pytest.raises(OSError):
        services.post_message(order, as_customer, "x", files=[("a.png", PNG), ("b.pdf", PDF)])
    assert flaky.saved == 1
    assert db_state() == before
    assert attachments() == []
    assert stored_files(app) == []


def test_files_are_checked_before_anything_is_written(app, order, as_customer):
    # The first file is fine, the third is not: no thread, no message, no file.
    with pytest.raises(ValidationError):
        services.post_message(
            order, as_customer, "x", files=[("a.png", PNG), ("b.pdf", PDF), ("c.png", HTML)]
        )
    assert services.get_thread(order) is None
    assert stored_files(app) == []


# -- who may open a file ---------------------------------------------------------------------


@pytest.fixture
def files(order, customer, staff):
    """A photo and a PDF from the customer, a staff-only note with its own file."""
    as_customer = services.customer_actor(customer)
    message = services.post_message(
        order, as_customer, "Photo and receipt", files=[("dent.png", PNG), ("receipt.pdf", PDF)]
    )
    photo, receipt = message.attachments
    note = services.post_message(
        order,
        services.staff_actor(staff),
        "Courier's damage report, internal",
        note=True,
        files=[("courier-report.pdf", PDF)],
    )
    return {"photo": photo.id, "receipt": receipt.id, "note": note.attachments[0].id}


def test_staff_open_every_file_with_safe_headers(order, staff, browser, files):
    browser.login(staff)
    base = f"{P}/admin/orders/{order.id}/attachments"
    photo = browser.get(f"{base}/{files['photo']}")
    assert photo.status_code == 200
    assert photo.get_data() == PNG
    assert photo.headers["Content-Type"] == "image/png"
    assert photo.headers["Content-Disposition"] == "inline; filename=dent.png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in photo.headers["Content-Security-Policy"]
    assert photo.headers["Cache-Control"] == "private, max-age=3600"

    receipt = browser.get(f"{base}/{files['receipt']}")
    assert receipt.status_code == 200 and receipt.get_data() == PDF
    assert receipt.headers["Content-Type"] == "application/pdf"
    assert receipt.headers["Content-Disposition"] == "attachment; filename=receipt.pdf"
    assert receipt.headers["X-Content-Type-Options"] == "nosniff"

    note = browser.get(f"{base}/{files['note']}")
    assert note.status_code == 200 and note.get_data() == PDF


def test_the_owner_opens_their_files_but_not_staff_notes(order, customer, browser, files):
    browser.login(customer)
    base = f"{P}/orders/{order.id}/attachments"
    assert browser.get(f"{base}/{files['photo']}").get_data() == PNG
    assert browser.get(f"{base}/{files['receipt']}").status_code == 200
    hidden = browser.get(f"{base}/{files['note']}")
    missing = browser.get(f"{base}/987654")
    assert hidden.status_code == missing.status_code == 404
    assert answer_bytes(hidden) == answer_bytes(missing)
    # Nor does their page show it.
    own = browser.get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert "courier-report.pdf" not in own and "Photo and receipt" in own


def test_everyone_else_gets_the_same_404_as_a_missing_file(
    app, order, customer, staff, stranger, browser, files
):
    other_order = make_order(stranger)
    services.post_message(other_order, services.customer_actor(stranger), "Mine")
    own_base = f"{P}/orders/{order.id}/attachments"

    def same_404(response: Any, reference: Any) -> None:
        assert response.status_code == 404 == reference.status_code
        assert response.get_data() == reference.get_data()
        assert response.headers["Content-Type"] == reference.headers["Content-Type"]
        assert PNG not in response.get_data()

    browser.login(stranger)
    reference = browser.get(f"{P}/orders/{order.id}/attachments/987654")
    # Another customer, on the order's route and on their own order's route.
    same_404(browser.get(f"{own_base}/{files['photo']}"), reference)
    same_404(browser.get(f"{P}/orders/{other_order.id}/attachments/{files['photo']}"), reference)
    # Staff use the staff route; the customer route is the customer's.
    browser.login(staff)
    same_404(browser.get(f"{own_base}/{files['photo']}"), reference)
    # A file of this order asked for under another order of the same customer.
    second = make_order(customer)
    browser.login(customer)
    same_404(browser.get(f"{P}/orders/{second.id}/attachments/{files['photo']}"), reference)
    # Customers never get the staff route.
    assert (
        browser.get(f"{P}/admin/orders/{order.id}/attachments/{files['photo']}").status_code == 403
    )
    # Anonymous visitors go to the login.
    browser.login(None)
    response = browser.get(f"{own_base}/{files['photo']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Ids no attachment can have are a 404 from the URL map, not a 500.
    for bad in ("0", "-1", "abc", "99999999999999999999"):
        browser.login(customer)
        assert browser.get(f"{own_base}/{bad}").status_code == 404


def test_a_file_missing_from_the_storage_is_the_same_404(app, order, customer, browser, files):
    photo = db.session.get(models().Attachment, files["photo"])
    (folder(app) / photo.storage_key[:2] / photo.storage_key).unlink()
    browser.login(customer)
    gone = browser.get(f"{P}/orders/{order.id}/attachments/{files['photo']}")
    missing = browser.get(f"{P}/orders/{order.id}/attachments/987654")
    assert gone.status_code == 404 and answer_bytes(gone) == answer_bytes(missing)


def test_a_guest_link_opens_the_customers_files_privately(
    app, order, customer, stranger, browser, files
):
    token = make_guest_token(order)
    browser.login(None)
    page_html = browser.get(f"{P}/t/{token}").get_data(as_text=True)
    base = f"{P}/t/{token}/attachments"
    assert thumbs(page_html) == [(f"{base}/{files['photo']}", "dent.png")]
    assert file_links(page_html) == [(f"{base}/{files['receipt']}", "receipt.pdf")]
    assert "courier-report.pdf" not in page_html
    assert 'enctype="multipart/form-data"' in page_html

    photo = browser.get(f"{base}/{files['photo']}")
    assert photo.status_code == 200 and photo.get_data() == PNG
    assert photo.headers["Cache-Control"] == "private, no-store"
    assert photo.headers["Referrer-Policy"] == "no-referrer"
    assert browser.get(f"{base}/{files['note']}").status_code == 404
    # Another order's token opens none of this order's files.
    other = make_order(stranger)
    other_token = make_guest_token(other)
    assert browser.get(f"{P}/t/{other_token}/attachments/{files['photo']}").status_code == 404
    assert browser.get(f"{P}/t/not-a-token/attachments/{files['photo']}").status_code == 404


def test_a_guest_link_reply_carries_files(app, order, customer, browser):
    browser.login(None)
    url = f"{P}/t/{make_guest_token(order)}"
    response = post_files(browser, url, "Another photo", (JPEG, "side.jpg"))
    assert response.status_code == 303
    (row,) = attachments()
    assert row.filename == "side.jpg"
    message = db.session.get(models().Message, row.message_id)
    assert message.author_id == customer.id and message.author_role == "customer"


def test_live_updates_carry_the_files(app, order, customer, staff, browser, files):
    browser.login(staff)
    response = browser.get(f"{P}/api/admin/orders/{order.id}/entries?after=0")
    entries = response.get_json()["entries"]
    first = entries[0]
    assert f'src="{P}/admin/orders/{order.id}/attachments/{files["photo"]}"' in first["attachments"]
    assert "receipt.pdf" in first["attachments"]
    assert "courier-report.pdf" in entries[1]["attachments"]
    browser.login(customer)
    entries = browser.get(f"{P}/api/orders/{order.id}/entries?after=0").get_json()["entries"]
    assert [bool(e["attachments"]) for e in entries] == [True]
    assert f"{P}/orders/{order.id}/attachments/" in entries[0]["attachments"]


def test_the_thread_page_loads_every_entrys_files_in_one_query(
    app, order, customer, staff, browser
):
    from sqlalchemy import event

    as_customer = services.customer_actor(customer)
    for n in range(8):
        services.post_message(order, as_customer, f"photo {n}", files=[(f"p{n}.png", PNG)])
    browser.login(staff)
    seen: list[str] = []

    def count(conn, cursor, statement, *args: Any) -> None:
        seen.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page_html = browser.get(f"{P}/admin/orders/{order.id}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(thumbs(page_html)) == 8
    # One statement reads the files of every entry (with the entries themselves).
    table = models().Attachment.__table__.name
    assert sum(1 for s in seen if re.search(rf"\b(FROM|JOIN) {table}\b", s)) == 1


# -- limits of the whole request --------------------------------------------------------------


def test_a_request_over_the_hosts_limit_gets_a_friendly_413(app, order, customer, browser):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    browser.login(customer)
    before = db_state()
    response = post_files(
        browser, f"{P}/orders/{order.id}/messages", "Huge", (PDF + b" " * 40_000, "huge.pdf")
    )
    assert response.status_code == 413
    text = words(response.get_data(as_text=True))
    assert "far too long to be a message. Nothing was saved." in text
    assert "with at most 5 files of up to 5 MB each (20 MB in all)" in text
    assert db_state() == before
    assert stored_files(app) == []


def test_without_a_host_limit_the_form_reads_up_to_twice_the_total(app, order, customer, browser):
    reconfigure(app, MAX_ATTACHMENTS_TOTAL_BYTES=100_000, MAX_ATTACHMENT_BYTES=100_000)
    assert app.config.get("MAX_CONTENT_LENGTH") is None
    browser.login(customer)
    url = f"{P}/orders/{order.id}/messages"
    # Over the total but under the ceiling: refused on the form, the text kept.
    html = refused(
        app,
        browser,
        url,
        "Keep me",
        (PDF + b" " * 150_000, "big.pdf"),
        says="“big.pdf” is too large",
    )
    assert textarea(html) == "Keep me"
    # Over the ceiling (2 x 100,000 bytes + 1 MiB): not even read.
    refused(
        app,
        browser,
        url,
        "Lost",
        (PDF + b" " * 1_300_000, "huge.pdf"),
        says="far too long to be a message",
        status=413,
    )


# -- switched off -----------------------------------------------------------------------------


def test_attachments_switched_off(app, order, customer, staff, browser, files):
    reconfigure(app, ATTACHMENTS_ENABLED=False)
    browser.login(customer)
    page_html = browser.get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert 'type="file"' not in page_html and "multipart/form-data" not in page_html
    assert thumbs(page_html) == [] and "receipt.pdf" not in page_html
    assert browser.get(f"{P}/orders/{order.id}/attachments/{files['photo']}").status_code == 404
    browser.login(staff)
    assert (
        browser.get(f"{P}/admin/orders/{order.id}/attachments/{files['photo']}").status_code == 404
    )
    # A form that sends files anyway: the text is posted, the files ignored.
    response = post_files(
        browser, f"{P}/admin/orders/{order.id}/messages", "Text only", (PNG, "x.png")
    )
    assert response.status_code == 303
    assert len(attachments()) == 3
    # The service refuses them outright.
    with pytest.raises(ValidationError, match="does not take attachments"):
        services.post_message(order, services.staff_actor(staff), "x", files=[("a.png", PNG)])


def test_config_is_checked_at_init_app(tmp_path):
    for key, value, says in [
        ("ATTACHMENT_TYPES", "image/png,image/svg+xml", "'image/svg+xml' is not a type"),
        ("ATTACHMENT_TYPES", "", "names no type"),
        ("ATTACHMENT_TYPES", 42, "comma-separated string or a list"),
        ("MAX_ATTACHMENT_BYTES", 0, "must be 1 or more"),
        ("MAX_ATTACHMENTS", "5", "must be an integer"),
        ("ATTACHMENTS_ENABLED", "yes", "must be True or False"),
        ("ATTACHMENT_FOLDER", "", "folder path or None"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(f"ORDER_MESSAGES_{key}")) as caught:
            make_app(tmp_path / key, **{f"ORDER_MESSAGES_{key}": value})
        assert says in str(caught.value)


def test_types_can_be_listed_and_text_files_allowed(app, order, as_customer):
    reconfigure(app, ATTACHMENT_TYPES=["text/plain", "image/png"])
    services.post_message(order, as_customer, "Log", files=[("log.txt", "héllo\n".encode())])
    assert [a.content_type for a in attachments()] == ["text/plain"]
    with pytest.raises(ValidationError, match="You can attach PNG images, or text files"):
        services.post_message(order, as_customer, "x", files=[("a.pdf", PDF)])


def test_the_default_folder_is_under_the_instance_path(app):
    from flask_order_messages.storage import current_storage

    reconfigure(app, ATTACHMENT_FOLDER=None)
    storage = current_storage()
    assert str(storage.folder) == os.path.join(app.instance_path, "order_messages_attachments")
    reconfigure(app, ATTACHMENT_FOLDER="uploads/files")
    assert str(current_storage().folder) == os.path.join(app.instance_path, "uploads/files")
    g.pop("_login_user", None)


def test_clean_attachments_removes_files_whose_rows_are_gone(app, order, as_customer):
    """The database drops an order's attachment rows with the order; the files stay until
    ``flask order-messages clean-attachments`` finds that no row names them."""
    services.post_message(order, as_customer, "Photos", files=[("a.png", PNG), ("b.pdf", PDF)])
    services.post_message(order, as_customer, "One more", files=[("c.gif", GIF)])
    kept, gone = attachments()[2], attachments()[:2]
    a = models().Attachment
    db.session.execute(sa.delete(a).where(a.message_id == gone[0].message_id))  # as a cascade
    db.session.commit()
    assert len(stored_files(app)) == 3

    def clean(*options: str) -> Any:
        return app.test_cli_runner().invoke(args=["order-messages", "clean-attachments", *options])

    # Files written in the last day are spared by default (an upload is stored before its row
    # commits); --older-than 0 takes them too.
    result = clean()
    assert result.exit_code == 0 and "Removed 0 attachment files" in result.output
    result = clean("--older-than", "0", "--dry-run")
    assert result.exit_code == 0 and "Would remove 2 attachment files" in result.output
    assert len(stored_files(app)) == 3
    result = clean("--older-than", "0")
    assert result.exit_code == 0 and "Removed 2 attachment files" in result.output
    assert [p.name for p in stored_files(app)] == [kept.storage_key]


def test_clean_attachments_needs_a_storage_that_lists_its_files(app, monkeypatch):
    class Bucket:  # save / open / delete only, like a minimal storage of a host's own
        def save(self, key, stream, *, content_type): ...
        def open(self, key): ...
        def delete(self, key): ...

    monkeypatch.setattr(current_order_messages, "attachment_storage", Bucket(), raising=False)
    result = app.test_cli_runner().invoke(args=["order-messages", "clean-attachments"])
    assert result.exit_code != 0 and "cannot list its files" in result.output
