"""An account kept in a state dir: what is recorded, how a restart replays it, and which options it keeps.

The fake is deterministic: the same options (seed included), the same requests and the same clock
moves give the same ids, states, timestamps and results (a job's results are computed lazily from its
own seed). So the account is kept as a journal of what changed it, each entry with the virtual instant
it was applied at, and a restart replays the journal into a fresh fake built from the recorded options:

- `req`: a runtime API request that may change the model (any method but GET/HEAD, not answered by
  an injected HTTP fault; a refused one too, as a refusal may use up a `fail_jobs(at="submit")`
  fault), and a private job's results read (IBM serves them once); replayed through the app, so
  every rule applies as it did;
- `call`: a control that changes the model (`set_backend_status`, `add_background_load`,
  `fail_jobs`, `clear_faults`), from Python or from the control API, with JSON arguments;
- `t`: the clock, after every request that moved it (reads included: the client saw that instant) and
  after every explicit move (`advance`, `travel_to`).

What is not the account is not kept: the request log, pending HTTP faults, the still-poll guard and
token expiry are answers of one process (docs/server.md, "Keeping the account's state").
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.errors import envelope
from fakeqpu.api.http import Request, Response
from fakeqpu.backend_data import default_fleet
from fakeqpu.clock import Clock
from fakeqpu.options import RuntimeOptions
from fakeqpu.service.runtime import RuntimeService
from fakeqpu.state.journal import FORMAT, VERSION, Journal, StateDirError, read

log = logging.getLogger("fakeqpu")

# The options that make the fake what it is; the test budgets and the state dir itself are not kept.
KEPT_OPTIONS = tuple(
    name for name in RuntimeOptions.names() if name not in (*RuntimeOptions.TEST_BUDGETS, "state_dir")
)
# The model's controls a journal records (and replays by name); the others change answers only.
RECORDED_CALLS = ("set_backend_status", "add_background_load", "fail_jobs", "clear_faults", "add_history")

_RUNTIME_HOST = re.compile(r"(^|\.)quantum\.(test\.)?cloud\.ibm\.com$")
_RESULTS = re.compile(r"/api/v1/jobs/([^/]+)/results/?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fakeqpu")
    except PackageNotFoundError:
        return "unknown"


def _us(when: datetime) -> int:
    return (when - _EPOCH) // _US


def _instant(us: int) -> datetime:
    return _EPOCH + us * _US


class Account:
    """The journal of one fake's account: opened (and replayed) with the fake, closed with it."""

    def __init__(self, journal: Journal, options: RuntimeOptions, records: list[dict[str, Any]]) -> None:
        self.journal = journal
        self.options = options  # the recorded ones, with this start's test budgets and state dir
        self._records = records
        self._last_us = 0
        self._lock: threading.RLock | None = None
        self._app: FakeIbmCloud | None = None
        self._clock: Clock | None = None
        self._in_request = False  # auto_tick's clock moves are part of the request being recorded
        self._broken: str | None = None  # why the journal could not be written: the fake fails closed

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, options: RuntimeOptions, *, fresh: bool = False, unset: Mapping[str, Any] | None = None
    ) -> Account:
        """The account in `options.state_dir`: the recorded one (options checked against it), or a new
        one when the dir holds none or `fresh` (a reset) says to start again. `unset`: values a new
        account takes for options left None (server mode's auto_tick); a recorded account keeps its own."""
        assert options.state_dir is not None
        directory = Path(options.state_dir)
        journal = Journal(directory)  # locks the dir
        try:
            found = None if fresh else read(directory)
            if found is None:
                options = _concrete(options, unset or {})
                journal.create(
                    {
                        "format": FORMAT,
                        "version": VERSION,
                        "fakeqpu": _version(),
                        "created": datetime.now(UTC).isoformat(),
                        "options": _options_json(options),
                    }
                )
                return cls(journal, options, [])
            header, records, good = found
            options = _resolve(directory, options, header.get("options"))
            journal.resume(good)
            return cls(journal, options, records)
        except BaseException:
            journal.close()
            raise

    def attach(self, app: FakeIbmCloud, model: RuntimeService, clock: Clock) -> None:
        """Replay the journal into this freshly built fake, then record what changes it from now on."""
        self._app, self._clock, self._lock = app, clock, model.lock
        self._last_us = _us(clock.now())
        for number, record in enumerate(self._records, start=2):
            try:
                self._replay(record, model)
            except Exception as error:  # a record this fakeqpu cannot apply: say so, never a traceback
                raise StateDirError(
                    f"state dir {self.journal.directory}: record {number} cannot be replayed ({error!r}). "
                    "Move the state dir away and start a new one."
                ) from None
        self._records = []
        model.sync()
        app.request_log.clear()  # this process's requests; the replayed ones were another's
        app.requests_served = 0
        for name in RECORDED_CALLS:
            setattr(model, name, self._recording(name, getattr(model, name)))
        for name in ("advance", "travel_to"):
            setattr(clock, name, self._clock_move(getattr(clock, name)))

    def _replay(self, record: Mapping[str, Any], model: RuntimeService) -> None:
        assert self._app is not None
        if "at" in record:
            self._travel(int(record["at"]))
        if "req" in record:
            self._app.handle(_request(record["req"]))
        elif "call" in record:
            name = record["call"]
            if name not in RECORDED_CALLS:
                raise ValueError(f"unknown control {name!r}")
            getattr(model, name)(**_from_json(record["args"]))
        elif "t" in record:
            self._travel(int(record["t"]))
        else:
            raise ValueError("a record of no known kind")
        assert self._clock is not None
        self._last_us = _us(self._clock.now())

    def _travel(self, us: int) -> None:
        assert self._clock is not None
        if us > _us(self._clock.now()):
            self._clock.travel_to(_instant(us))

    # -- recording -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The app's answer to `request`, recorded before it is returned (one request at a time, so
        the journal's order is the order the fake applied them in)."""
        assert self._app is not None and self._lock is not None and self._clock is not None
        with self._lock:
            if self._broken is not None:
                return self._refusal()
            self._in_request = True
            try:
                response = self._app.handle(request)
            finally:
                self._in_request = False
            try:
                if self._changes_model(request, response):
                    # The instant the app synced the model to before it acted (its request log says),
                    # not the clock before the call: another thread's sleep may move the clock between.
                    at = _us(self._app.request_log[-1].at)
                    self.journal.append({"at": at, "req": _request_json(request)}, durable=True)
                    self._last_us = _us(self._clock.now())
                else:
                    self._note_clock(durable=False)
            except OSError as error:
                # Not kept, so not acknowledged: the model in memory is now ahead of the disk, and a
                # retry would get ids a restart gives differently. Fail closed until a restart.
                self._broken = f"{type(error).__name__}: {error}"
                log.error("fakeqpu: state dir %s could not be written (%s)", self.journal.directory, error)
                return self._refusal()
            return response

    def _refusal(self) -> Response:
        assert self._app is not None
        return envelope(
            500,
            1000,
            f"API Internal error: fakeqpu could not write its state dir {self.journal.directory} "
            f"({self._broken}), so it answers no request until it is restarted.",
            "Free the disk (or fix the directory's permissions) and restart the fake: the account "
            "restarts as it was at its last answered change.",
            self._app.service.trace_id(),
        )

    def _changes_model(self, request: Request, response: Response) -> bool:
        assert self._app is not None
        if response.error is not None or not _RUNTIME_HOST.search(request.host):
            return False
        log = self._app.request_log
        if log and log[-1].fault:  # answered by an injected HTTP fault: the model never saw it
            return False
        if request.method in ("GET", "HEAD"):
            found = _RESULTS.search(request.path)
            return bool(found and response.status == 200 and self._private(found.group(1)))
        return True

    def _private(self, job_id: str) -> bool:
        assert self._app is not None
        try:
            return bool(self._app.service.job(job_id).private)
        except Exception:
            return False

    def _note_clock(self, *, durable: bool) -> None:
        assert self._clock is not None
        if self.journal.closed:  # the clock of a stopped fake is the caller's to move; nothing is kept
            return
        now = _us(self._clock.now())
        if now > self._last_us:
            self.journal.append({"t": now}, durable=durable)
            self._last_us = now

    def _recording(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            arguments = _to_json(name, signature.bind(*args, **kwargs).arguments)  # before anything changes
            assert self._lock is not None and self._clock is not None
            with self._lock:
                if self._broken is not None:
                    raise StateDirError(f"{name}(): state dir {self.journal.directory}: {self._broken}")
                if self.journal.closed:
                    raise StateDirError(
                        f"{name}(): this fake's state dir is closed (the fake was stopped), so the change "
                        "could not be kept: start the fake again first"
                    )
                at = _us(self._clock.now())
                result = method(*args, **kwargs)
                try:
                    self.journal.append({"at": at, "call": name, "args": arguments}, durable=True)
                except OSError as error:
                    self._broken = f"{type(error).__name__}: {error}"
                    raise StateDirError(
                        f"{name}(): state dir {self.journal.directory} could not be written ({error}): the "
                        "change is not kept, and the fake answers no request until it is restarted"
                    ) from None
                self._last_us = max(self._last_us, at)
                return result

        return recorded

    def _clock_move(self, method: Callable[..., datetime]) -> Callable[..., datetime]:
        @functools.wraps(method)
        def moved(*args: Any, **kwargs: Any) -> datetime:
            assert self._lock is not None
            with self._lock:
                result = method(*args, **kwargs)
                if not self._in_request:
                    self._note_clock(durable=True)
                return result

        return moved

    def close(self) -> None:
        """Record the clock's last instant (a clean stop keeps even moves no request saw), and unlock."""
        if self.journal.closed:
            return
        if self._clock is not None and self._lock is not None:
            with self._lock:
                self._note_clock(durable=True)
        self.journal.close()


# -- options -------------------------------------------------------------------------------------------


def _concrete(options: RuntimeOptions, unset: Mapping[str, Any]) -> RuntimeOptions:
    """What a new journal records: a replay needs a seed and a start instant, so none is left random."""
    if callable(options.job_duration):
        raise StateDirError(
            "job_duration is a Python callable, which a state dir cannot keep (a restart would not know "
            "it): give a number of seconds, or leave the state dir out"
        )
    seed = options.seed if options.seed is not None else secrets.randbits(32)
    start = options.start or datetime.now(UTC).replace(microsecond=0)
    filled = {name: value for name, value in unset.items() if getattr(options, name) is None}
    return replace(options, seed=seed, start=start, **filled)


def _options_json(options: RuntimeOptions) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name in KEPT_OPTIONS:
        value = getattr(options, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        kept[name] = value
    return kept


def _resolve(directory: Path, given: RuntimeOptions, recorded: Any) -> RuntimeOptions:
    """The recorded options; an option given with another value than recorded is refused."""
    if not isinstance(recorded, dict) or set(recorded) - set(KEPT_OPTIONS):
        unknown = sorted(set(recorded) - set(KEPT_OPTIONS)) if isinstance(recorded, dict) else recorded
        raise StateDirError(
            f"state dir {directory}: the journal records options this fakeqpu lacks: {unknown}"
        )
    try:
        kept = RuntimeOptions.from_kwargs(recorded)
    except (TypeError, ValueError) as error:
        raise StateDirError(f"state dir {directory}: its recorded options no longer apply: {error}") from None
    defaults = {f.name: f.default for f in fields(RuntimeOptions)}
    defaults["backends"] = default_fleet()
    differ = []
    for name in KEPT_OPTIONS:
        value = getattr(given, name)
        if value != defaults[name] and value != getattr(kept, name):
            differ.append(f"{name}={value!r} (recorded: {getattr(kept, name)!r})")
    if differ:
        raise StateDirError(
            f"state dir {directory} keeps an account made with other options: {'; '.join(differ)}. "
            "Leave these options out (the recorded ones apply), or use another state dir."
        )
    budgets = {name: getattr(given, name) for name in (*RuntimeOptions.TEST_BUDGETS, "state_dir")}
    return replace(kept, **budgets)


# -- records ---------------------------------------------------------------------------------------------


def _request_json(request: Request) -> dict[str, Any]:
    try:
        body: dict[str, Any] = {"body": request.body.decode()}
    except UnicodeDecodeError:
        body = {"body_latin1": request.body.decode("latin-1")}
    return {
        "method": request.method,
        "url": request.url,
        "headers": request.headers,
        **body,
        "instance_hint": request.instance_hint,
    }


def _request(data: Mapping[str, Any]) -> Request:
    body = data["body"].encode() if "body" in data else data["body_latin1"].encode("latin-1")
    return Request(data["method"], data["url"], dict(data["headers"]), body, data.get("instance_hint"))


def _to_json(name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in arguments.items():
        if isinstance(value, datetime):
            out[key] = {"$datetime": value.isoformat()}
        elif _plain(value) or (isinstance(value, list | tuple) and all(_plain(item) for item in value)):
            out[key] = list(value) if isinstance(value, tuple) else value
        else:
            raise StateDirError(
                f"{name}({key}={value!r}): a state dir keeps only JSON values (numbers, strings, "
                "datetimes, lists of them), as a restart replays the call; a Python callable cannot be kept"
            )
    return out


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _from_json(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: datetime.fromisoformat(value["$datetime"]) if isinstance(value, dict) else value
        for key, value in arguments.items()
    }
