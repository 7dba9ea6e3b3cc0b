"""Field checks shared by the service's operations: every value is checked before anything is stored.

Each helper returns the value in the form the model keeps, or raises IBM's 1208 validation error.
Numbers must be finite and in range: a NaN or an infinity stored once would break every later
time computation, and an integer of hundreds of digits overflows `float()` and `timedelta`.
"""

from __future__ import annotations

import math
from typing import Any

from fakeqpu.service import errors

# The largest number of seconds any duration field may carry: far above every plan's limits, far below
# what `timedelta` and `datetime` arithmetic can hold.
MAX_SECONDS = 10**9
MAX_TAGS = 8
MAX_TAG_LENGTH = 86


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_seconds(value: Any, name: str, *, minimum: float = 0.0, allow_zero: bool = True) -> float:
    """A finite number of seconds in [minimum, MAX_SECONDS] (strictly positive unless `allow_zero`)."""
    if not is_number(value):
        raise errors.validation_error(f"{name} must be a number of seconds.")
    if isinstance(value, int) and abs(value) > MAX_SECONDS:
        raise errors.validation_error(f"{name} must be at most {MAX_SECONDS} seconds.")
    seconds = float(value)
    if not math.isfinite(seconds):
        raise errors.validation_error(f"{name} must be a finite number.")
    if seconds < minimum or (not allow_zero and seconds <= 0):
        raise errors.validation_error(f"{name} must be a positive number of seconds.")
    if seconds > MAX_SECONDS:
        raise errors.validation_error(f"{name} must be at most {MAX_SECONDS} seconds.")
    return seconds


def positive_int_seconds(value: Any, name: str) -> int:
    """A whole number of seconds >= 1 (a float is truncated, as before); finite and in range."""
    seconds = finite_seconds(value, name, minimum=1.0)
    return int(seconds)


def optional_string(value: Any, name: str, *, max_length: int = 1024) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.validation_error(f"{name} must be a string.")
    if len(value) > max_length:
        raise errors.validation_error(f"{name} must be at most {max_length} characters.")
    return value


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise errors.validation_error(f"{name} must be a boolean.")
    return value


def max_ttl_seconds(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SECONDS:
        return MAX_SECONDS  # capped at the plan's limit right after, like any too-long max_ttl
    return positive_int_seconds(value, "max_ttl")


def estimate_seconds(seconds: float) -> float:
    """IBM's duration estimate, kept finite: an absurd option (a huge rep_delay) cannot break time."""
    if not math.isfinite(seconds) or seconds < 0:
        raise errors.validation_error("the job's options give no finite duration estimate.")
    return round(min(seconds, float(MAX_SECONDS)), 3)


def job_fields(private: Any, log_level: Any, runtime: Any, calibration_id: Any) -> dict[str, Any]:
    return {
        "private": boolean(False if private is None else private, "private"),
        "log_level": optional_string(log_level, "log_level", max_length=16) or "WARNING",
        "runtime": optional_string(runtime, "runtime") or "",
        "calibration_id": optional_string(calibration_id, "calibration_id"),
    }


def tag_list(tags: Any) -> list[str]:
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise errors.validation_error("tags must be a list of strings.")
    if len(tags) > MAX_TAGS:
        raise errors.too_many_tags(MAX_TAGS)
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise errors.tag_too_long(MAX_TAG_LENGTH)
    return list(tags)
