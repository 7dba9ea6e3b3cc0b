"""`chunk_timing` on the virtual clock: one chunk per item, the job's run split by executions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def chunk_spans(shapes: Sequence[tuple[int, ...]], start: datetime, stop: datetime) -> list[dict[str, Any]]:
    """A span per item with elements, in item order; each lasts its share of [start, stop]."""
    sizes = [math.prod(shape) for shape in shapes]
    total = sum(sizes) or 1
    spans: list[dict[str, Any]] = []
    done = 0
    for index, size in enumerate(sizes):
        if not size:
            continue
        begin = start + (stop - start) * (done / total)
        done += size
        end = start + (stop - start) * (done / total)
        spans.append(
            {
                "start": begin,
                "stop": end,
                "parts": [
                    {
                        "idx_item": index,
                        "size": size,
                        "permutation": list(range(len(shapes[index]))),
                        "element_range": (0, size, 1),
                    }
                ],
            }
        )
    return spans
