"""Replies by mail: what comes in, and the one path into the thread (:mod:`.pipeline`)."""
