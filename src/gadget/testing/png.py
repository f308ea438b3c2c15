"""Tiny PNG files with the standard library only (zlib + struct), no pytest:
the demo's previews and the contract suite's uploads."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["encode_png", "write_gradient_png"]

RGB = tuple[int, int, int]


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, scanlines: bytes, level: int) -> bytes:
    """An 8-bit RGB PNG of ``scanlines`` (each row: its filter byte, then its
    pixels), compressed at zlib ``level`` into one IDAT chunk."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanlines, level))
        + _chunk(b"IEND", b"")
    )


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
    path.write_bytes(encode_png(width, height, b"".join(rows), 9))
    return path
