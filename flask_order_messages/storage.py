"""Where attachment files live: a small storage interface and its local-folder default.

The database keeps each attachment's row (name, type, size) and a random ``storage_key``;
the bytes go through an :class:`AttachmentStorage`.  The default, :class:`LocalFolderStorage`,
writes one file per key under ``ORDER_MESSAGES_ATTACHMENT_FOLDER`` (by default
``<instance_path>/order_messages_attachments``).  A host that keeps files elsewhere (S3, a
shared volume) passes its own object with the same three methods::

    OrderMessages(app, db=db, ..., attachment_storage=MyS3Storage(bucket))

A fourth method, ``keys()`` (every key with its modification time), is optional: with it,
``flask order-messages clean-attachments`` can remove the files whose rows are gone (the
database drops an order's attachment rows with the order, but cannot remove its files).

Keys are made by the extension (:func:`new_key`), never from the name a person gave the file.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from flask import current_app

#: What :func:`new_key` makes: 32 lowercase hex digits.
_KEY = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 64 * 1024


@runtime_checkable
class AttachmentStorage(Protocol):
    """Where attachment bytes are kept.  Three methods; each may block (disk, network)."""

    def save(self, key: str, stream: BinaryIO, *, content_type: str) -> None:
        """Store everything ``stream`` yields under ``key``.  Raise on failure; a partly
        written file must not stay behind under ``key``."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary file for ``key`` (the caller closes it).  Raise
        :class:`FileNotFoundError` when there is none."""

    def delete(self, key: str) -> None:
        """Remove ``key``.  A key that is not there is no error."""


def new_key() -> str:
    """A fresh random key (128 bits, hex): the stored name of a file, never the user's."""
    return secrets.token_hex(16)


class LocalFolderStorage:
    """Files in a folder on this machine: ``<folder>/<first two key characters>/<key>``.

    Writes go to a temporary file in the same folder first and are renamed into place, so a
    crash or a full disk never leaves half a file under a real key.  With several web servers,
    point the folder at a shared volume, or give the extension a storage of your own.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """The file of ``key``; a key that :func:`new_key` cannot have made is refused."""
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"Not an attachment storage key: {key!r}")
        return self.folder / key[:2] / key

    def save(self, key: str, stream: BinaryIO, *, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            path = self.path(key)
        except ValueError:
            raise FileNotFoundError(key) from None
        return path.open("rb")

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink()
        except (FileNotFoundError, ValueError):
            pass

    def keys(self) -> Iterator[tuple[str, float]]:
        """Every stored key with its file's modification time (a Unix timestamp), for
        ``flask order-messages clean-attachments``.  Optional in a storage of your own."""
        if not self.folder.is_dir():
            return
        for shard in sorted(self.folder.iterdir()):
            if not shard.is_dir():
                continue
            for path in sorted(shard.iterdir()):
                if _KEY.match(path.name) and path.name[:2] == shard.name:
                    yield path.name, path.stat().st_mtime

    def __repr__(self) -> str:
        return f"<LocalFolderStorage {str(self.folder)!r}>"


def default_folder() -> Path:
    """``ORDER_MESSAGES_ATTACHMENT_FOLDER``, relative paths taken from the app's instance
    folder; ``<instance_path>/order_messages_attachments`` when it is not set."""
    from .state import current_settings

    configured = current_settings.attachment_folder or "order_messages_attachments"
    return Path(current_app.instance_path, configured)


def current_storage() -> AttachmentStorage:
    """The storage of the current app: the host's own (``attachment_storage=``), else a
    :class:`LocalFolderStorage` on :func:`default_folder`."""
    from .state import current_order_messages

    custom = current_order_messages.attachment_storage
    if custom is not None:
        return custom
    return LocalFolderStorage(default_folder())
