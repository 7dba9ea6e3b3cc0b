"""The timeline as a picture: a hand-written SVG Gantt chart, one section per backend.

Hand-written rather than drawn with matplotlib or plotly: a chart of rectangles and labels is ~150
lines of SVG text, adds no dependency (matplotlib is ~40 MB and seconds to import), and gives the
same bytes for the same timeline, so a test can assert on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeqpu.service.timeline import Transitions

SESSION_COLOURS = {
    "open": "#d9d9d9",
    "active": "#9ecae1",
    "inactive": "#f2e394",
    "pending_closed": "#c6b3e6",
    "closed": "#ffffff",
}
JOB_COLOURS = {"Completed": "#2ca02c", "Failed": "#d62728", "Cancelled": "#ff7f0e", "Running": "#1f77b4"}
QUEUED_COLOUR = "#bdbdbd"
LEFT, TOP, WIDTH, ROW, SECTION_GAP = 260, 40, 900, 22, 18


@dataclass
class _Job:
    id: str
    created: datetime
    started: datetime | None = None
    finished: datetime | None = None
    status: str = "Queued"
    reason: str | None = None


@dataclass
class _Session:
    id: str
    mode: str
    deadline: datetime | None
    states: list[tuple[datetime, str]] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)


def gantt_svg(timeline: Transitions) -> str:
    if not timeline:
        return _svg(320, 60, ['<text x="10" y="35">(no transitions)</text>'])
    origin = timeline[0].at
    end = max(timeline.end or timeline[-1].at, timeline[-1].at)
    sessions, jobs = _collect(timeline)
    span = max((end - origin).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return LEFT + (at - origin).total_seconds() / span * WIDTH

    rows: list[str] = []
    y = TOP
    for backend in sorted({timeline.subjects[k].backend for k in (*sessions, *jobs)}):
        rows.append(f'<text x="10" y="{y + 14}" font-weight="bold">{escape(backend)}</text>')
        y += ROW
        for session in (s for s in sessions.values() if timeline.subjects[s.id].backend == backend):
            band_top = y
            label = f"{session.mode} {session.id[:14]}"
            rows.append(f'<text x="20" y="{y + 14}">{escape(label)}</text>')
            for (start, state), stop in zip(
                session.states, [t for t, _ in session.states[1:]] + [end], strict=True
            ):
                if state == "closed":
                    continue
                rows.append(
                    _rect(
                        x(start),
                        y + 2,
                        x(stop) - x(start),
                        ROW - 4,
                        SESSION_COLOURS.get(state, "#eee"),
                        f"session {session.id}: {state} from +{_offset(start, origin)}",
                    )
                )
            y += ROW
            for job in session.jobs:
                rows.extend(_job_row(job, y, x, end, origin))
                y += ROW
            still_open = session.states[-1][1] != "closed"
            if session.deadline is not None and session.deadline > end and still_open:  # ahead: point at it
                rows.append(
                    f'<text x="{LEFT + WIDTH + 4}" y="{band_top + 14}" fill="#d62728" font-size="10">'
                    f"max TTL +{_offset(session.deadline, origin)} &#8594;</text>"
                )
            elif (
                session.deadline is not None
                and session.deadline <= end
                and (still_open or session.states[-1][0] >= session.deadline)
            ):
                dx = x(session.deadline)
                rows.append(
                    f'<line x1="{dx:.1f}" y1="{band_top}" x2="{dx:.1f}" y2="{y}" stroke="#d62728" '
                    f'stroke-dasharray="4,3" stroke-width="1.5"><title>max TTL of {escape(session.id)} at '
                    f"+{_offset(session.deadline, origin)}</title></line>"
                )
        alone = [
            j
            for j in jobs.values()
            if timeline.subjects[j.id].backend == backend and timeline.subjects[j.id].session_id is None
        ]
        if alone:
            rows.append(f'<text x="20" y="{y + 14}">job mode</text>')
            y += ROW
            for job in alone:
                rows.extend(_job_row(job, y, x, end, origin))
                y += ROW
        y += SECTION_GAP
    axis = _axis(origin, span, y)
    legend = _legend(y + 30)
    return _svg(LEFT + WIDTH + 110, y + 60, [*axis, *rows, *legend])


def _collect(timeline: Transitions) -> tuple[dict[str, _Session], dict[str, _Job]]:
    sessions: dict[str, _Session] = {}
    jobs: dict[str, _Job] = {}
    for t in timeline:
        subject = timeline.subjects.get(t.subject)
        if subject is None:
            continue
        if t.kind == "session":
            session = sessions.setdefault(
                t.subject, _Session(t.subject, subject.mode or "", subject.max_ttl_deadline)
            )
            session.states.append((t.at, t.state))
        else:
            job = jobs.get(t.subject)
            if job is None:
                job = jobs[t.subject] = _Job(t.subject, t.at)
                if subject.session_id in sessions:
                    sessions[subject.session_id].jobs.append(job)
            if t.state == "Running":
                job.started = t.at
            elif t.state in JOB_COLOURS:
                job.finished = t.at
            job.status, job.reason = t.state, t.reason
    return sessions, jobs


def _job_row(job: _Job, y: int, x: Callable[[datetime], float], end: datetime, origin: datetime) -> list[str]:
    out = [f'<text x="40" y="{y + 14}" fill="#555">{escape(job.id[:20])}</text>']
    queued_until = job.started or job.finished or end
    if queued_until > job.created:
        out.append(
            _rect(
                x(job.created),
                y + 8,
                x(queued_until) - x(job.created),
                6,
                QUEUED_COLOUR,
                f"job {job.id}: queued from +{_offset(job.created, origin)}",
            )
        )
    if job.started is not None:
        stop = job.finished or end
        tip = f"job {job.id}: {job.status}" + (f" ({job.reason})" if job.reason else "")
        width = max(x(stop) - x(job.started), 2.0)
        out.append(_rect(x(job.started), y + 3, width, ROW - 6, JOB_COLOURS.get(job.status, "#1f77b4"), tip))
    elif job.finished is not None:  # never ran: a mark where it ended
        tip = f"job {job.id}: {job.status}" + (f" ({job.reason})" if job.reason else "")
        out.append(_rect(x(job.finished) - 1, y + 3, 3, ROW - 6, JOB_COLOURS.get(job.status, "#999"), tip))
    return out


def _axis(origin: datetime, span: float, bottom: int) -> list[str]:
    step = next(
        (s for s in (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400) if span / s <= 10),
        86400 * 7,
    )
    out = [f'<line x1="{LEFT}" y1="{TOP - 8}" x2="{LEFT + WIDTH}" y2="{TOP - 8}" stroke="#333"/>']
    tick = 0
    while tick <= span:
        tx = LEFT + tick / span * WIDTH
        out.append(f'<line x1="{tx:.1f}" y1="{TOP - 12}" x2="{tx:.1f}" y2="{bottom}" stroke="#eee"/>')
        out.append(
            f'<text x="{tx:.1f}" y="{TOP - 16}" text-anchor="middle" font-size="10">+{_hms(tick)}</text>'
        )
        tick += step
    return out


def _legend(y: int) -> list[str]:
    items = [(f"session {k}", v) for k, v in SESSION_COLOURS.items() if k != "closed"]
    items += [(f"job {k}", v) for k, v in JOB_COLOURS.items()] + [("job queued", QUEUED_COLOUR)]
    out, lx = [], 10
    for label, colour in items:
        out.append(_rect(lx, y - 10, 12, 12, colour, label))
        out.append(f'<text x="{lx + 16}" y="{y}" font-size="11">{escape(label)}</text>')
        lx += 16 + 7 * len(label) + 14
    out.append(
        f'<line x1="{lx}" y1="{y - 10}" x2="{lx}" y2="{y + 2}" stroke="#d62728" stroke-dasharray="4,3"/>'
    )
    out.append(f'<text x="{lx + 6}" y="{y}" font-size="11">max TTL</text>')
    return out


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{h:.1f}" fill="{fill}" '
        f'stroke="#666" stroke-width="0.5"><title>{escape(title)}</title></rect>'
    )


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">'
        f'<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>\n"
    )


def _offset(at: datetime, origin: datetime) -> str:
    return _hms((at - origin).total_seconds())


def _hms(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
