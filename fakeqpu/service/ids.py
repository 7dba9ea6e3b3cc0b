"""Deterministic identifiers: the same seed and the same calls give the same ids.

Each kind of id has its own random stream, so that (say) an error's trace id does not shift the
ids of the jobs submitted after it.
"""

from __future__ import annotations

import random
import uuid

_JOB_ALPHABET = "0123456789abcdefghijklmnopqrstuv"  # IBM job ids: 20 characters of base32hex


class IdFactory:
    def __init__(self, seed: int | str | None) -> None:
        root = seed if seed is not None else random.SystemRandom().getrandbits(64)
        self._root = root
        self._streams = {
            kind: random.Random(f"{root}:{kind}") for kind in ("job", "session", "trace", "seed")
        }

    def derived(self, name: str) -> IdFactory:
        """Ids of their own for `name` (an account's history): they shift none of these streams."""
        return IdFactory(f"{self._root}:{name}")

    def job_id(self) -> str:
        rng = self._streams["job"]
        return "".join(rng.choice(_JOB_ALPHABET) for _ in range(20))

    def session_id(self) -> str:
        return str(uuid.UUID(int=self._streams["session"].getrandbits(128), version=4))

    def trace_id(self) -> str:
        return str(uuid.UUID(int=self._streams["trace"].getrandbits(128), version=4))

    def simulation_seed(self) -> int:
        return self._streams["seed"].getrandbits(32)
