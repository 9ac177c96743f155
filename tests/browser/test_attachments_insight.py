"""Attachments and the response-time page in Chromium, on the example shop with its demo data.

The demo data (example_shop/seed.py) has Carol's photo of a dented kettle (kettle-dent.png)
on order 00005; order 00001 is Carol's and has no thread yet.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from example_shop.demo_image import kettle_png

from .helpers import open_messages_tab, order_row, page_width

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def loaded(image) -> bool:
    """Whether the browser fetched and decoded the picture (a broken one is 0 wide)."""
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_a_customer_sends_a_photo_and_staff_see_it_then_the_insight_page(browse, shots):
    carol = browse.page(user="carol", label="carol")
    open_messages_tab(carol, "00001")
    thread = carol.locator("#order-messages")
    box = carol.get_by_label("Contact us about this order")
    files = carol.get_by_label("Attach files")
    expect(carol.get_by_text("Up to 5 files: PNG, JPEG, GIF or WebP images")).to_be_visible()

    # A file the shop does not take: a clear error, the text still in the box.
    text = "The grinder's box was crushed, photo and delivery note attached."
    box.fill(text)
    files.set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just words\n"}]
    )
    carol.get_by_role("button", name="Send", exact=True).click()
    error = thread.locator(".om-reply .om-error[role=alert]").first
    expect(error).to_contain_text(
        "“notes.txt” is not a kind of file this shop takes (it is a text file)."
    )
    expect(error).to_contain_text("please choose your files again")
    expect(carol.get_by_label("Contact us about this order")).to_have_value(text)
    shots.take(carol, "refused text file, message kept")

    # A file over the size limit is stopped in the browser, before anything is sent.
    files = carol.get_by_label("Attach files")
    files.set_input_files(
        [{"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\0" * 6_000_000}]
    )
    warning = thread.locator("[data-om-files-error]")
    expect(warning).to_have_text("“huge.png” is too large: each file can be up to 5 MB.")
    carol.get_by_role("button", name="Send", exact=True).click()
    expect(carol.get_by_label("Contact us about this order")).to_have_value(text)
    assert files.evaluate("input => !input.checkValidity()")
    shots.take(carol, "too large stopped in the browser")

    # A photo and a PDF: the photo shows as a thumbnail, the PDF as a download.
    files.set_input_files(
        [
            {"name": "crushed box.png", "mimeType": "image/png", "buffer": kettle_png()},
            {"name": "delivery-note.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ]
    )
    expect(warning).to_be_hidden()
    carol.get_by_role("button", name="Send", exact=True).click()
    entry = thread.locator(".om-entry.om-mine").last
    expect(entry).to_contain_text(text)
    thumb = entry.get_by_role("img", name="crushed box.png")
    expect(thumb).to_be_visible()
    assert loaded(thumb)
    box_size = thumb.bounding_box()
    assert box_size is not None and box_size["width"] <= 161 and box_size["height"] <= 121
    pdf = entry.get_by_role("link", name=re.compile("delivery-note.pdf"))
    expect(pdf).to_have_attribute("download", "delivery-note.pdf")
    shots.take(carol, "photo and pdf sent")

    # Staff: the thread shows the same thumbnail; a click opens the full picture.
    admin = browse.page(user="admin", label="staff")
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Messages").click()
    order_row(admin, "00001").get_by_role("link", name="#00001").click()
    staff_thread = admin.locator("#order-messages")
    thumb = staff_thread.get_by_role("img", name="crushed box.png")
    expect(thumb).to_be_visible()
    assert loaded(thumb)
    shots.take(admin, "staff see the thumbnail")
    with admin.expect_popup() as opened:
        thumb.click()
    full = opened.value
    full.wait_for_load_state()
    assert re.search(r"/order-messages/admin/orders/1/attachments/\d+$", full.url)
    image = full.locator("img")
    expect(image).to_be_visible()
    assert loaded(image)
    assert image.evaluate("img => img.naturalWidth") == 320
    shots.take(full, "full picture in a new tab")
    full.close()

    # The demo's own photo, on Carol's dented kettle.
    admin.goto("/admin/orders/5?tab=messages")
    seeded = admin.locator("#order-messages").get_by_role("img", name="kettle-dent.png")
    expect(seeded).to_be_visible()
    assert loaded(seeded)
    shots.take(admin, "demo photo in the seeded thread")

    # The response-time page, from the Messages section.
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Messages").click()
    admin.get_by_role("link", name="Response times").click()
    expect(admin.get_by_role("heading", name="Response times", exact=True)).to_be_visible()
    expect(admin).to_have_url(re.compile(r"/order-messages/admin/insight$"))
    median = admin.locator('[data-om-figure="median"]')
    expect(median).to_have_text(
        re.compile(r"^(under a minute|\d+ (minute|hour|day)s?( \d+ (minute|hour)s?)?)$")
    )
    # Against the response targets, in business hours (the demo's own: 4 h and 8 h).
    expect(admin.locator('[data-om-figure="target-first"]')).to_have_text(re.compile(r"^\d+%$"))
    expect(admin.locator('[data-om-figure="target-first-time"]')).to_have_text("(target 4 hr)")
    expect(admin.locator('[data-om-figure="target-next-time"]')).to_have_text("(target 8 hr)")
    expect(
        admin.get_by_text("Counted in business hours: 09:00–17:00, Mon–Fri (UTC).")
    ).to_be_visible()
    expect(
        admin.get_by_role("link", name=re.compile(r"^\d+ repl(y|ies) overdue now$"))
    ).to_be_visible()
    expect(admin.get_by_text(re.compile("Answered within"))).to_have_count(0)
    expect(admin.get_by_role("heading", name="Open disputes by age")).to_be_visible()
    chart = admin.get_by_role("img", name=re.compile("^Messages per day, last 30 days"))
    expect(chart).to_be_visible()
    expect(chart.locator(".om-chart-bar")).to_have_count(30)
    # Today's bar holds at least Carol's message just sent.
    assert chart.locator(".om-chart-bar").last.locator(".om-chart-customer").count() == 1
    shots.take(admin, "response times page")
    admin.get_by_text("The numbers, day by day").click()
    expect(admin.locator(".om-chart-numbers table")).to_be_visible()
    shots.take(admin, "numbers as a table")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_phone_thread_with_photo_and_insight_fit_the_screen(browse, shots, js):
    carol = browse.page("phone", user="carol", js=js, label="carol-phone")
    if js:
        open_messages_tab(carol, "00005")
    else:
        carol.goto("/account/orders/5?tab=messages#order-messages")
    photo = carol.locator("#order-messages").get_by_role("img", name="kettle-dent.png")
    expect(photo).to_be_visible()
    assert loaded(photo)
    assert page_width(carol) <= 375
    shots.take(carol, "customer sees the photo on a phone")

    admin = browse.page("phone", user="admin", js=js, label="staff-phone")
    admin.goto("/order-messages/admin/insight")
    expect(admin.get_by_role("img", name=re.compile("^Messages per day"))).to_be_visible()
    assert page_width(admin) <= 375
    shots.take(admin, "response times on a phone")
