"""Attachments: checking uploads, storing them with their message, finding them for a reader.

The order of work in :func:`~flask_order_messages.services.posting.post_message` is what
keeps anything from being half-saved:

1. :func:`check_uploads` reads every file's size and first bytes and refuses the lot with a
   :class:`~flask_order_messages.errors.ValidationError` on the first bad one.  Nothing has
   been written yet.
2. :func:`store` writes the files to the storage and adds their rows, inside the message's
   transaction (a failed write removes the files written before it).
3. If anything later fails, the caller rolls back and hands the keys to :func:`discard`.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import Any, BinaryIO

import sqlalchemy as sa
from babel.units import format_unit
from sqlalchemy.orm.attributes import set_committed_value

from .. import i18n
from ..errors import ValidationError
from ..filetypes import HEAD_BYTES, KNOWN_TYPES, clean_filename, describe, extension_of, sniff
from ..i18n import gettext as _
from ..model_types import Attachment, Message
from ..models import KIND_NOTE
from ..state import current_order_messages as ext
from ..state import current_settings
from ..storage import current_storage, new_key
from .common import session

log = logging.getLogger("flask_order_messages")

#: The form field the reply forms send files in.
FIELD = "files"


@dataclass
class Upload:
    """A file that passed :func:`check_uploads`, ready for :func:`store`."""

    filename: str
    content_type: str
    size: int
    stream: BinaryIO


def format_size(size: int) -> str:
    """``"820 bytes"``, ``"14 kB"``, ``"5 MB"``, ``"2.5 MB"`` (1 kB = 1024 bytes), in the
    reader's language (``2,5 Mo``)."""
    locale = i18n.locale_name()
    if size < 1024:
        return str(format_unit(size, "digital-byte", length="long", locale=locale))
    value, unit = size / 1024, "digital-kilobyte"
    for bigger in ("digital-megabyte", "digital-gigabyte"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    pattern = "#,##0.#" if value < 10 else "#,##0"
    return str(format_unit(value, unit, length="short", format=pattern, locale=locale))


def _parts(item: Any) -> tuple[str, BinaryIO] | None:
    """(name, stream) of an upload: a werkzeug ``FileStorage``, or ``(name, bytes | stream)``.
    None for the empty part a browser sends when no file was chosen."""
    if isinstance(item, tuple):
        name, data = item
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        return str(name or ""), stream
    name = getattr(item, "filename", None) or ""
    stream = getattr(item, "stream", None)
    if stream is None:
        raise TypeError(f"Not an upload: {item!r}")
    if not name and _size(stream) == 0:
        return None
    return name, stream


def _size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def check_uploads(files: Iterable[Any]) -> list[Upload]:
    """Check uploads against the configured types and limits, reading only sizes and first
    bytes.  Raises :class:`ValidationError` (field ``"files"``) naming the file and the rule.

    ``files`` holds werkzeug ``FileStorage`` objects (``request.files.getlist("files")``) or
    ``(filename, bytes_or_binary_stream)`` pairs.  Empty slots of a file input are skipped.
    """
    settings = current_settings
    found = [p for p in (_parts(f) for f in files) if p is not None]
    if not found:
        return []
    if not settings.attachments_enabled:
        raise ValidationError(_("This shop does not take attachments on messages."), FIELD)
    if len(found) > settings.max_attachments:
        raise ValidationError(
            _(
                "You chose %(count)s files; a message can carry at most %(max_attachments)s.",
                count=len(found),
                max_attachments=settings.max_attachments,
            ),
            FIELD,
        )
    allowed = settings.attachment_types
    uploads: list[Upload] = []
    total = 0
    for raw_name, stream in found:
        name = clean_filename(raw_name)
        size = _size(stream)
        if size == 0:
            raise ValidationError(_("“%(name)s” is empty.", name=name), FIELD)
        if size > settings.max_attachment_bytes:
            raise ValidationError(
                _(
                    "“%(name)s” is too large (%(size)s); each file can be up to %(limit)s.",
                    name=name,
                    size=format_size(size),
                    limit=format_size(settings.max_attachment_bytes),
                ),
                FIELD,
            )
        head = stream.read(HEAD_BYTES)
        stream.seek(0)
        file_type = sniff(head)
        if file_type is None or file_type.content_type not in allowed:
            if file_type is None:
                refusal = _(
                    "“%(name)s” is not a kind of file this shop takes. You can attach %(kinds)s.",
                    name=name,
                    kinds=describe(allowed),
                )
            else:
                refusal = _(
                    "“%(name)s” is not a kind of file this shop takes (it is a %(label)s). You "
                    "can attach %(kinds)s.",
                    name=name,
                    label=file_type.label,
                    kinds=describe(allowed),
                )
            raise ValidationError(refusal, FIELD)
        ext_ = extension_of(name)
        if not ext_:
            name = f"{name}.{file_type.extensions[0]}"
        elif ext_ not in file_type.extensions:
            raise ValidationError(
                _(
                    "“%(name)s” is named like a .%(ext)s file, but its content is a %(label)s. "
                    "Please attach it under a name that says what it is.",
                    name=name,
                    ext=ext_,
                    label=file_type.label,
                ),
                FIELD,
            )
        total += size
        uploads.append(Upload(name, file_type.content_type, size, stream))
    if total > settings.max_attachments_total_bytes:
        raise ValidationError(
            _(
                "These files come to %(size)s together; one message can carry up to %(limit)s.",
                size=format_size(total),
                limit=format_size(settings.max_attachments_total_bytes),
            ),
            FIELD,
        )
    return uploads


def store(message: Message, uploads: list[Upload]) -> list[str]:
    """Write ``uploads`` to the storage and add their rows for ``message`` (flushed, not
    committed).  ``message`` is new: these are all its files, and ``message.attachments``
    says so without asking the database (the mail about it lists them).  Returns the storage
    keys written, for :func:`discard` should the transaction fail.  If a write fails, the
    files written before it are removed."""
    if not uploads:
        set_committed_value(message, "attachments", [])
        return []
    storage = current_storage()
    model = ext.models.Attachment
    db = session()
    keys: list[str] = []
    rows: list[Attachment] = []
    try:
        for upload in uploads:
            key = new_key()
            upload.stream.seek(0)
            storage.save(key, upload.stream, content_type=upload.content_type)
            keys.append(key)
            rows.append(
                model(
                    message_id=message.id,
                    filename=upload.filename,
                    storage_key=key,
                    content_type=upload.content_type,
                    size=upload.size,
                    created_at=message.created_at,
                )
            )
            db.add(rows[-1])
        db.flush()
    except BaseException:
        discard(keys)
        raise
    set_committed_value(message, "attachments", rows)
    return keys


def discard(keys: Iterable[str]) -> None:
    """Remove stored files whose rows never got committed.  Never raises: a file left behind
    is logged, it is not worth failing the request over."""
    storage = None
    for key in keys:
        try:
            storage = storage or current_storage()
            storage.delete(key)
        except Exception:  # noqa: BLE001
            log.exception("order-messages: could not remove attachment file %s", key)


def orphaned_files(older_than: timedelta) -> Iterator[str]:
    """Keys of stored files that no attachment row names, last written more than
    ``older_than`` ago: left by orders the host deleted (the database removes their rows, not
    their files).  Recent files are spared: an upload is stored just before its row commits.
    Needs a storage with ``keys()`` (the local folder has it); raises :class:`TypeError`
    otherwise."""
    storage = current_storage()
    listing = getattr(storage, "keys", None)
    if listing is None:
        raise TypeError(f"{storage!r} cannot list its files (it has no keys() method).")
    a = ext.models.Attachment
    cutoff = time.time() - older_than.total_seconds()
    old = (key for key, modified in listing() if modified < cutoff)
    while batch := list(islice(old, 500)):
        known = set(
            session().execute(sa.select(a.storage_key).where(a.storage_key.in_(batch))).scalars()
        )
        yield from (key for key in batch if key not in known)


def attachment_for(order: Any, attachment_id: int, *, staff: bool) -> Attachment | None:
    """The attachment ``attachment_id`` if it is on a message of ``order``'s thread that the
    reader may see (customers never see staff-only notes), else None.  One query."""
    models = ext.models
    a, m, t = models.Attachment, models.Message, models.Thread
    stmt = (
        sa.select(a)
        .join(m, m.id == a.message_id)
        .join(t, t.id == m.thread_id)
        .where(a.id == attachment_id, t.order_id == ext.order_key(order))
    )
    if not staff:
        stmt = stmt.where(m.kind != KIND_NOTE)
    return session().execute(stmt).scalar()


def is_image_type(content_type: str) -> bool:
    """Whether files of this type are shown inline (thumbnails) rather than downloaded."""
    known = KNOWN_TYPES.get(content_type)
    return known is not None and known.is_image


def chosen(files: Iterable[Any]) -> bool:
    """Whether any real file is among ``files`` (a file input left empty sends none)."""
    return any(_parts(f) is not None for f in files)
