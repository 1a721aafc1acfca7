"""Speed of autograd_lite against the same math written by hand in numpy, and against peers.

    python benchmarks/bench_training.py                   # the table (about 2 minutes)
    python benchmarks/bench_training.py --json out.json   # also write the figures
    python benchmarks/bench_training.py --only mlp,chain --rounds 30

Peers are measured when installed, in the same process and the same rounds:

    pip install torch==2.13.0    # PyTorch CPU eager, run with one thread
    pip install autograd         # HIPS autograd (or: pip install -e ".[bench]")

Rows: numpy is the floor; autograd_lite uses the engine's API (Tensors, al.affine, al.relu,
al.cross_entropy, backward, an SGD update of .data); mlp runs the same through mlp's
NeuralNetwork, loss and SGD optimizer, as users of the seed's API do.

Every implementation returns its result (the step's loss, or the chain's gradient), and
tests/benchmarks/ checks that they agree: the rows compare the same computation.

Workloads:
  mlp    one SGD step of a 64-128-128-10 ReLU MLP with softmax cross-entropy, batch 128, float64
  xor    one epoch of the seed's per-sample XOR training (2-3-1 sigmoid, MSE, batch 1, SGD lr 0.1)
  chain  forward and backward of y = y * 1.0001 + 0.0001, 2,000 times on a (16,) vector
  deep   backward of a 1,000,000-node chain (and 100,000, for linearity): time and peak memory,
         each size in a fresh process

Method: every round runs each implementation on the workload (one untimed call to warm the
caches, then a few timed calls), in a new random order each round, so that drift of the
machine and the state a predecessor leaves behind hit all of them alike; the table gives the
median over rounds of the time per call and of the ratio to hand-written numpy (the floor)
in the same round. BLAS runs on ``--threads`` threads (default 1) for numpy and torch alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time


def _set_threads(n: int) -> None:
    # Must happen before numpy is imported: BLAS reads these once.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


if __name__ == "__main__":
    _pre = argparse.ArgumentParser(add_help=False)
    _pre.add_argument("--threads", type=int, default=1)
    _set_threads(_pre.parse_known_args()[0].threads)

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import autograd_lite as al  # noqa: E402
from mlp import MSE, SGD, CrossEntropy, Dense, NeuralNetwork, ReLU, Sigmoid  # noqa: E402

try:
    import torch
except ImportError:  # optional peer
    torch = None
try:
    import autograd as hips
    import autograd.numpy as hnp
except ImportError:  # optional peer
    hips = None


def _backward_and_sgd(loss: al.Tensor, tensors: list[al.Tensor], lr: float) -> float:
    """The autograd_lite rows' step: fresh gradients, backward, p -= lr * grad; the loss."""
    for p in tensors:
        p.grad = None
    loss.backward()
    for p in tensors:
        p.data -= lr * p.grad.data
    return loss.item()


