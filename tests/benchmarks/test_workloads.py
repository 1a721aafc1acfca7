"""bench_training's implementations compute the same thing (no timing here: see benchmarks/).

The default run checks autograd_lite, mlp, HIPS autograd and micrograd (quick to import); the
peers that take seconds to import or compile (PyTorch, jax, tinygrad) are checked under --slow.
"""

import numpy as np
import pytest

from tests.benchmarks.helpers import agree, installed, load

bench = load("bench_training")

QUICK_PEERS = ("HIPS autograd", "micrograd")
BUILDERS = {"mlp": lambda peers: bench.mlp_workload(peers=peers),
            "xor": lambda peers: bench.xor_workload(peers=peers),
            "chain": lambda peers: bench.chain_workload(length=200, peers=peers)}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_implementation_gives_the_floors_numbers(name):
    impls = BUILDERS[name](QUICK_PEERS)["impls"]
    assert {"numpy", "autograd_lite"} <= set(impls)
    agree(impls, "numpy")


def test_the_mlp_written_with_plain_operators_is_a_row():
    assert "autograd_lite (ops)" in bench.mlp_workload(peers=())["impls"]


def test_micrograd_runs_xor_only_and_says_why_elsewhere():
    if not installed("micrograd"):
        pytest.skip("micrograd not installed")
    assert "micrograd" in bench.xor_workload(peers=("micrograd",))["impls"]
    for name in ("mlp", "chain"):
        w = BUILDERS[name](("micrograd",))
        assert "micrograd" not in w["impls"]
        assert any("scalars only" in note for note in w["skipped"])


def test_a_missing_peer_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(bench.H, "optional", lambda module: None)
    monkeypatch.setattr(bench.H, "version", lambda module: None)
    w = bench.xor_workload(peers=bench.PEERS)
    assert set(w["impls"]) - {"autograd_lite compile"} == {"numpy", "autograd_lite", "mlp"}
    assert len([n for n in w["skipped"] if "not installed" in n]) == 5


@pytest.mark.parametrize("batch", [1, 16, 256])  # 256: buffers and the mask products in the replay
def test_the_batch_sweep_rows_agree(batch):
    w = bench.batch_workload(batch, peers=())
    assert set(w["impls"]) == {"numpy", "autograd_lite", "autograd_lite (ops)", "autograd_lite compile"}
    agree(w["impls"], "numpy", calls=3)  # the third call replays the compiled program


def test_no_compiled_rows_until_the_engine_has_compile():
    if hasattr(bench.al, "compile"):
        pytest.skip("autograd_lite has compile: its rows are checked with the others")
    assert bench.compiled_impls("mlp", {}) == ({}, {})


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_compiled_rows_plug_in_and_agree(monkeypatch, name):
    """A stand-in compile (the function itself) runs the plug-in path: the rows appear and agree."""
    if not hasattr(bench.al, "compile"):
        monkeypatch.setattr(bench.al, "compile", lambda fn: fn, raising=False)
    impls = BUILDERS[name](())["impls"]
    assert "autograd_lite compile" in impls
    agree(impls, "numpy", calls=2)


@pytest.mark.slow
@pytest.mark.parametrize("peer", ["torch", "jax", "tinygrad"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_slow_peer_gives_the_floors_numbers(name, peer):
    if not installed(peer):
        pytest.skip(f"{peer} not installed")
    if name == "chain" and peer == "tinygrad":
        w = bench.chain_workload(length=50, peers=(peer,))  # see chain_workload: longer fails to compile
    else:
        w = BUILDERS[name]((peer,))
    if set(w["impls"]) <= {"numpy", "autograd_lite", "autograd_lite (ops)", "mlp"}:
        pytest.skip(f"{peer} not usable here: {w['skipped']}")
    agree(w["impls"], "numpy")


@pytest.mark.slow
def test_the_batch_sweep_agrees_with_torch_at_its_largest_batch():
    if not installed("torch"):
        pytest.skip("torch not installed")
    w = bench.batch_workload(4096, peers=("torch",))
    assert "torch" in w["impls"]
    agree(w["impls"], "numpy", calls=2)


def test_results_are_numbers():
    w = bench.chain_workload(length=10, peers=())
    assert np.asarray(w["impls"]["autograd_lite"]()).shape == (16,)
