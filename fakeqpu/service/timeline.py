"""An ordered record of session and job transitions on virtual time, readable at a glance."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Transition:
    at: datetime
    kind: str  # "session" or "job"
    subject: str  # the session or job id
    state: str
    reason: str | None = None

    def __str__(self) -> str:
        suffix = f"  ({self.reason})" if self.reason else ""
        return f"{self.at:%Y-%m-%d %H:%M:%S}  {self.kind:<7} {self.subject:<36}  {self.state}{suffix}"


@dataclass(frozen=True)
class Subject:
    """What the picture needs to know of a session or job besides its transitions."""

    kind: str  # "session" or "job"
    backend: str
    session_id: str | None = None  # a job's session
    mode: str | None = None  # a session's mode
    max_ttl_deadline: datetime | None = None  # a session's, once it has started


class Transitions(list[Transition]):
    """Transitions in time order; `str()` renders them with offsets from the first.

    `to_svg()` draws them as a Gantt chart per backend, `save(path)` writes `.svg`, `.html` or text.
    """

    subjects: dict[str, Subject]
    end: datetime | None

    def __init__(
        self,
        entries: list[Transition] | None = None,
        subjects: dict[str, Subject] | None = None,
        end: datetime | None = None,
    ) -> None:
        super().__init__(entries or [])
        self.subjects = subjects or {}
        self.end = end  # the model's now when taken: where open bars stop

    def to_svg(self) -> str:
        """A Gantt chart: per backend, sessions as bands coloured by state, their jobs as bars
        coloured by final state (queued time thin), max-TTL deadlines as dashed red lines."""
        from fakeqpu.service.gantt import gantt_svg

        return gantt_svg(self)

    def save(self, path: str | Path) -> Path:
        """Write the picture: `.svg`, `.html` (the picture and the text timeline), else the text."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".svg":
            target.write_text(self.to_svg())
        elif target.suffix in (".html", ".htm"):
            target.write_text(
                '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>fakeqpu timeline</title></head>'
                f"<body>{self.to_svg()}<pre>{html.escape(self.render())}</pre></body></html>\n"
            )
        else:
            target.write_text(self.render() + "\n")
        return target

    def render(self) -> str:
        if not self:
            return "(no transitions)"
        origin = self[0].at
        return "\n".join(f"+{_hms((t.at - origin).total_seconds()):>9}  {t}" for t in self)

    def __str__(self) -> str:
        return self.render()


class Timeline:
    def __init__(self) -> None:
        self._entries: list[Transition] = []

    def add(self, at: datetime, kind: str, subject: str, state: str, reason: str | None = None) -> None:
        self._entries.append(Transition(at, kind, subject, state, reason))

    def entries(self, subjects: dict[str, Subject] | None = None, end: datetime | None = None) -> Transitions:
        """Every transition in time order (for one instant: the order they happened in)."""
        return Transitions(sorted(self._entries, key=lambda t: t.at), subjects, end)


def _hms(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    tenths = round((seconds - whole) * 10)
    return f"{hours}:{minutes:02d}:{secs:02d}" + (f".{tenths}" if 0 < tenths < 10 else "")