def _torch_copy_dense(model: torch.nn.Module, start: list[np.ndarray]) -> None:
    """Load the seed's (W of shape (in, out), b) pairs into the model's Linear layers, in order."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, W, b in zip(linears, start[0::2], start[1::2]):
            lin.weight.copy_(torch.tensor(W.T))
            lin.bias.copy_(torch.tensor(b))


# ------------------------------------------------------------------------------------- mlp
def mlp_workload() -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 64))
    y = rng.integers(0, 10, 128)
    lr = 0.01
    np.random.seed(0)
    net = NeuralNetwork(CrossEntropy())
    for layer in (Dense(64, 128), ReLU(), Dense(128, 128), ReLU(), Dense(128, 10)):
        net.add(layer)
    start = [p.data.copy() for p in net.parameters()]
    opt = SGD(net.parameters(), lr=lr)
    rows = np.arange(len(X))

    numpy_params = [p.copy() for p in start]

    def numpy_step() -> float:
        W1, b1, W2, b2, W3, b3 = numpy_params
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2 + b2
        a2 = np.maximum(z2, 0)
        z3 = a2 @ W3 + b3
        e = np.exp(z3 - z3.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[rows, y]))
        d3 = p.copy()
        d3[rows, y] -= 1
        d3 /= len(X)
        d2 = (d3 @ W3.T) * (z2 > 0)
        d1 = (d2 @ W2.T) * (z1 > 0)
        grads = (X.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0), a2.T @ d3, d3.sum(0))
        for q, g in zip(numpy_params, grads):
            q -= lr * g
        return float(loss)

    tensors = [al.Tensor(p, requires_grad=True) for p in start]
    Xt = al.as_tensor(X)

    def autograd_lite_step() -> float:  # the engine's API
        W1, b1, W2, b2, W3, b3 = tensors
        h = al.relu(al.affine(Xt, W1, b1))
        h = al.relu(al.affine(h, W2, b2))
        return _backward_and_sgd(al.cross_entropy(al.affine(h, W3, b3), y), tensors, lr)

    def mlp_step() -> float:  # the same through mlp's layers, loss and optimizer
        loss = net.loss_function(net.forward(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    impls = {"numpy": numpy_step, "autograd_lite": autograd_lite_step, "mlp": mlp_step}

    if torch is not None:
        model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                                    torch.nn.ReLU(), torch.nn.Linear(128, 10)).double()
        _torch_copy_dense(model, start)
        topt = torch.optim.SGD(model.parameters(), lr=lr)
        X_torch, y_torch = torch.tensor(X), torch.tensor(y)

        def torch_step() -> float:
            loss = torch.nn.functional.cross_entropy(model(X_torch), y_torch)
            topt.zero_grad()
            loss.backward()
            topt.step()
            return loss.item()

        impls["torch"] = torch_step

    if hips is not None:
        hparams = [p.copy() for p in start]

        def hips_loss(params: list) -> float:
            W1, b1, W2, b2, W3, b3 = params
            a1 = hnp.maximum(hnp.dot(X, W1) + b1, 0)
            a2 = hnp.maximum(hnp.dot(a1, W2) + b2, 0)
            z3 = hnp.dot(a2, W3) + b3
            z3 = z3 - hnp.max(z3, axis=1, keepdims=True)
            logp = z3 - hnp.log(hnp.sum(hnp.exp(z3), axis=1, keepdims=True))
            return -hnp.mean(logp[rows, y])

        hips_value_and_grad = hips.value_and_grad(hips_loss)

        def hips_step() -> float:
            loss, grads = hips_value_and_grad(hparams)
            for q, g in zip(hparams, grads):
                q -= lr * g
            return float(loss)

        impls["HIPS autograd"] = hips_step
    return {"impls": impls, "calls": 20, "unit": "one SGD step"}


# ------------------------------------------------------------------------------------- xor
def xor_workload() -> dict:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    lr = 0.1
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    start = [p.data.copy() for p in net.parameters()]
    opt = SGD(net.parameters(), lr=lr)

    nparams = [p.copy() for p in start]

    def numpy_epoch() -> float:
        W1, b1, W2, b2 = nparams
        for i in range(4):
            x, y = X[i:i + 1], Y[i:i + 1]
            a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
            a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
            loss = np.mean((a2 - y) ** 2)
            d2 = 2 * (a2 - y) / a2.size * a2 * (1 - a2)
            d1 = (d2 @ W2.T) * a1 * (1 - a1)
            grads = (x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0))
            for q, g in zip(nparams, grads):
                q -= lr * g
        return float(loss)  # the last sample's

    tensors = [al.Tensor(p, requires_grad=True) for p in start]
    samples = [(al.as_tensor(X[i:i + 1]), Y[i:i + 1]) for i in range(4)]

    def autograd_lite_epoch() -> float:  # the engine's API
        W1, b1, W2, b2 = tensors
        for x, y in samples:
            loss = _backward_and_sgd(al.mse(al.sigmoid(al.affine(al.sigmoid(al.affine(x, W1, b1)), W2, b2)), y),
                                     tensors, lr)
        return loss

    def mlp_epoch() -> float:  # what NeuralNetwork.train does per sample, with mlp's API
        for i in range(4):
            loss = net.loss_function(net.forward(X[i:i + 1]), Y[i:i + 1])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.item()

    impls = {"numpy": numpy_epoch, "autograd_lite": autograd_lite_epoch, "mlp": mlp_epoch}

    if torch is not None:
        model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1),
                                    torch.nn.Sigmoid()).double()
        _torch_copy_dense(model, start)
        topt = torch.optim.SGD(model.parameters(), lr=lr)
        X_torch, Y_torch = torch.tensor(X), torch.tensor(Y)
        torch_samples = [(X_torch[i:i + 1], Y_torch[i:i + 1]) for i in range(4)]

        def torch_epoch() -> float:
            for x, y in torch_samples:
                loss = torch.nn.functional.mse_loss(model(x), y)
                topt.zero_grad()
                loss.backward()
                topt.step()
            return loss.item()

        impls["torch"] = torch_epoch

    if hips is not None:
        hparams = [p.copy() for p in start]

        def hips_loss(params: list, x: np.ndarray, y: np.ndarray) -> float:
            W1, b1, W2, b2 = params
            a1 = 1 / (1 + hnp.exp(-(hnp.dot(x, W1) + b1)))
            a2 = 1 / (1 + hnp.exp(-(hnp.dot(a1, W2) + b2)))
            return hnp.mean((a2 - y) ** 2)

        hips_value_and_grad = hips.value_and_grad(hips_loss)

        def hips_epoch() -> float:
            for i in range(4):
                loss, grads = hips_value_and_grad(hparams, X[i:i + 1], Y[i:i + 1])
                for q, g in zip(hparams, grads):
                    q -= lr * g
            return float(loss)

        impls["HIPS autograd"] = hips_epoch
    return {"impls": impls, "calls": 20, "unit": "one epoch (4 steps)"}


# ------------------------------------------------------------------------------------- chain
def chain_workload(length: int = 2000) -> dict:
    x0 = np.random.default_rng(0).standard_normal(16)

    def numpy_chain() -> np.ndarray:
        y = x0
        for _ in range(length):
            y = y * 1.0001 + 0.0001
        g = np.ones(16)
        for _ in range(length):
            g = g * 1.0001
        return g

    def autograd_lite_chain() -> np.ndarray:
        x = al.Tensor(x0, requires_grad=True)
        y = x
        for _ in range(length):
            y = y * 1.0001 + 0.0001
        y.backward(np.ones(16))
        return x.grad.data

    impls = {"numpy": numpy_chain, "autograd_lite": autograd_lite_chain}
    if torch is not None:
        ones = torch.ones(16, dtype=torch.float64)

        def torch_chain() -> np.ndarray:
            x = torch.tensor(x0, requires_grad=True)
            y = x
            for _ in range(length):
                y = y * 1.0001 + 0.0001
            y.backward(ones)
            return x.grad.numpy()

        impls["torch"] = torch_chain
    if hips is not None:
        def chain_fn(x: np.ndarray) -> np.ndarray:
            for _ in range(length):
                x = x * 1.0001 + 0.0001
            return hnp.sum(x)

        hips_chain_grad = hips.grad(chain_fn)
        impls["HIPS autograd"] = lambda: hips_chain_grad(x0)
    return {"impls": impls, "calls": 2, "unit": f"forward + backward, {length:,} steps"}


# ------------------------------------------------------------------------------------- deep
DEEP_CHILD = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, sys.argv[2])
import autograd_lite as al
n = int(sys.argv[1])

def rss_kb(field):
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

try:  # reset the peak so that it measures the graph, not the imports (Linux)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
base = rss_kb("VmRSS:")
x = al.Tensor(np.ones(16), requires_grad=True)
t0 = time.perf_counter()
y = x
for _ in range(n // 2):          # two nodes per step: a multiply and an add
    y = y * 1.0000001 + 0.0
t1 = time.perf_counter()
y.backward(np.ones(16))
t2 = time.perf_counter()
peak = rss_kb("VmHWM:")
print(json.dumps({"nodes": n, "forward_s": t1 - t0, "backward_s": t2 - t1,
                  "peak_mb": (peak - base) / 1024, "recursion_limit": sys.getrecursionlimit()}))
"""


