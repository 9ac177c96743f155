"""Webhooks (Standard Webhooks): endpoints staff register are told of events, signed
(:mod:`.signing`), written to an outbox in the event's own transaction (:mod:`.events`) and
delivered after the commit with retries, never twice (:mod:`.delivery`).  The endpoints are
managed through :mod:`..services.webhooks` and the staff page (``views/webhooks.py``)."""
