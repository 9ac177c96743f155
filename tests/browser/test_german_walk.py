"""The shop in German, in Chromium: the admin and a customer choose "Deutsch" in the example
shop's header, and no English word of the extension is left on the pages they then see.

"English word" means a word of the catalogue's English text (``order_messages.pot``) that the
German catalogue does not use itself (so "Webhook", "Status" or "Token" do not count). What
people wrote, and their names, are the shop's data, not our words: the texts of messages,
names, excerpts and products are left out.  Thread events (assigned, status set, a dispute's
outcome) are ours: they are kept as their kind and parameters and written in the reader's
language, so their words are checked too (the admin assigns the thread and sets its status
first). Every page also passes axe-core's WCAG 2.2 A and AA rules in German (``lang="de"``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from playwright.sync_api import expect

from flask_order_messages.i18n import DOMAIN, TRANSLATIONS

from .recipes import AXE_TAGS_22, axe_violations

#: What a page holds that people wrote or that names someone or something (not our words);
#: ``.om-chip`` is a canned reply, written by the shop's staff.
DATA = (
    ".om-body, .om-author, .om-excerpt, .om-customer-name, .om-customer-email, .om-product,"
    " .om-vendor-name, .om-last-author, .om-assignee,"
    " .om-order-summary, .om-presence, .om-file-name, .om-attachment a, .om-chip"
)

#: The text of our elements (outermost ``om-`` elements) without the data, and their
#: labels for assistive technology; and the words of the data left out.
OUR_TEXT = """(data) => {
  const ours = [...document.querySelectorAll('[class*="om-"]')]
    .filter((el) => !el.parentElement.closest('[class*="om-"]'));
  const text = [], dataText = [];
  for (const root of ours) {
    const copy = root.cloneNode(true);
    copy.querySelectorAll(data).forEach((el) => { dataText.push(el.textContent); el.remove(); });
    copy.querySelectorAll('script, template, [hidden]').forEach((el) => el.remove());
    text.push(copy.textContent);
    for (const el of [copy, ...copy.querySelectorAll('*')]) {
      for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
        if (el.getAttribute(name)) text.push(el.getAttribute(name));
      }
    }
  }
  return {text: text.join(' '), data: dataText.join(' ')};
}"""

WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{4,}")
#: What is not prose: placeholders, markup, code, option names, addresses, settings.
NOT_PROSE = re.compile(
    r"%\(\w+\)[sdif]|<code>.*?</code>|`[^`]*`|<[^>]+>|--?[\w-]+|\S+[/=.]\S+|\b[A-Z_]{3,}\b"
)


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(NOT_PROSE.sub(" ", text or ""))}


def _catalogue_words() -> tuple[set[str], set[str]]:
    """The English words of our strings, and the German catalogue's own words."""
    folder = Path(TRANSLATIONS)
    with (folder / "de" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as file:
        catalog = read_po(file, locale="de")
    english: set[str] = set()
    german: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english.update(_words(text))
        for text in strings:
            german.update(_words(text))
    return english - german, german


def english_left(page: Any, english: set[str]) -> list[str]:
    found = page.evaluate(OUR_TEXT, DATA)
    data = {w.lower() for w in WORD.findall(found["data"])}
    return sorted({w.lower() for w in WORD.findall(found["text"])} & english - data)


def choose_german(page: Any) -> None:
    page.get_by_label("Language").select_option("de")
    with page.expect_navigation():
        page.locator(".language-go").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")


def check(page: Any, shots: Any, step: str, english: set[str]) -> None:
    shots.take(page, step)
    left = english_left(page, english)
    assert left == [], f"{step}: English words left: {left}"
    violations = axe_violations(page, tags=AXE_TAGS_22)
    assert not violations, f"{step}:\n" + "\n".join(violations)


def test_staff_and_customer_pages_in_german_have_no_english_word_left(browse, shots):
    english, german = _catalogue_words()
    assert {"unread", "dispute", "messages"} <= english and "nachrichten" in german

    admin = browse.page(user="admin", label="admin-de")
    choose_german(admin)
    admin.goto("/order-messages/admin/messages")
    expect(admin.get_by_role("heading", name="Nachrichten", level=1)).to_be_visible()
    check(admin, shots, "Nachrichten (staff list)", english)

    admin.get_by_role("combobox", name="Anzeigen").select_option("disputes")
    with admin.expect_navigation():
        admin.locator(".om-toolbar [type=submit]").first.click()
    check(admin, shots, "open disputes", english)

    admin.goto("/admin/orders/21?tab=messages")
    expect(admin.locator(".om-thread")).to_be_visible()
    # Team events, written in German for this reader: assigned, then a status set by hand.
    with admin.expect_navigation():
        admin.locator(".om-team-form button[name=to_me]").click()
    admin.locator(".om-team-form select[name=status]").select_option("waiting")
    with admin.expect_navigation():
        admin.locator(".om-team-form:has(select[name=status]) [type=submit]").click()
    events = admin.locator(".om-team-event .om-event-text")
    expect(events.last).to_contain_text("Wartet auf Kundenantwort")
    expect(events.nth(-2)).to_contain_text("selbst übernommen")
    check(admin, shots, "thread (staff)", english)

    bell = admin.locator(".om-bell")
    expect(bell).to_be_visible()
    bell.locator("summary, button").first.click()
    check(admin, shots, "bell open", english)

    carol = browse.page(user="carol", label="carol-de")
    choose_german(carol)
    carol.goto("/account/orders/3?tab=messages")
    expect(carol.locator(".om-thread")).to_be_visible()
    check(carol, shots, "thread (customer)", english)
    carol.goto("/account/orders")
    check(carol, shots, "orders (customer)", english)
