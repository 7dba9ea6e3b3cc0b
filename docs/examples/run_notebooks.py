"""Execute notebooks with nbclient, stopping at the first that fails: `python run_notebooks.py NB...`.

Each notebook runs in a fresh kernel, cell by cell, as written; the executed copy is saved next to
the original as `NAME.executed.ipynb` (or in --output-dir). Nothing here knows about fakeqpu: the
run's environment is what sends the notebooks' requests to the fake.
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks, or folders of them")
    parser.add_argument("--output-dir", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may take")
    args = parser.parse_args()
    paths = [p for arg in args.notebooks for p in (sorted(arg.glob("*.ipynb")) if arg.is_dir() else [arg])]
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        try:
            NotebookClient(
                notebook,
                timeout=args.timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            ).execute()
        except CellExecutionError as error:
            print(f"FAILED {path}:\n{error}", file=sys.stderr)
            return 1
        finally:
            folder = args.output_dir or path.parent
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, folder / f"{path.stem}.executed.ipynb")
        print(f"ok {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
