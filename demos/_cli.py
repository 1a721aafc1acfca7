"""What every demo's command line shares: --out and --seed."""

from __future__ import annotations

import argparse
import os


def parser(name: str, description: str, seed: int = 0) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m demos.{name}", description=description)
    p.add_argument("--out", default=os.path.join("out", name), help="folder for the pictures (default: %(default)s)")
    p.add_argument("--seed", type=int, default=seed, help="numpy's random seed (default: %(default)s)")
    return p


def output_folder(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path


def print_pictures(paths: list[str]) -> None:
    """The closing lines of every demo: where its pictures went."""
    print("\npictures:")
    for path in paths:
        print(f"  {path}")
