"""``automatic_reason``: auto-replies, out-of-office notes, bounces, delivery reports and list
mail are told from mail a person wrote (corpus mails and one header at a time)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from flask_order_messages.inbound.classify import automatic_reason
from flask_order_messages.inbound.parse import parse_mail

CORPUS = Path(__file__).parent / "mail_corpus"
MACHINE_MADE = {
    "exchange_out_of_office": "Auto-Submitted: auto-generated",
    "postfix_bounce": "Auto-Submitted: auto-replied",
    "mailman_list": "Precedence: list",
}


def message(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def mail_with(*headers: str, content_type: str = "text/plain") -> EmailMessage:
    lines = ["From: Anna <anna@example.org>", "Subject: Re: Your order", *headers]
    lines.append(f"Content-Type: {content_type}")
    return message(("\r\n".join(lines) + "\r\n\r\nHello\r\n").encode())


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.eml")))
def test_the_corpus(name):
    assert parse_mail((CORPUS / f"{name}.eml").read_bytes()).automatic == MACHINE_MADE.get(name)


def test_a_person_with_auto_submitted_no():
    assert automatic_reason(mail_with("Auto-Submitted: no")) is None
    assert automatic_reason(mail_with()) is None


@pytest.mark.parametrize(
    "header, reason",
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated; owner-email=x@y", "Auto-Submitted: auto-generated;"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        ("X-Autoreply: yes", "X-Autoreply header"),
        ("X-Autorespond: Out of office", "X-Autorespond header"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: all"),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", "X-Auto-Response-Suppress: dr, oof"),
        ("List-Id: News <news.lists.example.org>", "mailing list (List-Id)"),
        ("List-Unsubscribe: <mailto:leave@lists.example.org>", "mailing list (List-Unsubscribe)"),
        ("Return-Path: <>", "empty return path"),
        ("Return-Path: < >", "empty return path"),
    ],
)
def test_headers_that_mark_a_machine(header, reason):
    assert (automatic_reason(mail_with(header)) or "").startswith(reason)


def test_harmless_values_of_those_headers():
    assert automatic_reason(mail_with("Precedence: normal")) is None
    assert automatic_reason(mail_with("X-Auto-Response-Suppress: DR, RN")) is None
    assert automatic_reason(mail_with("Return-Path: <anna@example.org>")) is None


def test_the_envelope_sender():
    assert automatic_reason(mail_with(), envelope_from="") == (
        "empty return path (a bounce or notification)"
    )
    assert automatic_reason(mail_with(), envelope_from="anna@example.org") is None
    assert automatic_reason(mail_with(), envelope_from="MAILER-DAEMON@mx.example") == (
        "sent by mailer-daemon"
    )


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example", "postmaster@example.org"])
def test_robot_senders(sender):
    msg = message(f"From: {sender}\r\nSubject: hello\r\n\r\nx".encode())
    assert automatic_reason(msg) == f"sent by {sender.split('@')[0].lower()}"


def test_reports():
    assert automatic_reason(
        mail_with(content_type="multipart/report; report-type=delivery-status; boundary=b")
    ) == ("delivery report (multipart/report delivery-status)")
    assert automatic_reason(
        mail_with(content_type="multipart/report; report-type=disposition-notification; boundary=b")
    ) == ("read receipt (multipart/report)")


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: Your order #1042",
        "Automatic reply: Your order #1042",
        "Abwesenheitsnotiz: Ihre Bestellung #1042",
        "Automatische Antwort: Ihre Bestellung",
        "Réponse automatique : Votre commande",
        "Respuesta automática: Tu pedido",
        "Undeliverable: Your order #1042",
    ],
)
def test_out_of_office_subjects(subject):
    msg = message(f"From: a@example.org\r\nSubject: {subject}\r\n\r\nx".encode())
    assert (automatic_reason(msg) or "").startswith("automatic reply by its subject")


def test_a_person_writing_about_an_absence():
    msg = message(b"From: a@example.org\r\nSubject: Re: I am out of office next week\r\n\r\nx")
    assert automatic_reason(msg) is None
