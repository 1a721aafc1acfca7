"""Load a benchmark script as a module (benchmarks/ is not a package: its scripts run as files)."""

import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "benchmarks")


def load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(BENCH, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def agree(impls: dict, floor: str, calls: int = 3, rtol: float = 1e-9) -> None:
    """Every implementation gives the floor's numbers, call after call (the same updates too)."""
    for _ in range(calls):
        results = {name: fn() for name, fn in impls.items()}
        for name, value in results.items():
            assert_close(value, results[floor], rtol, name)


def assert_close(value, expected, rtol: float, name: str) -> None:
    import numpy as np

    np.testing.assert_allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                               err_msg=name)
