"""``visible_text`` over a corpus of replies as real clients write them (tests/mail_corpus):
each mail gives exactly the words its writer added, the ``<name>.expected.txt`` beside it."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from flask_order_messages.inbound import visible_text
from flask_order_messages.inbound.body import body_parts, part_text
from flask_order_messages.inbound.html import html_to_text
from flask_order_messages.inbound.text import strip_reply

CORPUS = Path(__file__).parent / "mail_corpus"
MAILS = sorted(CORPUS.glob("*.eml"))


def expected(mail: Path) -> str:
    return mail.with_name(mail.stem + ".expected.txt").read_text(encoding="utf-8").removesuffix("\n")


def parsed(mail: Path) -> EmailMessage:
    msg = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_the_corpus_is_there():
    assert len(MAILS) >= 25
    assert all(mail.with_name(mail.stem + ".expected.txt").exists() for mail in MAILS)


@pytest.mark.parametrize("mail", MAILS, ids=lambda mail: mail.stem)
def test_exactly_the_new_words(mail):
    assert visible_text(mail.read_bytes()) == expected(mail)


# Mails whose HTML part alone gives the same words (the path an HTML-only mail takes).
HTML_TOO = [mail for mail in MAILS if body_parts(parsed(mail))[1] is not None]


@pytest.mark.parametrize("mail", HTML_TOO, ids=lambda mail: mail.stem)
def test_the_html_part_alone_gives_the_same_words(mail):
    html = body_parts(parsed(mail))[1]
    assert html is not None
    assert strip_reply(html_to_text(part_text(html))) == expected(mail)