def deep(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[dict]:
    results = []
    for n in sizes:
        done = subprocess.run([sys.executable, "-c", DEEP_CHILD, str(n), ROOT], capture_output=True, text=True,
                              check=True)
        results.append(json.loads(done.stdout))
    return results


# ------------------------------------------------------------------------------------- driver
def measure(workload: dict, rounds: int) -> dict[str, list[float]]:
    impls = workload["impls"]
    calls = workload["calls"]
    names = list(impls)
    for fn in impls.values():  # warm up: caches, lazy imports, allocator
        for _ in range(calls):
            fn()
    times: dict[str, list[float]] = {name: [] for name in names}
    shuffle = np.random.default_rng(12345).permutation
    for _ in range(rounds):
        for i in shuffle(len(names)):  # a new order every round: no one always follows the same peer
            fn = impls[names[i]]
            fn()  # untimed: the caches now hold this implementation's data, as in a training loop
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times[names[i]].append((time.perf_counter() - start) / calls)
    return times


def summarize(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    floor = np.array(times["numpy"])
    out = {}
    for name, ts in times.items():
        ts = np.array(ts)
        out[name] = {"median_s": float(np.median(ts)), "ratio": float(np.median(ts / floor)),
                     "ratio_of_medians": float(np.median(ts) / np.median(floor))}
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="autograd_lite against hand-written numpy and peers")
    p.add_argument("--rounds", type=int, default=25)
    p.add_argument("--only", default="mlp,xor,chain,deep", help="comma-separated workloads")
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(args.threads)

    wanted = args.only.split(",")
    report: dict = {"machine": machine(), "threads": args.threads, "rounds": args.rounds,
                    "numpy": np.__version__, "torch": getattr(torch, "__version__", None),
                    "autograd": getattr(hips, "__version__", "installed") if hips is not None else None,
                    "workloads": {}}
    print(f"machine: {report['machine']}; BLAS/torch threads: {args.threads}; {args.rounds} rounds")
    print(f"numpy {np.__version__}; torch {report['torch'] or 'not installed'}; "
          f"HIPS autograd {'installed' if hips is not None else 'not installed'}\n")
    builders = {"mlp": mlp_workload, "xor": xor_workload, "chain": chain_workload}
    header = None
    for name in wanted:
        if name not in builders:
            continue
        workload = builders[name]()
        summary = summarize(measure(workload, args.rounds))
        report["workloads"][name] = {"unit": workload["unit"], "results": summary}
        if header is None:
            header = list(summary)
            print(f"{'workload':<8}" + "".join(f"{h:>22}" for h in header))
        cells = []
        for impl in header:
            s = summary.get(impl)
            cells.append(f"{'-':>22}" if s is None else f"{_fmt_time(s['median_s']):>12} {s['ratio']:>6.2f}x  ")
        print(f"{name:<8}" + "".join(cells) + f"  ({workload['unit']})")
    if "deep" in wanted:
        results = deep()
        report["workloads"]["deep"] = results
        small, large = results
        print("\ndeep chain (fresh process each, default recursion limit):")
        for r in results:
            print(f"  {r['nodes']:>9,} nodes: forward {r['forward_s']:.2f} s, backward {r['backward_s']:.2f} s, "
                  f"peak memory +{r['peak_mb']:.0f} MB")
        print(f"  1e6 / 1e5 backward time: {large['backward_s'] / small['backward_s']:.1f}x "
              f"(linear would be 10x)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
        print(f"\nfigures written to {args.json}")
    return 0


def _fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


if __name__ == "__main__":
    sys.exit(main())
