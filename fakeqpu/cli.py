"""The `fakeqpu` command.

`fakeqpu demo` runs the seed document's examples against the fake; `fakeqpu serve` serves the fake
over HTTP until SIGINT or SIGTERM, and prints the environment a client process needs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakeqpu import __version__

if TYPE_CHECKING:
    from fakeqpu.serving import FakeServer


def _counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        counts[name.strip()] = int(count)
    return counts


# The runtime options of `mock_runtime()` as command-line flags, and how to read each one's text.
RUNTIME_FLAGS: dict[str, tuple[Callable[[str], Any], str]] = {
    "plan": (str, "premium, flex, paygo or open"),
    "open_plan_sessions": (str, "job_mode or reject"),
    "backends": (str, "comma-separated backend names, e.g. ibm_torino,ibm_fez"),
    "job_duration": (float, "seconds of QPU time per job (default: IBM's estimate)"),
    "seed": (int, "makes ids and counts reproducible"),
    "start": (str, "the clock's starting instant, ISO 8601"),
    "interactive_ttl": (int, "seconds"),
    "max_ttl": (int, "seconds"),
    "background_jobs": (_counts, "other users' jobs queued at start, e.g. ibm_torino=3"),
    "instance": (str, "pin the account to this one instance (a CRN or a name)"),
    "account_instances": (str, "the account's other instances, comma-separated names or CRNs"),
    "history": (str, 'the account\'s past: a count of jobs, or JSON, e.g. {"jobs": 20, "sessions": 2}'),
    "usage_allocation_seconds": (int, "Premium/Flex allocation reported by /instances/usage (0: none)"),
    "auto_tick": (float, "virtual seconds per runtime API request (default 1)"),
    "state_dir": (str, "keep the account (jobs, sessions, results, clock) in this directory across restarts"),
    "simulation_budget": (float, "wall seconds one job's simulation may take (default 10)"),
    "simulation": (str, "auto (approximate past the budget) or exact (fail such jobs)"),
}


def _tell_simulations(running: list[dict[str, Any]], told: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """One stderr line per simulation seen running (a client waiting on its job can see why)."""
    now = set()
    for entry in running:
        key = (str(entry.get("job")), str(entry.get("where")))
        now.add(key)
        if key not in told:
            print(
                f"fakeqpu serve: simulating job {key[0]} ({key[1] or 'whole job'}): "
                f"{entry.get('qubits')} qubits, {entry.get('method')}, "
                f"predicted {entry.get('predicted_seconds')} s",
                file=sys.stderr,
                flush=True,
            )
    return now


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeqpu", description="A fake IBM Quantum Platform for tests.")
    parser.add_argument("--version", action="version", version=f"fakeqpu {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("demo", help="run the examples of 'Run jobs in a session' against the fake")
    _serve_options(
        commands.add_parser(
            "serve",
            help="serve the fake over HTTP for other processes",
            description="Serve the fake IBM Quantum Platform (runtime API, IAM, Global Search, Global "
            "Catalog and the /_fakeqpu control API) on one port until SIGINT or SIGTERM.",
        )
    )
    run = commands.add_parser(
        "run",
        help="run a command against one fake, on virtual time",
        usage="fakeqpu run [serve options] [--timeline FILE] -- COMMAND ...",
        description="Serve the fake, run COMMAND with an environment in which it and every Python process "
        "it starts talk to that fake (IBM's hosts included) on the fake's virtual clock, then stop. The "
        "exit status is COMMAND's. The options are those of `fakeqpu serve`; --auto-tick defaults to 0.",
    )
    _serve_options(run)
    run.add_argument("--timeline", metavar="FILE", help="write the timeline at the end: .svg, .html or text")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="COMMAND", help="the command, after --")
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    """The options of `fakeqpu serve`, which `fakeqpu run` takes too."""
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free one)")
    serve.add_argument("--tls", action="store_true", help="https with a throwaway certificate authority")
    serve.add_argument(
        "--control-token",
        default=os.environ.get("FAKEQPU_CONTROL_TOKEN") or None,
        help="the control API's token (default: $FAKEQPU_CONTROL_TOKEN, else a random one)",
    )
    serve.add_argument("--env-file", help="also write the client environment to this dotenv file")
    for name, (_, text) in RUNTIME_FLAGS.items():
        serve.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="VALUE", help=text)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from fakeqpu.demo import main as demo

        demo()
        return 0
    if args.command == "serve":
        return _serve(args, parser)
    if args.command == "run":
        return _run(args, parser)
    parser.print_help()
    return 0


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    server = _server(args, parser)
    if server is None:
        return 2
    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        server.start()
        if args.env_file:
            server.write_env(args.env_file)
        o = server.options
        # stdout is a dotenv file: the comments say what serves, the lines are the client's environment
        print(
            f"# fakeqpu serve: {server.url} (plan {o.plan}; backends {', '.join(o.backends)}; "
            f"seed {'random' if o.seed is None else o.seed}; auto_tick {server.options.auto_tick} s)\n"
            "# the environment of a client process:",
            flush=True,
        )
        print(server.dotenv(), end="", flush=True)
        print("# serving: stop with Ctrl-C or SIGTERM", flush=True)
        told: set[tuple[str, str]] = set()
        while not stop.wait(1.0):
            told = _tell_simulations(server.simulations(), told)
    except (OSError, RuntimeError) as error:  # the port is taken, TLS without trustme
        print(f"fakeqpu serve: {error}", file=sys.stderr)
        return 2
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("# fakeqpu serve: stopped", flush=True)
    return 0


def _server(args: argparse.Namespace, parser: argparse.ArgumentParser, **defaults: Any) -> FakeServer | None:
    """The server the serve options describe (not started); None after printing why it cannot be."""
    from fakeqpu.options import OptionError
    from fakeqpu.serving import serve

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "tls": args.tls,
        "control_token": args.control_token,
    }
    for name, (convert, _) in RUNTIME_FLAGS.items():
        raw = getattr(args, name)
        if raw is None:
            continue
        try:
            options[name] = convert(raw)
        except ValueError:
            parser.error(f"--{name.replace('_', '-')} {raw!r}: not a valid value")
    try:
        return serve(**{**defaults, **options})
    except (OptionError, ValueError) as error:
        print(f"fakeqpu {args.command}: {error}", file=sys.stderr)
        return None


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from fakeqpu.run import run_command

    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("fakeqpu run: no command to run (fakeqpu run [options] -- COMMAND ...)")
    # Python processes of the run sleep on the fake's clock: no request needs to move it (as in process)
    server = _server(args, parser, auto_tick=0.0)
    if server is None:
        return 2
    try:
        server.start()
        if args.env_file:
            server.write_env(args.env_file)
    except (OSError, RuntimeError) as error:
        print(f"fakeqpu run: {error}", file=sys.stderr)
        server.stop()
        return 2
    try:
        return run_command(server, command, args.timeline)
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
