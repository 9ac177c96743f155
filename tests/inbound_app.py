"""The tests' host app for ``flask order-messages receive-mail`` run as a real process
(``FLASK_APP=tests.inbound_app:create_app``): the conftest host on the test's database, with
reply addresses on and mail sent to the test's SMTP server (``OM_TEST_TMP``,
``OM_TEST_DATABASE_URL``, ``OM_TEST_MAIL_PORT``)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .conftest import make_app
from .inbound_support import INBOUND_CONFIG


def create_app() -> Flask:
    return make_app(
        Path(os.environ["OM_TEST_TMP"]),
        SQLALCHEMY_DATABASE_URI=os.environ["OM_TEST_DATABASE_URL"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=int(os.environ["OM_TEST_MAIL_PORT"]),
        MAIL_SUPPRESS_SEND=False,
        **INBOUND_CONFIG,
    )
