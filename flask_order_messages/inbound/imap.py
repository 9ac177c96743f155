"""``flask order-messages fetch-mail``: replies by mail read from a mailbox over IMAP
(IMAPClient, the optional ``imap`` extra).

One run logs in (``ORDER_MESSAGES_IMAP_*``), reads the unseen mail of ``IMAP_FOLDER`` without
marking it read (``BODY.PEEK[]``), hands each to :func:`.pipeline.receive` (``via="imap"``),
then marks it seen and moves it to ``IMAP_DONE_FOLDER`` (made when missing; ``MOVE`` when the
server has it, else ``COPY`` then delete).  A mail that could not be handled now (database
down, its sender over the rate limit) stays where it was, unseen, for the next run.
"""

from __future__ import annotations

import logging
import ssl as ssl_module
from dataclasses import dataclass, field
from typing import Any

from ..i18n import gettext as _
from .pipeline import receive_in

log = logging.getLogger("flask_order_messages.inbound")

#: Seconds an IMAP command may take before the run gives up.
TIMEOUT = 60
#: Mails read per run at most (the rest wait for the next run).
BATCH = 200


class FetchError(RuntimeError):
    """The mailbox cannot be read (not configured, IMAPClient missing, server or login)."""


@dataclass
class FetchReport:
    """What one run did: outcomes counted, and how many mails stay for the next run."""

    outcomes: dict[str, int] = field(default_factory=dict)
    left: int = 0

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def _client(settings: Any) -> Any:
    try:
        from imapclient import IMAPClient
    except ImportError as exc:
        raise FetchError(
            _(
                "fetch-mail needs IMAPClient (%(error)s): pip install "
                "'flask-order-messages[imap]'.",
                error=exc,
            )
        ) from exc
    context = ssl_module.create_default_context()
    client = IMAPClient(
        settings.host,
        port=settings.port_or_default,
        ssl=settings.ssl,
        ssl_context=context,
        timeout=TIMEOUT,
    )
    try:
        if not settings.ssl and client.has_capability("STARTTLS"):
            client.starttls(context)
        client.login(settings.user, settings.password)
    except BaseException:
        client.shutdown()  # no logout without a login: just close the connection
        raise
    return client


def fetch_once(app: Any) -> FetchReport:
    """One run over the mailbox; raises :class:`FetchError` when it cannot be read."""
    with app.app_context():
        from ..state import current_settings

        settings = current_settings.imap
    if not settings.enabled:
        raise FetchError(
            _(
                "fetch-mail is off: set ORDER_MESSAGES_IMAP_HOST, _USER and _PASSWORD to the "
                "mailbox the reply domain's mail goes to."
            )
        )
    try:
        client = _client(settings)
    except FetchError:
        raise
    except Exception as exc:  # noqa: BLE001 - imaplib's, ssl's and socket's errors alike
        raise FetchError(
            _("Cannot log in to %(host)s: %(error)s", host=settings.host, error=_brief(exc))
        ) from exc
    try:
        return _fetch(app, client, settings)
    except Exception as exc:  # noqa: BLE001
        raise FetchError(
            _(
                "Reading %(folder)s on %(host)s failed: %(error)s",
                folder=settings.folder,
                host=settings.host,
                error=_brief(exc),
            )
        ) from exc
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection is gone already
            pass


def _brief(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{type(exc).__name__}: {text}"


def _fetch(app: Any, client: Any, settings: Any) -> FetchReport:
    if not client.folder_exists(settings.done_folder):
        client.create_folder(settings.done_folder)
    client.select_folder(settings.folder)
    uids = sorted(client.search(["UNSEEN"]))
    report = FetchReport(left=max(0, len(uids) - BATCH))
    for uid in uids[:BATCH]:
        found = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        raw = (found or {}).get(b"BODY[]")
        if raw is None:  # deleted by someone else meanwhile
            continue
        try:
            outcome = receive_in(app, bytes(raw), via="imap")
        except Exception:  # noqa: BLE001 - a bug with one mail: it stays for the next run
            log.exception("order-messages: IMAP mail %s left in %s", uid, settings.folder)
            report.left += 1
            continue
        if outcome.temporary:
            report.left += 1
            continue
        report.outcomes[outcome.outcome] = report.outcomes.get(outcome.outcome, 0) + 1
        _move(client, uid, settings.done_folder)
    return report


def _move(client: Any, uid: int, folder: str) -> None:
    """Mark ``uid`` seen and move it to ``folder``."""
    client.add_flags([uid], [b"\\Seen"])
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.delete_messages([uid])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        client.expunge()
