"""bench_scalar's implementations compute the same thing (no timing here: see benchmarks/)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.benchmarks.helpers import BENCH, ROOT, agree, assert_close, installed, load

bench = load("bench_scalar")

needs_micrograd = pytest.mark.skipif(not installed("micrograd"), reason="micrograd not installed")
SMALL = {"n_samples": 12, "sizes": (2, 4, 4, 1)}


@needs_micrograd
def test_the_demo_on_0d_tensors_computes_micrographs_losses():
    impls = bench.demo_workload(**SMALL)["impls"]
    assert {"autograd_lite", "autograd_lite (GC off)", "micrograd", "micrograd (GC off)"} <= set(impls)
    # micrograd sums a reused value's gradient in the order of a Python set (memory addresses),
    # so the last bits of its gradients vary from run to run (a gradient that is 0 comes out as
    # +-3e-17). From the third step on, such a difference can put a ReLU input on the other
    # side of 0 and micrograd's loss moves by 2% (about 1 run in 10 at this size; ours gives
    # the same numbers every run): two steps, to 1e-10.
    agree(impls, "micrograd", calls=2, rtol=1e-10)


@needs_micrograd
def test_the_demo_records_one_node_per_micrograd_operation():
    counts = bench.demo_node_counts(bench.demo_workload(**SMALL))
    assert counts["autograd_lite"] == counts["micrograd (op Values)"] > 0


def test_the_demo_learns():
    step = bench.demo_workload(**SMALL)["impls"]["autograd_lite"]
    first = step()[0]
    for _ in range(8):
        last = step()[0]
    assert last < first


@pytest.mark.parametrize("backward", [False, True])
def test_every_op_chain_gives_the_floats_numbers(backward):
    w = bench.op_workload(n_ops=40, backward=backward, peers=("micrograd",))  # torch: under --slow
    agree(w["impls"], "float", calls=1, rtol=1e-12)
    expected = 1.0001 ** 20 if backward else None
    if expected is not None:
        assert_close(w["impls"]["autograd_lite"](), expected, 1e-12, "dy/dx")


@pytest.mark.parametrize("shape", ["0d", "16"])
def test_every_growth_chain_gives_numpys_gradient(shape):
    impls = ["numpy", "autograd_lite"] + (["micrograd"] if installed("micrograd") and shape == "0d" else [])
    grads = {i: bench.growth_backward(i, 100, bench.growth_forward(i, 100, shape)) for i in impls}
    for impl, g in grads.items():
        assert np.shape(g) == np.shape(grads["numpy"])
        assert_close(g, grads["numpy"], 1e-12, impl)


@pytest.mark.slow
def test_the_torch_rows_agree():
    if not installed("torch"):
        pytest.skip("torch not installed")
    for backward in (False, True):
        agree(bench.op_workload(n_ops=40, backward=backward)["impls"], "float", calls=1, rtol=1e-12)
    for shape in ("0d", "16"):
        g = bench.growth_backward("torch", 100, bench.growth_forward("torch", 100, shape))
        assert_close(g, bench.growth_backward("numpy", 100, bench.growth_forward("numpy", 100, shape)), 1e-12, shape)


@pytest.mark.slow
def test_the_script_runs_every_part_and_writes_json(tmp_path):
    out = tmp_path / "scalar.json"
    done = subprocess.run([sys.executable, f"{BENCH}/bench_scalar.py", "--rounds", "1", "--demo-steps", "1",
                           "--check-steps", "2", "--max-size", "1e3", "--json", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert set(report["parts"]) == {"demo", "op", "growth"}
    table = report["parts"]["growth"]["table"]
    assert table["autograd_lite 0d"]["1000"]["nodes"] == 1000
    assert table["autograd_lite 16"]["1000"]["grad0"] == pytest.approx(1.0001 ** 500)


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_scalar.py", "bench_training.py"])
def test_help_shows_the_defaults(script):
    done = subprocess.run([sys.executable, f"{BENCH}/{script}", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "(default:" in done.stdout
