"""Scalar speed of autograd_lite (issue 15): micrograd's own demo, one op, and growth to 1e7 ops.

    python benchmarks/bench_scalar.py                          # all three parts, growth up to 1e6
    python benchmarks/bench_scalar.py --max-size 1e7           # the whole goal (1e7 ops: minutes, GBs)
    python benchmarks/bench_scalar.py --only growth --min-size 1e7 --max-size 1e7   # that size alone
    python benchmarks/bench_scalar.py --only demo --rounds 9 --json demo.json
    python benchmarks/bench_scalar.py --profile demo           # cProfile of one demo step (or: op)

Parts (``--only demo,op,growth``):

demo    micrograd's demo.ipynb: MLP(2, [16, 16, 1]) on 100 two-moons points (noise 0.1), SVM
        "max-margin" loss mean((1 - y * score).relu()) + 1e-4 * sum(p * p), accuracy, SGD with
        the rate 1.0 - 0.9 * k / 100 (k taken modulo 100, so that long runs stay in range). The
        same loss function runs on micrograd's ``Value`` (its own ``micrograd.nn.MLP``) and on
        0-d ``autograd_lite.Tensor`` s (a Neuron/Layer/MLP written here as micrograd writes
        them), from the same initial weights (one numpy RandomState, copied across), so the
        two compute the same losses; the first steps are printed side by side. micrograd is
        timed with Python's cyclic GC on (as users run it) and off (``gc.disable()`` around
        the timed calls, a ``gc.collect()`` outside them): its closures make a reference cycle
        per node, so its GC-on time includes collecting them. Reported: ms per step, the ratio
        to micrograd with GC on and with GC off, and the nodes recorded per step.
op      one recorded op on 0-d values: a chain of ``--op-chain`` ops (y = y * 1.0001 + 0.0001,
        two ops per step; micrograd's recursive topological sort limits the chain to ~900
        nodes at Python's default recursion limit), forward only and forward + backward, in
        us per op, beside Python floats, numpy scalars and 0-d numpy arrays doing the same
        arithmetic by hand (the hand-written backward multiplies by 1.0001 once per step).
growth  the same chain at 1e3 ... ``--max-size`` ops, forward + backward, each size and
        implementation in a fresh subprocess with the GC on (as users run), on 0-d values and
        on a (16,) vector: time per op, and memory per recorded node, measured as the growth
        of the process's resident set (VmRSS) from before the forward to its end (the graph
        held, before backward), divided by the number of recorded nodes; the peak (VmHWM,
        reset before the forward) is reported too. ``--memory traced`` uses tracemalloc
        instead (Python and numpy allocations only: not PyTorch's). Below ~1e5 nodes the RSS
        figure is dominated by page and arena granularity. Sizes whose estimated memory
        exceeds 80% of MemAvailable are skipped with a note.

Method: interleaved rounds, medians (see benchmarks/_harness.py). Peers are measured when
installed (``pip install micrograd``; ``pip install torch==2.13.0`` for the PyTorch rows) and
skipped with a note when not. Every implementation returns its result; tests/benchmarks/
checks that they agree.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]

import _harness as H  # noqa: E402

if __name__ == "__main__":
    H.threads_from_argv()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Collection  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import autograd_lite as al  # noqa: E402
from mlp.datasets import make_moons  # noqa: E402

C_MUL, C_ADD = 1.0001, 0.0001  # the chain: y = y * C_MUL + C_ADD


def chain(y: Any, pairs: int) -> Any:
    """``y = y * C_MUL + C_ADD``, ``pairs`` times: the one chain every implementation runs on
    its own kind of value (float, Tensor, torch tensor, micrograd Value)."""
    for _ in range(pairs):
        y = y * C_MUL + C_ADD
    return y


def _nodes_since(start: int | None) -> int | None:
    """Nodes recorded since ``start = al.creation_number()`` (None when the engine lacks it)."""
    if start is None:
        return None
    return al.creation_number() - start - 1


def _creation_number() -> int | None:
    fn = getattr(al, "creation_number", None)
    return fn() if fn is not None else None


# =================================================================================== demo
# micrograd's Neuron / Layer / MLP, written on 0-d autograd_lite Tensors.
class Neuron:
    def __init__(self, w: np.ndarray, b: float, nonlin: bool = True) -> None:
        self.w = [al.Tensor(wi, requires_grad=True) for wi in w]
        self.b = al.Tensor(b, requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x: list) -> al.Tensor:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[al.Tensor]:
        return self.w + [self.b]


class Layer:
    def __init__(self, W: np.ndarray, b: np.ndarray, nonlin: bool = True) -> None:
        self.neurons = [Neuron(w, bj, nonlin) for w, bj in zip(W, b)]

    def __call__(self, x: list) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[al.Tensor]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        last = len(weights) - 1
        self.layers = [Layer(W, b, nonlin=i != last) for i, (W, b) in enumerate(weights)]

    def __call__(self, x: list) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[al.Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None


def demo_weights(sizes: list[int], seed: int = 1337) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W of shape (nout, nin), b) per layer: W uniform in [-1, 1] as micrograd draws it, b = 0."""
    rs = np.random.RandomState(seed)
    return [(rs.uniform(-1, 1, (nout, nin)), np.zeros(nout)) for nin, nout in zip(sizes, sizes[1:])]


