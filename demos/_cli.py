"""What every demo's command line shares: --out and --seed, and value checks that turn a bad
value into argparse's usage error (exit status 2) instead of a traceback."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence


def positive_int(text: str) -> int:
    """An integer of at least 1 (epochs, batch sizes, layer widths...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (learning rates)."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value:g}")
    return value


def nonnegative_float(text: str) -> float:
    """A finite number of at least 0 (noise levels)."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value:g}")
    return value


def seed(text: str) -> int:
    """A seed numpy accepts: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1 (numpy's range), got {value}")
    return value


def folder(text: str) -> str:
    """A folder to write into: it may not exist yet, but neither it nor the nearest existing
    folder above it may be a file."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name; give a folder for the pictures (e.g. out/pictures)")
    path = os.path.abspath(text)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        where = "" if path == os.path.abspath(text) else f" is inside {path!r}, which"
        raise argparse.ArgumentTypeError(f"{text!r}{where} is a file, not a folder; give a folder for the pictures")
    return text


def parser(name: str, description: str, seed_default: int = 0) -> argparse.ArgumentParser:
    """The demo's parser with the shared --out and --seed; ``description``: the module's
    docstring, whose first paragraph --help shows."""
    first_paragraph = " ".join(description.split("\n\n")[0].split())
    p = argparse.ArgumentParser(prog=f"python -m demos.{name}", description=first_paragraph)
    p.add_argument("--out", type=folder, default=os.path.join("out", name),
                   help="folder for the pictures (default: %(default)s)")
    p.add_argument("--seed", type=seed, default=seed_default, help="numpy's random seed (default: %(default)s)")
    return p


def output_folder(path: str, files: Sequence[str] = ()) -> str:
    """Make the demo's folder and check, before any training, that the demo can write there:
    the folder is writable and none of its ``files`` exists as something else than a file (a
    folder of that name). Otherwise the demo would train first and fail at its last line.
    A mistake ends the demo with a message, not a traceback."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        sys.exit(f"error: --out {path!r}: cannot make the folder ({e.strerror}); give another with --out")
    if not os.access(path, os.W_OK | os.X_OK):
        sys.exit(f"error: --out {path!r}: cannot write into this folder (permission denied); give another with --out")
    for name in files:
        target = os.path.join(path, name)
        if os.path.exists(target) and not os.path.isfile(target):
            sys.exit(f"error: {target!r} exists and is not a file, and the demo writes a picture of that name "
                     "there; move it, or give another folder with --out")
    return path


def print_pictures(paths: list[str]) -> None:
    """The closing lines of every demo: where its pictures went."""
    print("\npictures:")
    for path in paths:
        print(f"  {path}")
