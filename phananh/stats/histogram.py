"""Resolution-time histograms stored as a few bytes in each rollup row.

One count per bucket of measures.HOUR_EDGES, as little-endian 32-bit
integers with trailing zero buckets left off. Summing a year of a few
hundred units' histograms is then a fast loop over small arrays instead of
a GROUP BY over hundreds of thousands of (unit, month, bucket) rows
(measured in bench/bench_stats.py).
"""

import operator
import sys
from array import array

from . import measures

_TYPE = "I" if array("I").itemsize == 4 else "L"


def decode(blob):
    """Counts per bucket, as a list (possibly shorter than BUCKETS)."""
    counts = array(_TYPE)
    counts.frombytes(bytes(blob or b""))
    if sys.byteorder != "little":
        counts.byteswap()
    return counts.tolist()


def encode(counts):
    """Bytes for a list of counts per bucket, trailing zeros dropped."""
    end = len(counts)
    while end and not counts[end - 1]:
        end -= 1
    packed = array(_TYPE, counts[:end])
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def add(total, blob):
    """Add the counts in `blob` to the list `total` (in place; grows it)."""
    counts = decode(blob)
    width = len(counts)
    if width > len(total):
        total.extend([0] * (width - len(total)))
    total[:width] = map(operator.add, total[:width], counts)
    return total


def as_dict(counts):
    """{bucket: count} of the non-empty buckets."""
    return {bucket: count for bucket, count in enumerate(counts) if count}


def changed(blob, changes):
    """The bytes after applying {bucket: change}; raises on a negative count."""
    counts = decode(blob)
    width = max(changes) + 1 if changes else 0
    if width > len(counts):
        counts.extend([0] * (width - len(counts)))
    for bucket, change in changes.items():
        counts[bucket] += change
        if counts[bucket] < 0:
            raise ValueError(f"bucket {bucket} would go negative")
    assert len(counts) <= measures.BUCKETS
    return encode(counts)
