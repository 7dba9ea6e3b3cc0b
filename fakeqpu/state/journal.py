"""The state dir's file format: one append-only journal of checksummed JSON lines.

    DIR/journal.jsonl   line 1: the header {"format": "fakeqpu-state", "version": 1, "options": ...}
                        then one record per change, in the order the fake applied them
    DIR/.lock           held (flock) by the one process that has the account open

Each line is `<crc32 of the JSON, 8 hex digits> <JSON>\\n`. A line is written with one `write()` before
the request is answered, and `fdatasync`ed first when it records a change, so what a client was
answered is on disk. A process killed mid-write leaves at most its last line torn (no newline, or a
checksum that does not match): it was never answered, so reading drops it and the next append starts
where the good lines end. A bad line with good lines after it is not a torn write but damage, and
reading refuses it. The journal is created (and replaced, on reset) whole: written to a temporary
file, synced, and renamed over the old one, so a state dir is always a journal that loads.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMAT = "fakeqpu-state"
VERSION = 1  # the format this fakeqpu writes and reads; a newer one is refused with a clear error
FILE = "journal.jsonl"
LOCK = ".lock"

try:  # POSIX: one process at a time; elsewhere the lock is advisory only (not taken)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StateDirError(ValueError):
    """A state dir that cannot be used: damaged, of an unknown format version, in use, or made with
    other options. The message says which, and what to do."""


def encode(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return b"%08x " % zlib.crc32(text) + text + b"\n"


def _decode(line: bytes) -> dict[str, Any] | None:
    """The record of one whole line, or None when the line is damaged."""
    crc, space, text = line.partition(b" ")
    if not space or len(crc) != 8:
        return None
    try:
        if int(crc, 16) != zlib.crc32(text):
            return None
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def read(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]], int] | None:
    """(header, records, length of the good lines) of the journal in `directory`; None when it has none.

    A torn last line is dropped (the caller truncates it away before appending).
    """
    path = directory / FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    records: list[dict[str, Any]] = []
    good = 0
    lines = data.split(b"\n")
    # the piece after the last newline is b"" for a whole journal, else a torn line
    for number, line in enumerate(lines[:-1], start=1):
        record = _decode(line)
        if record is None:
            if number == len(lines) - 1 or not any(lines[number:]):
                break  # the last line: torn (a partly written or zero-filled tail), never acknowledged
            raise StateDirError(
                f"state dir {directory}: line {number} of {FILE} is damaged (its checksum does not match) "
                "and later lines follow it, so it is not a write cut short by a crash. Move the state dir "
                "away and start a new one."
            )
        records.append(record)
        good += len(line) + 1
    if not records:
        raise StateDirError(
            f"state dir {directory}: {FILE} has no readable header. It was not written by fakeqpu, or was "
            "damaged: move it away and start a new one."
        )
    header = records.pop(0)
    check_header(directory, header)
    return header, records, good


def check_header(directory: Path, header: Mapping[str, Any]) -> None:
    version = header.get("version")
    if header.get("format") != FORMAT or not isinstance(version, int) or isinstance(version, bool):
        raise StateDirError(f"state dir {directory}: {FILE} is not a fakeqpu state journal.")
    if version > VERSION:
        raise StateDirError(
            f"state dir {directory} is in format version {version}, written by a newer fakeqpu "
            f"({header.get('fakeqpu', 'unknown version')}); this fakeqpu reads format version {VERSION}. "
            "Upgrade fakeqpu, or start a new state dir."
        )
    if version < 1:
        raise StateDirError(f"state dir {directory}: unknown format version {version}.")


class Journal:
    """The open journal of one state dir: locked for this process, appended to, closed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self._lock_fd)
                raise StateDirError(
                    f"state dir {directory} is in use by another running fake (one process at a time "
                    "keeps an account): stop it first, or use another state dir."
                ) from None
        self._fd: int | None = None

    def create(self, header: Mapping[str, Any]) -> None:
        """A new journal holding only `header`, in place of any old one, atomically."""
        self._close_file()
        partial = self.directory / f".{FILE}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, encode(header))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, self.directory / FILE)
        _sync_directory(self.directory)
        self._open(None)

    def resume(self, good_length: int) -> None:
        """Append after the good lines (cutting a torn last line away first)."""
        self._open(good_length)

    def append(self, record: Mapping[str, Any], *, durable: bool) -> None:
        """One record; `durable`: synced to the disk before this returns (a change a client is told of)."""
        if self._fd is None:
            raise StateDirError(f"state dir {self.directory}: the journal is closed")
        _write_all(self._fd, encode(record))
        if durable:
            _datasync(self._fd)

    def close(self) -> None:
        self._close_file()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    @property
    def closed(self) -> bool:
        return self._lock_fd < 0

    def _open(self, good_length: int | None) -> None:
        path = self.directory / FILE
        if good_length is not None and path.stat().st_size != good_length:
            os.truncate(path, good_length)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        if good_length is not None:
            _datasync(self._fd)

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _datasync(fd: int) -> None:
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _sync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
