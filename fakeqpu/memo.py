"""Small bounded caches for what identical jobs would otherwise recompute (decode, prepare, cut).

A test suite submits the same few circuits again and again; these caches make a repeated job pay only
for its simulation. Each holds at most `size` entries (least recently used leave first), so memory
stays flat however many jobs run. Values must be treated as read-only by whoever gets them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Bounded(Generic[V]):
    """A thread-safe LRU mapping of at most `size` entries."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return value

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        cached = self.get(key)
        return cached if cached is not None else self.put(key, build())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ByIdentity(Generic[V]):
    """Values derived from an object, keyed by that object's identity (for unhashable objects such as
    circuits). The object is kept alongside its value, so its id cannot be reused while cached."""

    def __init__(self, size: int) -> None:
        self._cache: Bounded[tuple[object, V]] = Bounded(size)

    def get_or_build(self, owner: object, build: Callable[[], V], *key: Hashable) -> V:
        full_key = (id(owner), *key)
        cached = self._cache.get(full_key)
        if cached is not None and cached[0] is owner:
            return cached[1]
        return self._cache.put(full_key, (owner, build()))[1]
