"""What the benchmark scripts share: interleaved rounds, medians, optional peers, the machine.

Method (every script): each round runs every implementation once in a new random order; an
implementation's turn is an untimed ``gc.collect()`` (the garbage a predecessor left is not
collected on its time), one untimed call (the caches now hold its data, as in a training loop),
then ``calls`` timed calls. Implementations named in ``gc_off`` run their timed calls with
Python's cyclic garbage collector disabled. The figures are medians over rounds of the time per
call and of the ratio to the floor in the same round.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Collection
from typing import Any

# numpy is imported inside the functions: set_threads must run before numpy's first import.


#: What set_threads changed for this run, said on the BLAS line of every script's output.
_SET_UP: list[str] = []


def set_threads(n: int) -> None:
    """One BLAS / XLA thread count for every library; call before numpy (or jax) is imported.

    With one thread the process is also pinned to one CPU (its subprocesses inherit it): XLA's
    CPU runtime works on threads of its own whatever its flags say (the mlp step kept 1.6 CPUs
    busy), and an affinity mask is what jax's maintainers give as the way to limit it
    (jax-ml/jax#1539). ``OPENBLAS_CORETYPE`` is removed: some machines set it, and forced to
    Haswell on an AVX-512 CPU numpy's BLAS runs AVX2 kernels (a 128x128 float64 product in
    79 us instead of 49), which every numpy row, the floor included, would measure.
    """
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    coretype = os.environ.pop("OPENBLAS_CORETYPE", None)
    if coretype is not None:
        _SET_UP.append(f"OPENBLAS_CORETYPE={coretype} unset")
    if n == 1:  # XLA's CPU client: no Eigen thread pool
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
        if hasattr(os, "sched_setaffinity"):
            cpu = max(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpu})
            _SET_UP.append(f"pinned to CPU {cpu}")


def threads_from_argv(default: int = 1) -> None:
    """Read ``--threads`` early (before numpy is imported) and apply it."""
    argv = sys.argv[1:]
    n = default
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            n = int(argv[i + 1])
        elif a.startswith("--threads="):
            n = int(a.split("=", 1)[1])
    set_threads(n)


def optional(module: str) -> Any:
    """The module if it is installed, else None (peers are optional)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def version(module: str) -> str | None:
    """The installed distribution's version, without importing the module (None: not installed)."""
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return None


def measure(
    impls: dict[str, Callable[[], Any]],
    calls: int,
    rounds: int,
    *,
    warmup: int | None = None,
    gc_off: Collection[str] = (),
    label: str = "",
    seed: int = 12345,
) -> dict[str, list[float]]:
    """Seconds per call of each implementation, one figure per round (see the module docstring).

    ``warmup`` untimed calls of each implementation come first (default: ``calls``). Progress
    goes to stderr, one line per round, when ``label`` is given.
    """
    import numpy as np

    names = list(impls)
    for name in names:
        for _ in range(calls if warmup is None else warmup):
            impls[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    shuffle = np.random.default_rng(seed).permutation
    for r in range(rounds):
        if label:
            print(f"\r  {label}: round {r + 1}/{rounds}", end="", file=sys.stderr, flush=True)
        for i in shuffle(len(names)):  # a new order every round: no one always follows the same peer
            name = names[i]
            fn = impls[name]
            gc.collect()
            fn()
            off = name in gc_off
            if off:
                gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(calls):
                    fn()
                times[name].append((time.perf_counter() - start) / calls)
            finally:
                if off:
                    gc.enable()
    if label:
        print(file=sys.stderr)
    return times


def summarize(times: dict[str, list[float]], floor: str = "numpy") -> dict[str, dict[str, float]]:
    """Median time per call, median of the per-round ratios to ``floor``, and the ratio of medians."""
    import numpy as np

    base = np.array(times[floor])
    out = {}
    for name, ts in times.items():
        ts = np.array(ts)
        out[name] = {"median_s": float(np.median(ts)), "ratio": float(np.median(ts / base)),
                     "ratio_of_medians": float(np.median(ts) / np.median(base)),
                     "min_s": float(ts.min()), "max_s": float(ts.max())}
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def blas() -> str:
    """numpy's BLAS, the kernels it chose and its thread count (threadpoolctl, when installed): a
    check that --threads took; then what set_threads changed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "; ".join(["unknown (pip install threadpoolctl to see it)", *_SET_UP])
    pools = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels), "
             f"{i.get('num_threads')} thread(s)" for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(pools + _SET_UP) or "none found"


def load_average() -> str:
    """The 1/5/15-minute load averages: a busy machine makes every figure provisional."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} us" if seconds < 1e-5 else f"{seconds * 1e6:.0f} us"
    return f"{seconds * 1e9:.0f} ns"


def print_table(title: str, summary: dict[str, dict[str, float]], notes: dict[str, str], floor: str = "numpy",
                per: float = 1.0, per_unit: str = "") -> None:
    """One block per workload: implementation, median time, ratio to the floor, what the row runs."""
    print(f"\n{title}")
    width = max(len(n) for n in summary) + 2
    for name, s in summary.items():
        t = fmt_time(s["median_s"])
        extra = f"  {fmt_time(s['median_s'] / per)}/{per_unit}" if per_unit else ""
        print(f"  {name:<{width}}{t:>10}{extra}  {s['ratio']:>7.2f}x  {notes.get(name, '')}")
    print(f"  (ratios: median over rounds of time / {floor}'s time in the same round)")


def write_json(path: str, report: dict) -> None:
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nfigures written to {path}")
