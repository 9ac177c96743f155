"""``parse_mail`` over the corpus and over broken input: ids, addresses, names, subject,
attachments; a malformed mail still gives a ParsedMail, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_order_messages.inbound.parse import ParsedMail, normalise_message_id, parse_mail

CORPUS = Path(__file__).parent / "mail_corpus"
TOKEN = "reply+b7k2m9q4x1c8r3t6v0w5y2z7@reply.shop.example"
SHOP_MID = "<176530932050.41872.3106627315830154222@shop.example>"


def corpus(name: str) -> ParsedMail:
    return parse_mail((CORPUS / f"{name}.eml").read_bytes())


def test_a_gmail_reply():
    mail = corpus("gmail_en")
    assert mail.message_id == "<CAJx7Lq9+rVb0s=Fq3kD7yT9uW2xN6mP1cZ8hL4jG5eA0@mail.gmail.com>"
    assert mail.in_reply_to == SHOP_MID
    assert mail.references == [SHOP_MID]
    assert (mail.from_address, mail.from_name) == ("anna.schmidt1987@gmail.com", "Anna Schmidt")
    assert mail.to_addresses == [TOKEN]  # To and Delivered-To, once
    assert mail.subject == "Re: Your order #1042: a new message"
    assert mail.text.startswith("Great, thank you!")
    assert mail.attachments == []
    assert mail.automatic is None
    assert mail.size == len((CORPUS / "gmail_en.eml").read_bytes())
    assert mail.error is None


def test_encoded_names_and_subjects_are_decoded():
    assert corpus("outlook_desktop_de").from_name == "Jörg Müller"
    assert corpus("claws_latin1_qp").from_name == "Ursula Kästner"
    japanese = corpus("gmail_ja_iso2022jp")
    assert (japanese.from_name, japanese.subject) == ("山田太郎", "Re: ご注文 #1042 について")


def test_a_message_id_folded_onto_its_own_line():
    assert corpus("outlook_web").message_id == (
        "<PAXPR08MB6842C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A@PAXPR08MB6842C.eurprd08.prod.outlook.com>"
    )


def test_attachments_from_gmail():
    names = [(name, kind) for name, _data, kind in corpus("gmail_attachment").attachments]
    assert names == [
        ("IMG_20261207_131502.jpg", "image/jpeg"),
        ("Lieferschein Nº 1042.pdf", "application/pdf"),
    ]
    image, pdf = (data for _name, data, _kind in corpus("gmail_attachment").attachments)
    assert image.startswith(b"\xff\xd8\xff") and image.endswith(b"\xff\xd9")
    assert pdf.startswith(b"%PDF-1.4")


def test_an_inline_photo_from_an_iphone_is_an_attachment_and_the_body_is_not():
    mail = corpus("apple_iphone_inline_image")
    assert [(name, kind) for name, _data, kind in mail.attachments] == [
        ("IMG_4711.jpeg", "image/jpeg")
    ]
    assert mail.text == "This is how it looked when it arrived."


def test_a_bounce_keeps_its_report_parts_out_of_the_attachments():
    mail = corpus("postfix_bounce")
    assert mail.attachments == []
    assert mail.automatic is not None
    assert mail.from_address == "mailer-daemon@mx.shop.example"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("<abc@x.example>", "<abc@x.example>"),
        ("  < abc@x.example >  ", "<abc@x.example>"),
        ("<abc@\r\n x.example>", "<abc@x.example>"),
        ("abc@x.example", "<abc@x.example>"),
        ("<first@x> <second@x>", "<first@x>"),
        ("", None),
        ("<>", None),
        (None, None),
    ],
)
def test_message_ids_are_normalised(value, expected):
    assert normalise_message_id(value) == expected


def test_a_name_with_an_encoded_line_break_stays_on_one_line():
    raw = (
        b"From: =?utf-8?q?Carol=0D=0ABcc=3A_victim=40example.com?= <Carol@Example.COM>\r\n"
        b"To: Shop <" + TOKEN.encode() + b">\r\n"
        b"Subject: =?utf-8?q?Re=3A_order=0D=0ABcc=3A_x=40example.com?=\r\n"
        b"Message-ID: <1@example.com>\r\n\r\nHello\r\n"
    )
    mail = parse_mail(raw)
    assert mail.from_name == "Carol Bcc: victim@example.com"
    assert mail.from_address == "carol@example.com"
    assert mail.subject == "Re: order Bcc: x@example.com"
    assert "\n" not in mail.from_name + mail.subject and "\r" not in mail.from_name + mail.subject


def test_recipients_come_from_every_header_that_names_them():
    raw = (
        b"From: a@example.com\r\nTo: Shop <orders@shop.example>\r\nCc: B <B@Example.com>\r\n"
        b"Delivered-To: Reply+ABC@reply.shop.example\r\n"
        b"X-Original-To: reply+abc@reply.shop.example\r\n"
        b"Envelope-To: other@reply.shop.example\r\n\r\nHi\r\n"
    )
    assert parse_mail(raw).to_addresses == [
        "orders@shop.example",
        "b@example.com",
        "reply+abc@reply.shop.example",
        "other@reply.shop.example",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe\r\n\r\n\x00",
        b"From: <<<@@@>>>\r\nTo: ,,,;;;\r\nMessage-ID: <<<\r\n"
        b"Subject: =?utf-8?q?broken\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n",
        b"Content-Type: multipart/alternative\r\n\r\nno boundary at all",
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
        b"From: a@b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\x28 caf\xe9",
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\nnot a message",
    ],
)
def test_malformed_mail_still_parses(raw):
    mail = parse_mail(raw)
    assert isinstance(mail, ParsedMail)
    assert mail.size == len(raw)
    assert isinstance(mail.text, str)


def test_defects_are_noted():
    raw = b"From: a@b\r\nContent-Type: multipart/mixed\r\n\r\nno boundary"
    assert "NoBoundaryInMultipartDefect" in parse_mail(raw).defects
