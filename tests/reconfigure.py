"""Change the extension's configuration of the running test app, through the same validation
``init_app`` uses (the keys are the documented ``ORDER_MESSAGES_*`` ones)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Flask

from flask_order_messages.config import PREFIX, load_settings


def reconfigure(app: Flask, **values: Any) -> None:
    """Set ``ORDER_MESSAGES_<KEY>`` for each ``KEY=value`` and reload the settings."""
    app.config.update({PREFIX + key: value for key, value in values.items()})
    state = app.extensions["order_messages"]
    app.extensions["order_messages"] = replace(state, settings=load_settings(app.config))
