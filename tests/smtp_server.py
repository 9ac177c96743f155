"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1, a free port) and the host app
wired to it.  Used by ``test_mail_*.py``, ``test_cli.py``."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from .conftest import User, db, make_app


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and then never says a word (a hung mail server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


@dataclass
class Received:
    """One mail as the SMTP server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")

    @property
    def link(self) -> str:
        """The "Read and reply" link of the text part."""
        match = re.search(r"Read and reply: (\S+)", self.text)
        assert match, self.text
        return match.group(1)


class _Collector:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.drop_at_quit = False
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_at_quit:
            server.transport.close()  # hang up instead of answering
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)  # slow, but without blocking other connections
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1 at a fixed free port; ``start()`` / ``stop()`` as often as needed,
    so a test can take the mail server down and bring it back on the same port."""

    def __init__(self, *, delay: float = 0) -> None:
        self.port = free_port()
        self._collector = _Collector(delay)
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        with self._collector.lock:
            return list(self._collector.received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.rcpt_tos]

    def set_delay(self, seconds: float) -> None:
        self._collector.delay = seconds

    def hang_up_at_quit(self) -> None:
        """Accept mail, then drop the line when the client says QUIT."""
        self._collector.drop_at_quit = True

    def start(self) -> SMTPServer:
        assert self._controller is None
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def running_app(tmp_path: Any, mail_port: int, **config: Any) -> Iterator[Flask]:
    """The conftest host app, sending real mail to 127.0.0.1:``mail_port``, tables created,
    inside a request context; torn down afterwards."""
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_port,
        "MAIL_SUPPRESS_SEND": False,
        "ORDER_MESSAGES_MAIL_TIMEOUT": 5,
    }
    settings.update(config)
    app = make_app(tmp_path, **settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        with app.test_request_context():
            yield app
            db.session.remove()
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


def add_user(name: str, *, admin: bool = False, email: str | None = None) -> User:
    user = User(
        name=name,
        email=email or f"{name.lower().replace(' ', '.')}@example.test",
        is_admin=admin,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def smtp_running() -> bool:
    """Whether the ``smtp`` fixture starts the server; parametrize it to False for an outage."""
    return True


@pytest.fixture
def smtp(smtp_running: bool) -> Iterator[SMTPServer]:
    server = SMTPServer()
    if smtp_running:
        server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra host config for the ``app`` fixture; parametrize it to change it."""
    return {}


@pytest.fixture
def app(tmp_path: Any, smtp: SMTPServer, app_config: dict[str, Any]) -> Iterator[Flask]:
    with running_app(tmp_path, smtp.port, **app_config) as app:
        yield app
