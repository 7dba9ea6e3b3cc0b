"""The rules of the reference model (`fakeqpu.testing.model`): its constants, numbers and refusals.

Written from the rules, not from fakeqpu's engine: the seed ("Run jobs in a session"),
``shared/reference/semantics.md`` §1–3 and ``docs/fidelity.md`` (its CHOSEN rules included). The model
keeps nothing but a log of what the caller did and when; every question is answered by replaying that
log on one QPU and reading the answer off the resulting job intervals. Replaying from scratch makes the
model independent of how time was stepped.

The rules, as modelled (``sem`` = semantics.md, ``fid`` = docs/fidelity.md):

R1  A new session is ``open``, accepts jobs, has no start, activation or close instant, no usage, and
    one timestamp, ``open`` at its creation. Its max TTL is the one asked for, capped silently at the
    system maximum (sem §1.3, fid).
R2  One job at a time on the QPU, in submission order; but while a *dedicated* session is ``active``
    it holds the QPU, during its jobs and its interactive window: only its own jobs start (fid,
    sem §2). Batch jobs hold nothing; they queue with everyone else (sem §2).
R3  A session job that starts while its session is not active activates it: ``activated_at`` is that
    instant, and the first one is also ``started_at``, when the max TTL timer starts; it never pauses
    (seed, sem §1.2).
R4  An active session with no job queued or running deactivates (``inactive``) when its interactive
    TTL has passed since its last job ended; a job submitted within the window keeps it active. The
    window is half-open: a job submitted at the very instant it lapses finds the session inactive (the
    documented order, R12). Dedicated sessions: 60 s; batches: 1 s (sem §1.3).
R5  At ``started_at + max_ttl`` the session closes (``max_ttl_reached``): the running job finishes,
    queued jobs end ``Failed`` with reason code 1217 (seed, sem §1.4, fid).
R6  Idle close after 30 minutes (``idle_timeout``): a dedicated session that is not active and has
    nothing queued or running closes 30 minutes after the latest of its creation, its last job
    submission and the end of its last job that ran ("do not submit any jobs to it for 30 minutes",
    seed; fid). A batch closes so only if it was never given a job; an inactive batch stays inactive
    (fid, sem §1.2 issue #1822).
R7  ``close()``: the session stops accepting jobs. With nothing queued or running it is ``closed`` at
    once (``session_closed_early``); otherwise ``pending_closed``, its jobs still run, and it closes
    when the last of them ends (``jobs_completed``) (seed, sem §1.2, fid).
R8  ``cancel()``: ``closed`` at once (``cancelled``); queued jobs end ``Cancelled`` with 1217; the
    running job finishes (seed, sem §1.4, fid).
R9  A job is accepted only by a session that accepts jobs: not closed, not closing (seed, sem §1.5).
R10 ``job.cancel()`` on a queued or running job: ``Cancelled`` at once, no reason; a cancelled running
    job frees the QPU and its end counts as the session's last job end. A final job cannot be
    cancelled (fid, sem §4.3). Ending the last job of a ``pending_closed`` session closes it (R7).
R11 Usage. Dedicated: wall clock from each activation until it ends; it ends at the deactivation or
    the close, or when the session's last running job completes, whichever happens last (sem §1.6:
    "It starts when the first session job starts and ends when the session goes inactive, is closed,
    or when the last job completes, whichever happens last"). Batch: the sum of its jobs' QPU time
    (sem §1.6). ``None`` until the session first starts (fid).
R12 Events of one instant: job ends, then session timers (a max TTL before the others), then job
    starts. A request made at ``t`` sees every event due at or before ``t`` (fid, "Time").
R13 State words: ``closed``; else ``pending_closed`` when not accepting; else ``active``; else
    ``inactive`` once started; else ``open``. ``pending_inactive`` is never used (fid). The client's
    ``status()`` words follow sem §1.1.
R14 ``timestamps`` list every state the session enters, with the instant (fid, sem §1.7).
R15 ``last_job_started`` / ``last_job_completed``: the latest start / end of a session job that ran
    on the QPU; a job that never ran has neither (sem §4.2).
R16 ``active_ttl``: the max TTL left, in whole seconds: all of it before the start, then
    ``max_ttl - floor(seconds since started_at)`` (fid, CHOSEN). Only defined while not closed.

Not modelled: the Open Plan (sessions in job mode), max execution time (1305), invalid input, usage
limits, other users' load, more than one backend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DEDICATED = "dedicated"
BATCH = "batch"

OPEN = "open"
ACTIVE = "active"
INACTIVE = "inactive"
PENDING_CLOSED = "pending_closed"
CLOSED = "closed"

QUEUED = "Queued"
RUNNING = "Running"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELLED = "Cancelled"
FINAL = frozenset({COMPLETED, FAILED, CANCELLED})

SESSION_CLOSED_CODE = 1217  # "Session has been closed." (sem §1.4)

# state_reason words: the first is IBM's (sem §1.2), the others fakeqpu's CHOSEN ones (fid).
REASON_CLOSED_EARLY = "session_closed_early"
REASON_MAX_TTL = "max_ttl_reached"
REASON_IDLE = "idle_timeout"
REASON_CANCELLED = "cancelled"
REASON_JOBS_DONE = "jobs_completed"

HOUR = 3600.0


class ModelError(Exception):
    """An operation the documented rules refuse."""


class SessionNotAccepting(ModelError):
    """R9: the session is closed or closing; the job is rejected and never exists."""


class JobNotCancellable(ModelError):
    """R10: the job is already final."""


@dataclass(frozen=True)
class Rules:
    """The numbers of one plan instance (sem §1.3; idle time from the seed)."""

    interactive_ttl: float = 60.0  # dedicated sessions
    max_ttl: float = 8 * HOUR  # dedicated sessions: the default and the system maximum
    batch_interactive_ttl: float = 1.0
    batch_max_ttl: float = 8 * HOUR
    idle_timeout: float = 30 * 60.0
    # R11: a dedicated session's usage runs on past a close (max TTL, cancel) until the session's running
    # job completes, "whichever happens last" (sem §1.6). False: it stops at the close.
    usage_until_last_job: bool = True

    @classmethod
    def for_plan(
        cls, plan: str = "premium", *, interactive_ttl: float | None = None, max_ttl: float | None = None
    ) -> Rules:
        """A paid plan's defaults, with an instance's configured values ("might be configured", seed).

        ``interactive_ttl`` changes the dedicated sessions' window (a batch's cannot be configured,
        sem §1.3); ``max_ttl`` is the instance's system maximum, for sessions and batches alike.
        """
        if plan not in ("premium", "flex", "paygo"):
            raise ValueError(f"the model covers the paid plans (premium, flex, paygo), not {plan!r}")
        rules = cls()
        if interactive_ttl is not None:
            rules = replace(rules, interactive_ttl=float(interactive_ttl))
        if max_ttl is not None:
            rules = replace(rules, max_ttl=float(max_ttl), batch_max_ttl=float(max_ttl))
        return rules

    def window(self, mode: str) -> float:
        return self.interactive_ttl if mode == DEDICATED else self.batch_interactive_ttl

    def cap(self, mode: str) -> float:
        return self.max_ttl if mode == DEDICATED else self.batch_max_ttl
