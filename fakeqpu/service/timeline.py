"""An ordered record of session and job transitions on virtual time, readable at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


class Transitions(list[Transition]):
    """Transitions in time order; `str()` renders them with offsets from the first."""

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

    def entries(self) -> Transitions:
        """Every transition in time order (for one instant: the order they happened in)."""
        return Transitions(sorted(self._entries, key=lambda t: t.at))


def _hms(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    tenths = round((seconds - whole) * 10)
    return f"{hours}:{minutes:02d}:{secs:02d}" + (f".{tenths}" if 0 < tenths < 10 else "")
