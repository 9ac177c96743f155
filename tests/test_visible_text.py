"""``visible_text`` over a corpus of replies as real clients write them (tests/mail_corpus):
each mail gives exactly the words its writer added, the ``<name>.expected.txt`` beside it."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from flask_order_messages.inbound import visible_text
from flask_order_messages.inbound.body import body_parts, part_text, unflow
from flask_order_messages.inbound.html import html_to_text
from flask_order_messages.inbound.text import strip_reply

CORPUS = Path(__file__).parent / "mail_corpus"
MAILS = sorted(CORPUS.glob("*.eml"))


def expected(mail: Path) -> str:
    return (
        mail.with_name(mail.stem + ".expected.txt").read_text(encoding="utf-8").removesuffix("\n")
    )


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


def mail(body: bytes, content_type: str = "text/plain; charset=utf-8", cte: str = "8bit") -> bytes:
    head = f"From: a@example.org\r\nContent-Type: {content_type}\r\n"
    head += f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    return head.encode() + body


@pytest.mark.parametrize(
    "raw, text",
    [
        (mail(b"Gr\xfc\xdfe \x80", "text/plain; charset=iso-8859-1"), "Grüße €"),  # cp1252 inside
        (mail(b"\xa4 5", "text/plain; charset=iso-8859-15"), "€ 5"),
        (mail(b"\x93quoted\x94", "text/plain; charset=windows-1252"), "\u201cquoted\u201d"),
        (mail("café".encode(), "text/plain"), "café"),  # no charset: UTF-8 first
        (mail(b"caf\xe9", "text/plain; charset=us-ascii"), "café"),  # a lie: windows-1252
        (mail(b"caf\xc3\xa9 \xff", "text/plain; charset=utf-8"), "café \ufffd"),  # broken UTF-8
        (mail("café".encode(), "text/plain; charset=x-no-such-charset"), "café"),
        (mail(b"caf\xe9", 'text/plain; charset="utf-8"'), "caf\ufffd"),
        (mail(b"Y2Fmw6k=", "text/plain; charset=utf-8", "base64"), "café"),
        (mail(b"Y2Fmw6k", "text/plain; charset=utf-8", "base64"), "café"),  # padding lost
        (
            mail(b"caf=C3=A9 soft=\r\nbreak", "text/plain; charset=utf-8", "quoted-printable"),
            "café softbreak",
        ),
        (mail(b"x\x00y", "text/plain; charset=utf-8"), "xy"),
    ],
)
def test_charsets_and_transfer_encodings(raw, text):
    assert visible_text(raw) == text


def test_format_flowed():
    text = "a long line that goes \r\non here\r\n> quoted \r\n> on\r\n-- \r\nsig\r\n"
    assert visible_text(mail(text.encode(), "text/plain; charset=utf-8; format=flowed")) == (
        "a long line that goes on here"
    )
    assert unflow("ab \ncd\n efg\n", delsp=True) == "abcd\nefg\n"
    assert unflow("ab \n> cd \n> ef\n", delsp=False) == "ab \n> cd ef\n"


def test_an_empty_plain_part_gives_way_to_the_html_part():
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<div>Yes &amp; thanks</div><blockquote type=cite>old</blockquote>\r\n--b--\r\n"
    )
    assert visible_text(raw) == "Yes & thanks"


def test_the_plain_part_is_preferred():
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--b--\r\n"
    )
    assert visible_text(raw) == "plain words"


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<div>a<br>b</div><div><br></div><div>c</div>", "a\nb\n\nc"),
        (
            '<div>new</div><div class="gmail_quote">On x wrote:<blockquote>old</blockquote></div>',
            "new",
        ),
        ('<p>new</p><div id="divRplyFwdMsg"><b>From:</b> x</div><div>old</div>', "new"),
        (
            '<div><p>new</p><hr><div id="divRplyFwdMsg">From</div><p>old</p></div><p>older</p>',
            "new",
        ),
        (
            '<p>new</p><div class="moz-cite-prefix">On x wrote:</div>'
            '<blockquote type="cite">o</blockquote>',
            "new",
        ),
        ('<div>new</div><div class="ydp1yahoo_quoted">old</div>', "new"),
        ("<style>p{color:red}</style><!-- note --><p>a   b\n c</p><script>x()</script>", "a b c"),
        ("<pre>  keep\n    layout</pre>", "keep\nlayout"),
        ("just text, no tags", "just text, no tags"),
        ("", ""),
    ],
)
def test_html_to_text(html, text):
    assert strip_reply(html_to_text(html)) == text


def test_absurd_nesting_and_size_do_not_crash():
    deep = "<div>" * 5000 + "deep words" + "</div>" * 5000
    assert "deep words" in html_to_text(deep)
    big = ("word " * 20 + "\n") * 20_000 + "\n-- \nsig"
    assert visible_text(mail(big.encode())).startswith("word word")


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my iPhone",
        "Sent from my Galaxy",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Enviado do meu iPhone",
        "Inviato da iPhone",
        "Verstuurd vanaf mijn iPhone",
        "Skickat från min iPhone",
        "Get Outlook for Android",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Sent from Yahoo Mail for iPhone",
        "Sent from Mail for Windows",
        "Gesendet mit der WEB.DE Mail App",
        "Wysłane z iPhone’a",
        "Holen Sie sich Outlook für iOS",
        "Obtenir Outlook pour Android",
    ],
)
def test_sent_from_my_phone_lines_go(line):
    assert strip_reply(f"See you Tuesday.\n\n{line}\n") == "See you Tuesday."


def test_a_dash_list_and_words_after_thanks_stay():
    text = "Thanks, that helps.\n- one blue\n- one red\nBest,\nAnna\n\n-- \nAnna Schmidt"
    assert strip_reply(text) == "Thanks, that helps.\n- one blue\n- one red\nBest,\nAnna"


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "-------- Original Message --------",
        "-----Message d'origine-----",
        "From: Shop <s@x>\nSent: Monday\nTo: a@b\nSubject: x",
        "Von: Shop <s@x>\nGesendet: Montag\nAn: a@b\nBetreff: x",
        "De : Shop <s@x>\nEnvoyé : lundi\nÀ : a@b\nObjet : x",
        "De: Shop <s@x>\nEnviado: lunes\nPara: a@b\nAsunto: x",
        "On 07.12.26 10:02, Shop wrote:",
        "Am 07.12.2026 um 10:02 schrieb Shop <s@x>:",
        "Il 07/12/2026 10:02, Shop ha scritto:",
        "Op 7 dec. 2026, om 10:02 heeft Shop <s@x> het volgende geschreven:",
        "Dnia 7.12.2026 o 10:02 Shop <s@x> napisał(a):",
        "W dniu 7.12.2026 o 10:02, Shop pisze:",
        "Den 7 dec. 2026 kl. 10:02 skrev Shop <s@x>:",
    ],
)
def test_reply_headers_end_the_new_words(header):
    assert strip_reply(f"New words.\n\n{header}\n\nold words\n> older\n") == "New words."
