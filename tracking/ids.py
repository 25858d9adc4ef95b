"""Time-ordered event ids (UUID version 7, RFC 9562): 48 bits of milliseconds, then random.

Ids that increase with time land at the right edge of the dedupe index instead of on a
random page of it, which keeps inserts cheap as the table grows. Our pages (track.js), the
pixel and the click redirect make such ids; partners may send any id.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7(ms: int | None = None) -> uuid.UUID:
    ms = time.time_ns() // 1_000_000 if ms is None else ms
    value = (ms & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
