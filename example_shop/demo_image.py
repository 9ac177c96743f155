"""A small demo photo, drawn in code: a steel kettle with a dent, as a PNG (no Pillow needed).

The seed attaches it to Carol's "the kettle arrived dented" message, so the demo shows an
image attachment as a thumbnail from the first start.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 320, 240


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _pixel(x: int, y: int) -> tuple[int, int, int]:
    # A warm table top below, a pale wall above.
    background = (236, 231, 222) if y < 170 else (176, 132, 92)
    # The kettle body: an ellipse of brushed steel, lighter to the upper left.
    cx, cy, rx, ry = 160, 130, 92, 78
    inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
    # Lid knob, handle (a ring above the body) and spout (a slanted bar to the right).
    knob = (x - 160) ** 2 + (y - 48) ** 2 <= 12**2
    handle = 62**2 <= (x - 160) ** 2 + ((y - 70) * 1.6) ** 2 <= 72**2 and y < 70
    spout = 240 <= x <= 292 and abs((y - 118) - (x - 240) * -0.75) <= 9
    if inside <= 1 or knob or handle or spout:
        shade = 200 - int(70 * ((x - 100) / 200 + (y - 60) / 180) / 2)
        # The dent: a dark crease on the left of the body.
        dent = ((x - 112) / 20) ** 2 + ((y - 140) / 30) ** 2
        if inside <= 1 and dent <= 1:
            shade -= int(80 * (1 - dent))
        shade = max(40, min(235, shade))
        return shade, shade + 4, shade + 10
    return background


def kettle_png() -> bytes:
    """The picture as PNG bytes (a few KB)."""
    rows = bytearray()
    for y in range(HEIGHT):
        rows.append(0)  # filter: none
        for x in range(WIDTH):
            rows.extend(_pixel(x, y))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )
