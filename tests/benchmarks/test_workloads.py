"""The benchmark's implementations compute the same thing (no timing here: see benchmarks/)."""

import importlib.util
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("bench_training", os.path.join(ROOT, "benchmarks", "bench_training.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.parametrize("name", ["mlp", "xor", "chain"])
def test_every_implementation_gives_the_floors_numbers(name):
    builder = {"mlp": bench.mlp_workload, "xor": bench.xor_workload,
               "chain": lambda: bench.chain_workload(length=200)}[name]
    impls = builder()["impls"]
    assert {"numpy", "autograd_lite"} <= set(impls)
    for _ in range(3):  # the same updates too: every call starts from the previous one's parameters
        results = {impl: np.asarray(fn()) for impl, fn in impls.items()}
        for impl, value in results.items():
            np.testing.assert_allclose(value, results["numpy"], rtol=1e-9, err_msg=impl)
