"""Run the course's notebooks top to bottom, each in a fresh kernel, and save them with their outputs.

    python demos/notebooks/run.py              # every notebook; outputs written into the .ipynb files
    python demos/notebooks/run.py 02 05        # the notebooks whose names start with 02 or 05
    python demos/notebooks/run.py --dry-run    # run them, write nothing (an error still fails)

This is the one command that regenerates the committed outputs; run it after changing a
notebook or anything it shows. Each notebook runs in a temporary working directory (what it
writes lands there) with the kernel of this Python. A cell that raises stops that notebook and
the command exits with status 1. ``tests/demos/test_notebooks.py`` (slow) runs them the same
way and compares the printed values of the cells tagged ``check`` with the committed ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
TIMEOUT = 120  # seconds per cell: far above what any cell takes (the slowest, a few seconds)
CHECK_TAG = "check"  # cells whose printed values the slow test compares with the committed ones


def notebooks(prefixes: list[str] | None = None) -> list[Path]:
    """The course's notebooks, in order; with ``prefixes``, those whose names start with one."""
    found = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        found = [p for p in found if any(p.name.startswith(prefix) for prefix in prefixes)]
    return found


def execute(path: Path, timeout: int = TIMEOUT) -> tuple[object, float]:
    """Run the notebook at ``path`` in a fresh kernel; returns (the notebook with its new outputs,
    seconds taken). Raises nbclient's CellExecutionError, naming the cell, if a cell fails."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="notebook-") as cwd:
        # coalesce_streams: a cell's printed text as one output, however the kernel happened to
        # flush it (else the same text is saved in a different number of pieces from run to run)
        client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                         coalesce_streams=True, resources={"metadata": {"path": cwd}})
        client.execute()
    return nb, time.perf_counter() - start


def checked_texts(nb: object) -> list[tuple[int, str]]:
    """(cell index, printed text) of every cell tagged ``check``: its stdout and its results' text."""
    texts = []
    for i, cell in enumerate(nb.cells):  # type: ignore[attr-defined]
        if cell.cell_type != "code" or CHECK_TAG not in cell.metadata.get("tags", []):
            continue
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif output.output_type == "execute_result":
                parts.append(output.data.get("text/plain", "") + "\n")
        texts.append((i, "".join(parts)))
    return texts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("prefixes", nargs="*", metavar="NAME",
                   help="run only the notebooks whose file names start with these (e.g. 01 04); default: all")
    p.add_argument("--dry-run", action="store_true", help="run the notebooks but write nothing")
    p.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds allowed per cell (default: %(default)s)")
    args = p.parse_args(argv)
    import nbclient
    import nbformat

    chosen = notebooks(args.prefixes)
    if not chosen:
        print(f"no notebook in {FOLDER} matches {' '.join(args.prefixes)}", file=sys.stderr)
        return 1
    total = 0.0
    for path in chosen:
        try:
            nb, seconds = execute(path, args.timeout)
        except nbclient.exceptions.CellExecutionError as e:
            print(f"{path.name}: a cell failed\n{e}", file=sys.stderr)
            return 1
        total += seconds
        if not args.dry_run:
            nbformat.write(nb, path)
        print(f"{path.name}: {seconds:.1f} s{'' if args.dry_run else ', outputs saved'}")
    print(f"{len(chosen)} notebook{'s' if len(chosen) != 1 else ''} in {total:.1f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet a debugger warning of ipykernel
    sys.exit(main())
