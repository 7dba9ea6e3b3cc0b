"""`fakeqpu.serve()`: the fake as a real HTTP server, for clients in other processes.

The same app, model and clock as `mock_runtime()`, behind `server.HttpServer` instead of in-process
interception. A `FakeServer` runs in a thread of the process that made it (like moto's
`ThreadedMotoServer`); `fakeqpu serve` (cli.py) runs one in the foreground.

Time in server mode: the client sleeps for real between its polls, in its own process, so the fake
cannot see it wait. Instead each runtime API request moves the virtual clock `auto_tick` seconds
(1 s by default) before it is answered: a job finishes after a few polls, never after real seconds.
The test moves it further with `server.clock` or `POST /_fakeqpu/clock/advance`. The clock patches
nothing in the serving process: `datetime.now()` and `time.sleep()` stay real there.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fakeqpu.api.app import FakeIbmCloud
from fakeqpu.api.control import ControlApi, Controlled
from fakeqpu.api.http import Request, Response
from fakeqpu.clock import Clock
from fakeqpu.controls import Controls
from fakeqpu.mock import CRN, TOKEN, FakeRuntime
from fakeqpu.options import OptionError, RuntimeOptions
from fakeqpu.service.runtime import RuntimeService
from fakeqpu.transports.server import HttpServer, client_urls, self_signed_tls

# Asked for in a request, answered in its response: the fake's now (only `fakeqpu run`'s children ask).
NOW_HEADER = "X-Fakeqpu-Now"
SERVED_AUTO_TICK = 1.0  # virtual seconds each runtime API request takes when the options do not say


@dataclass(frozen=True)
class ServerOptions:
    """How the fake is served; the fake itself is configured by `RuntimeOptions`."""

    host: str = "127.0.0.1"  # loopback: nothing off this machine can reach it
    port: int = 0  # 0: a free port, chosen at start
    tls: bool = False  # https with a throwaway certificate authority (needs `fakeqpu[tls]`)
    control_token: str | None = None  # None: a random one per server

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(f.name for f in fields(ServerOptions))

    def validate(self) -> None:
        if not isinstance(self.host, str):
            raise OptionError(f"host must be a host name or address, not {self.host!r}")
        port = self.port
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise OptionError(f"port must be an integer from 0 to 65535, not {port!r}")
        if not isinstance(self.tls, bool):
            raise OptionError(f"tls must be True or False, not {self.tls!r}")
        token = self.control_token
        if token is not None and (not isinstance(token, str) or not token.strip()):
            raise OptionError(f"control_token must be a non-empty string, not {token!r}")


def client_env(url: str, control_token: str, ca_file: Path | None = None) -> dict[str, str]:
    """The variables a client process needs for a server at `url` (the client reads them all)."""
    env = client_urls(url)
    env.update(
        QISKIT_IBM_TOKEN=TOKEN,
        QISKIT_IBM_INSTANCE=CRN,
        QISKIT_IBM_CHANNEL="ibm_quantum_platform",
        USAGE_DATA_OPT_OUT="True",  # the client skips inspecting its call stack on every request
        FAKEQPU_URL=url,
        FAKEQPU_CONTROL_TOKEN=control_token,
    )
    if ca_file is not None:
        env["REQUESTS_CA_BUNDLE"] = str(ca_file)
    return env


def split_options(options: Mapping[str, Any]) -> tuple[ServerOptions, dict[str, Any]]:
    """Server options and runtime options from one set of keyword arguments; unknown names fail."""
    server_names, runtime_names = ServerOptions.names(), RuntimeOptions.names()
    unknown = [name for name in options if name not in server_names + runtime_names]
    if unknown:
        known = server_names + runtime_names
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise OptionError(
            f"unknown fakeqpu option {', '.join(hints)}; the server options are: {', '.join(server_names)}; "
            f"the runtime options are: {', '.join(runtime_names)}"
        )
    served = ServerOptions(**{k: v for k, v in options.items() if k in server_names})
    served.validate()
    return served, {k: v for k, v in options.items() if k in runtime_names}


class FakeServer(Controls):
    """A fake IBM Quantum Platform served over HTTP: `.url`, `.env`, `.clock` and the test controls.

    Use it as a context manager (`with fakeqpu.serve() as server:`) or `start()`/`stop()` it.
    """

    token = TOKEN
    crn = CRN

    def __init__(self, served: ServerOptions, runtime_options: Mapping[str, Any]) -> None:
        self.server_options = served
        self._base_options = dict(runtime_options)
        self._runtime = _served(RuntimeOptions.from_kwargs(self._base_options))
        self.control_token = served.control_token or secrets.token_urlsafe(24)
        self._control = ControlApi(self._controlled, self.control_token)
        self._http: HttpServer | None = None
        self._tls_dir: Path | None = None
        self.ca_file: Path | None = None  # with tls: the certificate authority a client must trust

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._http is not None

    def start(self) -> FakeServer:
        if self._http is not None:
            return self
        account = self._runtime.account
        if account is not None and account.journal.closed:
            self._runtime = _served(self._runtime.options)  # a restart: the state dir replayed
        context = None
        if self.server_options.tls:
            host = self.server_options.host
            names = [n for n in (host, "localhost", "127.0.0.1", "::1") if n and n not in ("0.0.0.0", "::")]
            context, ca_pem = self_signed_tls(names)
            self._tls_dir = Path(tempfile.mkdtemp(prefix="fakeqpu-tls-"))
            self.ca_file = self._tls_dir / "fakeqpu-ca.pem"
            self.ca_file.write_bytes(ca_pem)
        self._http = HttpServer(
            self._handle,
            self._control.handle,
            host=self.server_options.host,
            port=self.server_options.port,
            tls=context,
        ).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None
        self._runtime.close()  # with a state dir: the account stays on disk; `start()` opens it again
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = self.ca_file = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where clients connect -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:40123` (a wildcard bind shows the loopback address)."""
        if self._http is None:
            raise RuntimeError("the server is not started: use `with fakeqpu.serve() as server:`")
        return self._http.url()

    @property
    def env(self) -> dict[str, str]:
        """The environment of a client process: an unmodified `QiskitRuntimeService()` finds the fake."""
        return client_env(self.url, self.control_token, self.ca_file)

    def dotenv(self) -> str:
        return "".join(f"{name}={value}\n" for name, value in self.env.items())

    def write_env(self, path: str | os.PathLike[str]) -> Path:
        """Write `env` as a dotenv file, atomically (a process waiting for the file sees it whole)."""
        target = Path(path)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(self.dotenv())
        partial.replace(target)
        return target

    # -- the fake and its controls (the same as FakeRuntime's) -----------------------------------------

    @property
    def runtime(self) -> FakeRuntime:
        """The fake being served (replaced by `reset()`): never started, it intercepts nothing here."""
        return self._runtime

    @property
    def options(self) -> RuntimeOptions:
        return self._runtime.options

    @property
    def clock(self) -> Clock:
        """The virtual clock of the fake being served (a new one after `reset()`)."""
        return self._runtime.clock

    def _model(self) -> RuntimeService:
        return self._runtime.model

    def _app(self) -> FakeIbmCloud:
        return self._runtime.app

    def _clock(self) -> Clock:
        return self._runtime.clock

    def reset(self, **options: Any) -> None:
        """A fresh fake in place of the served one: the `serve()` options, with `options` over them.

        Sessions, jobs and the clock start again; the URL, the environment and the token stay. With a
        state dir, the account there starts again too (its journal is replaced, atomically).
        """
        self.reset_to(RuntimeOptions.from_kwargs({**self._base_options, **options}), fresh=True)

    def reset_to(self, options: RuntimeOptions, *, fresh: bool = False) -> None:
        """A fake with exactly `options` (what the pytest fixture does before each test): fresh, or
        with a state dir the account kept there (as `mock_runtime(state_dir=...)` opens it)."""
        if options.state_dir is None and self._runtime.account is None:
            self._runtime = _served(options)  # built whole before it replaces the served one
            return
        self._runtime.close()  # its state dir's lock, which the next fake may need
        self._runtime = _served(options, fresh=fresh)

    # -- requests ------------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        response = self._runtime.handle(request)
        if request.header(NOW_HEADER) is not None:  # a `fakeqpu run` child follows the fake's clock
            now = self._runtime.clock.now().isoformat()
            response = dataclasses.replace(response, headers={**response.headers, NOW_HEADER: now})
        return response

    def _controlled(self) -> Controlled:
        runtime = self._runtime
        return Controlled(service=runtime.model, app=runtime.app, clock=runtime.clock, reset=self._reset_json)

    def _reset_json(self, **options: Any) -> None:
        try:
            self.reset(**options)
        except OptionError as error:  # a TypeError for Python callers; a bad request over HTTP
            raise ValueError(str(error)) from None


def _served(options: RuntimeOptions, *, fresh: bool = False) -> FakeRuntime:
    """The fake to serve: `auto_tick` is SERVED_AUTO_TICK unless the options (or the account kept in
    the state dir) set it, 0 included."""
    if options.state_dir is not None:
        return FakeRuntime(options, fresh=fresh, unset={"auto_tick": SERVED_AUTO_TICK})
    if options.auto_tick is None:
        options = dataclasses.replace(options, auto_tick=SERVED_AUTO_TICK)
    return FakeRuntime(options, fresh=fresh)


def serve(**options: Any) -> FakeServer:
    """A fake IBM Quantum Platform served over HTTP, for clients in other processes.

    `with fakeqpu.serve(seed=7) as server:` starts it in a thread; `server.env` is the environment a
    client process needs. Options: the runtime options of `mock_runtime()` (plan, backends, seed,
    job_duration, auto_tick — 1 s unless set —, ...) and the server options host, port, tls,
    control_token.
    An unknown option raises `OptionError` at once.
    """
    served, runtime_options = split_options(options)
    return FakeServer(served, runtime_options)
