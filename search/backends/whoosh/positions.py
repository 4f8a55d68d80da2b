"""How a word's positions (and character ranges) in an article are stored: packed
integers instead of Whoosh's pickled deltas.

Whoosh's Positions and Characters formats store each posting's value as a pickled list
of deltas, so checking a phrase's candidates cost one `pickle.loads` per article and
word (about 9 µs; over 40 % of a common phrase's time at 100,000 page-length articles,
docs/performance.md). Here a value is one byte, the width of its integers (2 bytes, or
4 when one exceeds 65,535), then for each occurrence its position (and, for
characters, its start and end character), little-endian: many values decode at once
with numpy (`bulk_records`), one with struct, and they are smaller than the pickles.
Whoosh's own matchers and highlighter read them through the formats' decoders here.

An index whose values are pickles must not be read with these decoders. The formats
carry `packing` (PACKING) into the index's table of contents, and `stale()` tells a
format written before it: store.open_current refuses such an index with a message, and
the next reindex rebuilds it."""

from __future__ import annotations

import struct

import numpy as np

PACKING = 1  # bump when the layout of a value changes
_CODES = {2: "H", 4: "I"}


def pack(numbers: list[int]) -> bytes:
    """The value of one posting: its integers (occurrence after occurrence) packed."""
    width = 2 if max(numbers) < 65536 else 4
    return struct.pack(f"<B{len(numbers)}{_CODES[width]}", width, *numbers)


def unpack(value: bytes) -> tuple[int, ...]:
    width = value[0]
    return struct.unpack_from(f"<{(len(value) - 1) // width}{_CODES[width]}", value, 1)


class PackedFormat:
    """Mixin for a Whoosh Positions-like format: values packed, decoded the same way.
    `record` is the number of integers per occurrence, the first being its position."""

    record = 1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.packing = PACKING

    def encode(self, poslist: list) -> bytes:
        return pack(poslist)

    def decode_frequency(self, value: bytes) -> int:
        return (len(value) - 1) // (value[0] * self.record)

    def decode_weight(self, value: bytes) -> float:
        return self.decode_frequency(value) * self.field_boost

    def decode_positions(self, value: bytes) -> list[int]:
        return list(unpack(value)[::self.record])

    def decode_position_boosts(self, value: bytes) -> list[tuple[int, int]]:
        return [(pos, 1) for pos in self.decode_positions(value)]


class PackedCharacters(PackedFormat):
    """(position, startchar, endchar) per occurrence."""

    record = 3

    def encode(self, poslist: list) -> bytes:
        return pack([n for triple in poslist for n in triple])

    def decode_characters(self, value: bytes) -> list[tuple[int, int, int]]:
        numbers = iter(unpack(value))
        return list(zip(numbers, numbers, numbers))


def record_of(fmt) -> int | None:
    """Integers per occurrence of a packed format, None for any other format."""
    return fmt.record if isinstance(fmt, PackedFormat) and not stale(fmt) else None


def stale(fmt) -> bool:
    """A packed format unpickled from an index written before its values were packed
    (or packed another way)."""
    return isinstance(fmt, PackedFormat) and getattr(fmt, "packing", None) != PACKING


def bulk_records(values: list[bytes], record: int) -> tuple[np.ndarray, np.ndarray]:
    """Many packed values decoded at once: (occurrences per value, one row of `record`
    integers per occurrence, value after value), with no Python step per value or
    occurrence."""
    if not values:
        return np.zeros(0, np.int64), np.zeros((0, record), np.int64)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    firsts = np.cumsum(lengths) - lengths
    widths = buf[firsts].astype(np.int64)
    counts = (lengths - 1) // (widths * record)
    owner = np.repeat(np.arange(len(values)), counts)
    nth = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = widths[owner][:, None]
    at = (firsts[owner] + 1)[:, None] + (nth[:, None] * record + np.arange(record)) * width
    numbers = buf[at].astype(np.int64) | (buf[at + 1].astype(np.int64) << 8)
    wide = np.flatnonzero(width[:, 0] == 4)
    if len(wide):
        at = at[wide]
        numbers[wide] |= (buf[at + 2].astype(np.int64) << 16) | (buf[at + 3].astype(np.int64) << 24)
    return counts, numbers
