"""Why an endpoint was turned off by delivery, in the reader's language.

It is kept as a code and its parameters (``disabled_code``, ``disabled_args``, JSON), and
written when someone reads it (the Webhooks page, the API); ``disabled_reason`` keeps the
same words in the shop's language for anyone reading the table.  An endpoint turned off
before the code was kept shows its stored ``disabled_reason``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..i18n import format_datetime
from ..i18n import gettext as _
from ..mail_reader import in_shop_language

#: The receiver answered ``410 Gone`` (the Standard Webhooks way to unsubscribe).
GONE = "gone"


def _words(code: str, args: dict[str, Any]) -> str:
    if code == GONE:
        when = format_datetime(datetime.fromisoformat(str(args["at"])))
        return _("The receiver answered 410 Gone on %(when)s.", when=when)
    raise KeyError(code)


def turned_off(code: str, **args: Any) -> dict[str, Any]:
    """The endpoint's column values for being turned off with ``code`` and ``args``."""
    with in_shop_language():
        reason = _words(code, args)
    return {
        "active": False,
        "disabled_reason": reason[:200],
        "disabled_code": code,
        "disabled_args": json.dumps(args, sort_keys=True),
    }


def disabled_reason(endpoint: Any) -> str | None:
    """Why ``endpoint`` was turned off, in the reader's language; None when it was not (or by
    hand)."""
    code = getattr(endpoint, "disabled_code", None)
    if code:
        try:
            return _words(code, json.loads(endpoint.disabled_args or "{}"))
        except (KeyError, TypeError, ValueError):  # a code this version does not know
            pass
    return endpoint.disabled_reason  # type: ignore[no-any-return]
