"""Errors a user can meet.  Each carries words fit to show on a page or in JSON."""

from __future__ import annotations


class OrderMessagesError(Exception):
    """Base class of the extension's errors."""

    status_code = 400

    def __init__(self, message: object) -> None:
        # ``message`` may be lazy text (a module's constant): it is fixed here, in the
        # language of the request that meets the error.
        super().__init__(str(message))
        self.message = str(message)


class ValidationError(OrderMessagesError):
    """Input was refused (empty or too long text, a bad parameter).  Nothing was saved."""

    def __init__(self, message: object, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


class DisputeError(OrderMessagesError):
    """A dispute action does not fit the dispute's state (already open, already closed)."""

    status_code = 409


class NotAllowedError(OrderMessagesError):
    """The person may not do this here (a vendor's staff opening a dispute the marketplace
    arbitrates, say).  Nothing was saved."""

    status_code = 403


class NewerEntryError(OrderMessagesError):
    """A staff reply was posted after someone else's newer message or note, which its writer
    had not seen: nothing was saved, the writer is asked to confirm (see
    ``services.confirm``).  ``field`` is the reply form's field that carries the answer."""

    status_code = 409
    field = "confirm"

    def __init__(self, message: object, entry_id: int) -> None:
        super().__init__(message)
        self.entry_id = entry_id


class MissingHookError(RuntimeError):
    """A host hook that is needed here was never registered."""


class FeatureOffError(OrderMessagesError):
    """The feature is switched off by configuration (a page about it answers 404)."""

    status_code = 404
