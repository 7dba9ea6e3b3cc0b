"""The `fakeqpu` command: `fakeqpu demo` runs the seed document's examples against the fake."""

from __future__ import annotations

import argparse

from fakeqpu import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fakeqpu", description="A fake IBM Quantum Platform for tests.")
    parser.add_argument("--version", action="version", version=f"fakeqpu {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("demo", help="run the examples of 'Run jobs in a session' against the fake")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from fakeqpu.demo import main as demo

        demo()
        return 0
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
