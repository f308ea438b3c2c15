"""A tiny PNG writer (stdlib zlib + struct), for the demo's previews."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["write_gradient_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB = tuple[int, int, int]


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def write_gradient_png(
    path: Path, top: RGB, bottom: RGB, width: int = 160, height: int = 90
) -> Path:
    """Write an 8-bit RGB PNG: a vertical gradient from ``top`` to ``bottom``,
    darkened towards the right edge (a vignette of sorts). Returns ``path``."""
    rows = []
    for y in range(height):
        r, g, b = _mix(top, bottom, y / max(height - 1, 1))
        row = bytearray(b"\x00")  # filter type 0 (None) for every scanline
        for x in range(width):
            shade = 1.0 - 0.35 * (x / max(width - 1, 1))
            row += bytes((int(r * shade), int(g * shade), int(b * shade)))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    data = (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path