def demo_data(n_samples: int = 100, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two moons (noise 0.1) as Python floats, labels in {-1, +1} as in the demo."""
    X, y = make_moons(n_samples, noise=0.1, rng=seed)
    return X.tolist(), (2 * y.ravel() - 1).tolist()


def demo_loss(model: Callable, make: Callable, X: list, y: list) -> tuple[Any, float]:
    """micrograd demo.ipynb's ``loss()``, line for line; ``make`` is Value or al.Tensor."""
    inputs = [list(map(make, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (float(scorei.data) > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def micrograd_model(weights: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    """micrograd's own MLP, with the given weights copied into its Values."""
    from micrograd.nn import MLP as MicroMLP

    sizes = [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]
    model = MicroMLP(sizes[0], sizes[1:])
    for layer, (W, b) in zip(model.layers, weights):
        for neuron, wrow, bj in zip(layer.neurons, W, b):
            for v, wv in zip(neuron.w, wrow):
                v.data = float(wv)
            neuron.b.data = float(bj)
    return model


def demo_workload(n_samples: int = 100, sizes: tuple[int, ...] = (2, 16, 16, 1)) -> dict:
    """One SGD step of the demo per call, for each implementation; each returns (loss, accuracy)."""
    X, y = demo_data(n_samples)
    weights = demo_weights(list(sizes))

    def ours() -> Callable[[], tuple[float, float]]:
        model = MLP(weights)
        params = model.parameters()
        k = [0]

        def step() -> tuple[float, float]:
            total_loss, acc = demo_loss(model, al.Tensor, X, y)
            model.zero_grad()
            total_loss.backward()
            learning_rate = 1.0 - 0.9 * (k[0] % 100) / 100
            for p in params:
                p.data -= learning_rate * p.grad.data
            k[0] += 1
            return float(total_loss.data), acc

        step.model = model  # type: ignore[attr-defined]
        return step

    def micrograd() -> Callable[[], tuple[float, float]]:
        from micrograd.engine import Value

        model = micrograd_model(weights)
        params = model.parameters()
        k = [0]

        def step() -> tuple[float, float]:
            total_loss, acc = demo_loss(model, Value, X, y)
            model.zero_grad()
            total_loss.backward()
            learning_rate = 1.0 - 0.9 * (k[0] % 100) / 100
            for p in params:
                p.data -= learning_rate * p.grad
            k[0] += 1
            return float(total_loss.data), acc

        step.model = model  # type: ignore[attr-defined]
        return step

    impls = {"autograd_lite": ours(), "autograd_lite (GC off)": ours()}
    notes = {"autograd_lite": "0-d Tensors, Python's GC on",
             "autograd_lite (GC off)": "the same, gc.disable() around the timed calls"}
    skipped = []
    if H.optional("micrograd") is not None:
        impls["micrograd"] = micrograd()
        impls["micrograd (GC off)"] = micrograd()
        notes["micrograd"] = "micrograd.engine.Value + micrograd.nn.MLP, GC on"
        notes["micrograd (GC off)"] = "the same, gc.disable() around the timed calls"
    else:
        skipped.append("micrograd not installed (pip install micrograd): no ratio to it")
    return {"impls": impls, "notes": notes, "skipped": skipped, "X": X, "y": y, "weights": weights,
            "gc_off": {"autograd_lite (GC off)", "micrograd (GC off)"}, "unit": "one SGD step"}


def demo_node_counts(workload: dict) -> dict[str, int | None]:
    """Nodes recorded by one forward of the demo (its backward records none), per engine.

    autograd_lite: nodes recorded (``al.creation_number`` before and after). micrograd: the
    Values of the graph made by operations (``_op`` set), and all Values in it (leaves and the
    Values it wraps around Python constants included).
    """
    X, y = workload["X"], workload["y"]
    counts: dict[str, int | None] = {}
    start = _creation_number()
    demo_loss(MLP(workload["weights"]), al.Tensor, X, y)
    counts["autograd_lite"] = _nodes_since(start)
    if H.optional("micrograd") is not None:
        from micrograd.engine import Value

        loss, _ = demo_loss(micrograd_model(workload["weights"]), Value, X, y)
        seen, stack = {id(loss)}, [loss]
        ops = 0
        while stack:
            v = stack.pop()
            ops += v._op != ""
            for c in v._prev:
                if id(c) not in seen:
                    seen.add(id(c))
                    stack.append(c)
        counts["micrograd (op Values)"] = ops
        counts["micrograd (all Values)"] = len(seen)
    return counts


def demo_check(steps: int, n_samples: int = 100) -> list[tuple[int, float, float | None, float]]:
    """The first ``steps`` losses of fresh models, ours beside micrograd's (None: not installed)."""
    w = demo_workload(n_samples)
    ours, theirs = w["impls"]["autograd_lite"], w["impls"].get("micrograd")
    rows = []
    for k in range(steps):
        loss, acc = ours()
        rows.append((k, loss, theirs()[0] if theirs is not None else None, acc))
    return rows


# =================================================================================== op
def op_workload(n_ops: int = 500, backward: bool = True, peers: Collection[str] = ("micrograd", "torch")) -> dict:
    """A chain of ``n_ops`` 0-d ops per call; each implementation returns dy/dx (or y, forward only).

    ``peers``: the optional peers to include when installed.
    """
    pairs = n_ops // 2
    x0 = 0.5

    def by_hand(start: Any, wrap: Callable[[Any], Any]) -> Callable[[], float]:
        def run() -> float:
            y = start
            for _ in range(pairs):
                y = wrap(wrap(y * C_MUL) + C_ADD)
            if not backward:
                return float(y)
            g = wrap(start * 0 + 1)
            for _ in range(pairs):
                g = wrap(g * C_MUL)
            return float(g)

        return run

    def same(v: Any) -> Any:
        return v

    def autograd_lite() -> float:
        x = al.Tensor(x0, requires_grad=True)
        y = chain(x, pairs)
        if not backward:
            return y.item()
        y.backward()
        return x.grad.item()

    impls: dict[str, Callable[[], float]] = {
        "float": by_hand(x0, same),
        "numpy": by_hand(np.float64(x0), same),
        "numpy 0-d array": by_hand(np.array(x0), np.asarray),
        "autograd_lite": autograd_lite,
    }
    notes = {"float": "Python floats by hand (the floor)",
             "numpy": "np.float64 scalars by hand (what numpy's 0-d ops return)",
             "numpy 0-d array": "by hand, each result kept a 0-d ndarray (np.asarray(y * c)), as our Tensors hold",
             "autograd_lite": "0-d Tensors, GC on"}
    skipped = []
    if "micrograd" in peers and H.optional("micrograd") is not None:
        from micrograd.engine import Value

        def micrograd() -> float:
            x = Value(x0)
            y = chain(x, pairs)
            if not backward:
                return y.data
            y.backward()
            return x.grad

        impls["micrograd"] = micrograd
        impls["micrograd (GC off)"] = micrograd
        notes["micrograd"] = "micrograd Value, GC on"
        notes["micrograd (GC off)"] = "micrograd Value, gc.disable() around the timed calls"
    elif "micrograd" in peers:
        skipped.append("micrograd not installed (pip install micrograd)")
    torch = H.optional("torch") if "torch" in peers else None
    if torch is not None:
        def torch_chain() -> float:
            x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
            y = chain(x, pairs)
            if not backward:
                return y.item()
            y.backward()
            return x.grad.item()

        impls["torch"] = torch_chain
        notes["torch"] = "PyTorch 0-d tensors, eager, one thread"
    elif "torch" in peers:
        skipped.append("torch not installed (pip install torch==2.13.0)")
    return {"impls": impls, "notes": notes, "skipped": skipped, "gc_off": {"micrograd (GC off)"},
            "n_ops": 2 * pairs, "unit": f"{'forward + backward' if backward else 'forward'} of {2 * pairs} ops"}


# =================================================================================== growth
def _growth_start(shape: str) -> np.ndarray:
    return np.array(0.5) if shape == "0d" else np.linspace(-1.0, 1.0, 16)


def growth_forward(impl: str, n_ops: int, shape: str) -> Any:
    """The chain's forward for one implementation: the state its backward needs."""
    pairs = n_ops // 2
    x0 = _growth_start(shape)
    if impl == "numpy":
        chain(x0, pairs)  # the forward's work; the backward by hand needs only x0
        return x0
    if impl == "autograd_lite":
        x = al.Tensor(x0, requires_grad=True)
        y = chain(x, pairs)
        return x, y
    if impl == "torch":
        import torch

        x = torch.tensor(x0, requires_grad=True)
        y = chain(x, pairs)
        return x, y
    if impl == "micrograd":
        from micrograd.engine import Value

        x = Value(float(x0))
        y = chain(x, pairs)
        return x, y
    raise ValueError(f"unknown implementation {impl!r}")


def growth_backward(impl: str, n_ops: int, state: Any) -> np.ndarray:
    """The chain's backward from ``growth_forward``'s state: dy/dx, as an array."""
    if impl == "numpy":
        g = np.ones_like(state)
        for _ in range(n_ops // 2):
            g = g * C_MUL
        return np.asarray(g)
    x, y = state
    if impl == "autograd_lite":
        y.backward(np.ones(y.shape))
        return x.grad.data
    if impl == "torch":
        import torch

        y.backward(torch.ones_like(y))
        return x.grad.numpy()
    y.backward()  # micrograd
    return np.asarray(x.grad)


def _proc_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux)
        return True
    except OSError:
        return False


WARM_UP_CHAINS = 5  # untimed short chains before the timed ones (see growth_child)


def growth_child(impl: str, n_ops: int, shape: str, memory: str) -> dict:
    """Run in a fresh process: time the chain (median of a few runs when small) and its memory."""
    import tracemalloc

    reps = max(1, min(15, 200_000 // n_ops))
    fwd, bwd = [], []
    out: dict[str, Any] = {"impl": impl, "n_ops": n_ops, "shape": shape, "reps": reps, "memory": memory}
    try:
        # Short chains first: lazy initialisation (PyTorch pages in much of its library on its
        # first op) is neither timed nor counted as graph memory, and CPython 3.11 runs a
        # function's first few calls unspecialised (backward's graph walk, called once per
        # backward, took twice as long per Node in its first three calls as after): the large
        # sizes, timed once or twice, measured that, and the small ones (15 runs) did not.
        for _ in range(WARM_UP_CHAINS):
            growth_backward(impl, 200, growth_forward(impl, 200, shape))
        for r in range(reps):
            gc.collect()
            if r == 0:
                peak_ok = _reset_peak()
                base = _proc_kb("VmRSS:")
            start = _creation_number() if impl == "autograd_lite" else None
            t0 = time.perf_counter()
            state = growth_forward(impl, n_ops, shape)
            t1 = time.perf_counter()
            if r == 0:
                held = _proc_kb("VmRSS:") - base
                out["nodes"] = _nodes_since(start) if impl == "autograd_lite" else (
                    0 if impl == "numpy" else n_ops // 2 * 2)
            grad = growth_backward(impl, n_ops, state)
            t2 = time.perf_counter()
            if r == 0:
                out["rss_held_kb"] = held
                out["rss_peak_kb"] = _proc_kb("VmHWM:") - base if peak_ok else None
            del state
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
        if memory == "traced":
            gc.collect()
            tracemalloc.start()
            state = growth_forward(impl, n_ops, shape)
            out["traced_held_b"] = tracemalloc.get_traced_memory()[0]
            growth_backward(impl, n_ops, state)
            out["traced_peak_b"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    except RecursionError:
        out["error"] = "RecursionError (recursive topological sort)"
        return out
    out.update(forward_s=float(np.median(fwd)), backward_s=float(np.median(bwd)),
               grad0=float(np.asarray(grad).ravel()[0]))
    return out


GROWTH_ROWS = [("numpy", "0d"), ("autograd_lite", "0d"), ("torch", "0d"), ("micrograd", "0d"),
               ("numpy", "16"), ("autograd_lite", "16"), ("torch", "16")]
MICROGRAD_MAX = 10_000  # past this it only burns time before the same RecursionError


def _bytes_per_node(r: dict) -> float | None:
    nodes = r.get("nodes") or 0
    if r.get("error") or nodes == 0:
        return None
    if r["memory"] == "traced":
        return r["traced_held_b"] / nodes if "traced_held_b" in r and r["impl"] != "torch" else None
    return r["rss_held_kb"] * 1024 / nodes


def _mem_available() -> float:
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:")) * 1024.0
    except (OSError, StopIteration):
        return float("inf")


def growth(max_size: int, memory: str, rounds: int, rows: list[tuple[str, str]], min_size: int = 1000
           ) -> tuple[list[dict], list[str]]:
    """Every (implementation, shape) at every size, each run a fresh subprocess, in random order."""
    sizes = [n for n in (10**3, 10**4, 10**5, 10**6, 10**7) if min_size <= n <= max_size]
    rng = np.random.default_rng(12345)
    results: list[dict] = []
    notes: list[str] = []
    per_node: dict[tuple[str, str], float] = {}
    failed: set[tuple[str, str]] = set()
    for n in sizes:
        for r in range(rounds):
            for i in rng.permutation(len(rows)):
                impl, shape = rows[i]
                if (impl, shape) in failed or (impl == "micrograd" and n > MICROGRAD_MAX):
                    continue
                need = (0.0 if impl == "numpy" else per_node.get((impl, shape), 1000.0)) * n * 1.5  # numpy: no graph
                if need > 0.8 * _mem_available():
                    notes.append(f"{impl} {shape} at {n:.0e} ops skipped: ~{need / 2**30:.1f} GiB needed, "
                                 f"{_mem_available() / 2**30:.1f} GiB available")
                    failed.add((impl, shape))
                    continue
                print(f"\r  growth: {n:.0e} ops, round {r + 1}/{rounds}, {impl} {shape}      ", end="",
                      file=sys.stderr, flush=True)
                done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", impl, str(n), shape,
                                       memory], capture_output=True, text=True, cwd=ROOT)
                if done.returncode != 0:
                    notes.append(f"{impl} {shape} at {n:.0e} ops failed: {done.stderr.strip().splitlines()[-1:]}")
                    failed.add((impl, shape))
                    continue
                res = json.loads(done.stdout.strip().splitlines()[-1])
                results.append(res)
                if res.get("error"):
                    failed.add((impl, shape))
                    continue
                bpn = _bytes_per_node(res)
                if bpn is not None and n >= 10**4:
                    per_node[(impl, shape)] = max(bpn, (res["rss_peak_kb"] or 0) * 1024 / max(res["nodes"], 1))
    print(file=sys.stderr)
    return results, notes


def _growth_table(results: list[dict], memory: str) -> dict:
    """Median over rounds per (impl, shape, size): us per op, bytes per node, ratio to numpy."""
    table: dict[tuple[str, str], dict[int, dict]] = {}
    for r in results:
        table.setdefault((r["impl"], r["shape"]), {}).setdefault(r["n_ops"], []).append(r)
    out: dict = {}
    for (impl, shape), by_size in table.items():
        for n, rs in by_size.items():
            ok = [r for r in rs if not r.get("error")]
            if not ok:
                cell = {"error": rs[0]["error"]}
            else:
                t = float(np.median([r["forward_s"] + r["backward_s"] for r in ok]))
                bpn = [b for b in (_bytes_per_node(r) for r in ok) if b is not None]
                peak = [r["rss_peak_kb"] * 1024 / r["nodes"] for r in ok if r.get("rss_peak_kb") is not None
                        and r.get("nodes")]
                cell = {"seconds": t, "us_per_op": t / n * 1e6,
                        "forward_s": float(np.median([r["forward_s"] for r in ok])),
                        "backward_s": float(np.median([r["backward_s"] for r in ok])),
                        "nodes": ok[0]["nodes"], "bytes_per_node": float(np.median(bpn)) if bpn else None,
                        "peak_bytes_per_node": float(np.median(peak)) if peak else None, "runs": len(ok),
                        "grad0": ok[0]["grad0"]}
            out.setdefault(f"{impl} {shape}", {})[n] = cell
    for key, by_size in out.items():
        impl, shape = key.split(" ")
        for n, cell in by_size.items():
            floor = out.get(f"numpy {shape}", {}).get(n)
            if "seconds" in cell and floor and "seconds" in floor:
                cell["ratio_to_numpy"] = cell["seconds"] / floor["seconds"]
    return out


def _print_growth(table: dict, memory: str) -> None:
    sizes = sorted({n for by in table.values() for n in by})
    label = "graph memory per node, RSS" if memory == "rss" else "graph memory per node, tracemalloc"
    print(f"\ngrowth: y = y * {C_MUL} + {C_ADD}, forward + backward, fresh process per run, GC on")
    print("  us per op (ratio to numpy of the same shape) | " + label)
    print(f"  {'':<20}" + "".join(f"{n:>24.0e}" for n in sizes))
    for key in sorted(table, key=lambda k: (k.split(" ")[1], k)):
        cells = []
        for n in sizes:
            c = table[key].get(n)
            if c is None:
                cells.append(f"{'-':>24}")
            elif "error" in c:
                cells.append(f"{'RecursionError':>24}")
            else:
                ratio = f"({c['ratio_to_numpy']:.0f}x)" if "ratio_to_numpy" in c and key[:5] != "numpy" else ""
                mem = f"{c['bytes_per_node']:.0f} B" if c.get("bytes_per_node") is not None else "-"
                cells.append(f"{c['us_per_op']:>7.2f} {ratio:>6} | {mem:>7}")
        shape = "0-d" if key.endswith("0d") else "(16,)"
        print(f"  {key.split(' ')[0] + ' ' + shape:<20}" + "".join(cells))


def gc_breakdown(fn: Callable[[], Any]) -> dict:
    """One call of ``fn`` with the GC on: its time, and the cyclic GC's collections and time per generation."""
    stats: dict[int, list] = {}
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            s = stats.setdefault(info["generation"], [0, 0.0])
            s[0] += 1
            s[1] += time.perf_counter() - started[0]

    gc.collect()
    gc.callbacks.append(on_gc)
    try:
        t0 = time.perf_counter()
        fn()
        total = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(on_gc)
    return {"seconds": total, "gc_seconds": sum(s[1] for s in stats.values()),
            "generations": {g: {"collections": c, "seconds": t} for g, (c, t) in sorted(stats.items())}}


def _print_gc(name: str, b: dict) -> None:
    gens = ", ".join(f"gen{g}: {v['collections']} in {v['seconds'] * 1e3:.0f} ms" for g, v in b["generations"].items())
    print(f"  {name}: {b['seconds'] * 1e3:.0f} ms, of which the cyclic GC {b['gc_seconds'] * 1e3:.0f} ms ({gens})")


# =================================================================================== profile
def profile(what: str) -> None:
    """cProfile of one step of the demo (or of one op chain) on autograd_lite; the top of tottime."""
    import cProfile
    import pstats

    # The op chain is profiled 20,000 ops long (micrograd's recursive backward cannot follow).
    impls = demo_workload()["impls"] if what == "demo" else {"autograd_lite": op_workload(20_000)["impls"][
        "autograd_lite"]}
    fn = impls["autograd_lite"]
    fn()
    print(f"one call ({what}), GC on, with the time the cyclic GC takes:")
    for name in ("autograd_lite", "micrograd"):
        if name in impls:
            _print_gc(name, gc_breakdown(impls[name]))
    # With the GC on, a collection is charged to whichever call allocated when it struck: profile
    # with it off, so that each line is the code's own cost (the GC's share is printed above).
    print("\ncProfile of autograd_lite, GC off (the profiler inflates every call's cost):")
    gc.collect()
    gc.disable()
    prof = cProfile.Profile()
    try:
        prof.enable()
        fn()
        prof.disable()
    finally:
        gc.enable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(22)


# =================================================================================== driver
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="autograd_lite on scalars: micrograd's demo, one op, growth to 1e7 ops",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--only", default="demo,op,growth", help="comma-separated parts: demo, op, growth")
    p.add_argument("--rounds", type=int, default=7, help="rounds of the demo (the op part runs 3x as many)")
    p.add_argument("--demo-steps", type=int, default=2, help="timed demo steps per implementation per round")
    p.add_argument("--check-steps", type=int, default=5, help="demo steps printed side by side with micrograd")
    p.add_argument("--op-chain", type=int, default=500, help="ops per call in the op part (micrograd: < ~900)")
    p.add_argument("--max-size", type=float, default=1e6, help="largest chain of the growth part (1e7: the goal)")
    p.add_argument("--min-size", type=float, default=1e3, help="smallest chain of the growth part")
    p.add_argument("--growth-rounds", type=int, default=1, help="fresh processes per size and implementation")
    p.add_argument("--memory", choices=("rss", "traced"), default="rss", help="how growth measures memory")
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    p.add_argument("--profile", choices=("demo", "op"), help="print a cProfile of autograd_lite's step and exit")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        impl, n, shape, memory = args.child
        print(json.dumps(growth_child(impl, int(n), shape, memory)))
        return 0
    torch = H.optional("torch")
    if torch is not None:
        torch.set_num_threads(args.threads)
    if args.profile:
        profile(args.profile)
        return 0

    parts = args.only.split(",")
    versions = {m: H.version(m) for m in ("numpy", "micrograd", "torch")}
    report: dict = {"machine": H.machine(), "load_average_at_start": H.load_average(), "blas": H.blas(),
                    "threads": args.threads,
                    "versions": versions, "args": vars(args), "parts": {}}
    print(f"machine: {report['machine']}; load average {report['load_average_at_start']}")
    print("versions: " + ", ".join(f"{m} {v or 'not installed'}" for m, v in versions.items()))
    print(f"BLAS: {report['blas']}")

    if "demo" in parts:
        rows = demo_check(args.check_steps)
        print("\ndemo: the first steps from the same weights (loss printed with repr: every digit)")
        print(f"  {'step':>4}  {'autograd_lite loss':>22}  {'micrograd loss':>22}  accuracy  difference")
        for k, ours, theirs, acc in rows:
            diff = "" if theirs is None else ("0 (every bit)" if ours == theirs else f"{ours - theirs:.1e}")
            print(f"  {k:>4}  {ours!r:>22}  {theirs!r:>22}  {acc:8.2f}  {diff}")
        if rows and rows[0][2] is not None:
            print("  (a last-bit difference comes from the order in which the gradients reaching a value used many\n"
                  "   times are summed: micrograd's order follows its set-based depth-first search)")
        w = demo_workload()
        counts = demo_node_counts(w)
        times = H.measure(w["impls"], args.demo_steps, args.rounds, warmup=1, gc_off=w["gc_off"], label="demo")
        has_mg = "micrograd" in times
        summary = H.summarize(times, floor="micrograd" if has_mg else "autograd_lite")
        if has_mg:
            off = H.summarize(times, floor="micrograd (GC off)")
            for name in summary:
                summary[name]["ratio_to_gc_off"] = off[name]["ratio"]
        print(f"\ndemo: {w['unit']} of MLP(2, [16, 16, 1]) on 100 points; {args.rounds} rounds of "
              f"{args.demo_steps} steps")
        for name, s in summary.items():
            extra = f"  {s['ratio']:5.2f}x micrograd  {s['ratio_to_gc_off']:5.2f}x micrograd GC off" if has_mg else ""
            print(f"  {name:<24}{s['median_s'] * 1e3:9.1f} ms{extra}  {w['notes'][name]}")
        print("  nodes per step (forward; backward records none): "
              + ", ".join(f"{k} {v if v is not None else 'n/a'}" for k, v in counts.items()))
        for note in w["skipped"]:
            print(f"  skipped: {note}")
        print("  one more step each, GC on, timing the cyclic GC through gc.callbacks:")
        gcs = {name: gc_breakdown(w["impls"][name]) for name in ("autograd_lite", "micrograd") if name in w["impls"]}
        for name, b in gcs.items():
            _print_gc(name, b)
        report["parts"]["demo"] = {"unit": w["unit"], "results": summary, "nodes": counts, "notes": w["notes"],
                                   "check": rows, "skipped": w["skipped"], "gc": gcs}

    if "op" in parts:
        report["parts"]["op"] = {}
        for backward in (False, True):
            w = op_workload(args.op_chain, backward)
            times = H.measure(w["impls"], 10, 3 * args.rounds, warmup=2, gc_off=w["gc_off"],
                              label=f"op ({'forward + backward' if backward else 'forward'})")
            summary = H.summarize(times, floor="float")
            for s in summary.values():
                s["us_per_op"] = s["median_s"] / w["n_ops"] * 1e6
            H.print_table(f"op: {w['unit']} on 0-d values, per op", summary, w["notes"], floor="float",
                          per=w["n_ops"], per_unit="op")
            for note in w["skipped"]:
                print(f"  skipped: {note}")
            report["parts"]["op"]["backward" if backward else "forward"] = {"unit": w["unit"], "results": summary,
                                                                           "notes": w["notes"]}

    if "growth" in parts:
        rows = [(i, s) for i, s in GROWTH_ROWS if i in ("numpy", "autograd_lite") or H.version(i) is not None]
        missing = sorted({i for i, _ in GROWTH_ROWS} - {i for i, _ in rows})
        results, notes = growth(int(args.max_size), args.memory, args.growth_rounds, rows,
                                 int(args.min_size))
        table = _growth_table(results, args.memory)
        _print_growth(table, args.memory)
        for note in notes + [f"{m} not installed: no rows" for m in missing]:
            print(f"  note: {note}")
        if "micrograd" not in missing:
            print(f"  micrograd runs up to {MICROGRAD_MAX:.0e} ops only: its backward recurses once per node")
        report["parts"]["growth"] = {"table": {k: {str(n): c for n, c in v.items()} for k, v in table.items()},
                                     "runs": results, "notes": notes, "memory": args.memory}

    if args.json:
        H.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
