"""bench_conv's implementations compute the same numbers as its hand-written floor (no timing here)."""

import importlib.util
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("bench_conv", os.path.join(ROOT, "benchmarks", "bench_conv.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

pytest.importorskip("sklearn")


def same_losses(impls: dict, rtol: float) -> None:
    for _ in range(2):  # every call starts from the parameters the previous one left
        results = {name: fn() for name, fn in impls.items()}
        for name, value in results.items():
            assert value == pytest.approx(results["numpy"], rel=rtol), name


def test_the_engines_digits_epochs_give_the_floors_losses():
    impls = bench.digits_workload(np.float64, jitter=1e-3, samples=160, peers=False)["impls"]  # 5 batches
    assert set(impls) == {"numpy", "autograd_lite", "mlp", "mlp compiled"}
    same_losses(impls, 1e-10)


@pytest.mark.slow
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-10), (np.float32, 2e-4)])
def test_every_digits_epoch_gives_the_floors_losses(dtype, rtol):
    """PyTorch too, and float32: on digits made tie-free (PyTorch gives a tied window's gradient
    to one element, the engine and the floor split it), the same losses, epoch after epoch."""
    pytest.importorskip("torch")
    impls = bench.digits_workload(dtype, jitter=1e-3, samples=320)["impls"]  # 10 batches
    assert "torch" in impls
    same_losses(impls, rtol)


def test_the_floor_splits_tied_maxima_as_the_engine_does():
    """On the real digits, whose background windows tie, the floor still matches the engine."""
    impls = bench.digits_workload(np.float64, samples=320, peers=False)["impls"]
    floor, engine = impls["numpy"](), impls["autograd_lite"]()
    assert engine == pytest.approx(floor, rel=1e-10)


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-11), pytest.param(np.float32, 1e-4,
                                                                                 marks=pytest.mark.slow)])
def test_every_conv_gives_the_floors_gradients(dtype, rtol):
    """float64 without PyTorch (tests/mlp/test_conv.py compares conv2d with it); --slow adds
    float32 with it."""
    impls = bench.conv_workload(dtype, batch=2, peers=dtype == np.float32)["impls"]
    results = {name: fn() for name, fn in impls.items()}
    scale = np.abs(results["numpy"]).max()
    for name, value in results.items():
        np.testing.assert_allclose(value, results["numpy"], rtol=rtol, atol=rtol * scale, err_msg=name)
