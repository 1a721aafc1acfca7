"""Speed of a small CNN on autograd_lite against the same math written by hand in numpy, and PyTorch.

    python benchmarks/bench_conv.py                     # the tables (about two minutes)
    python benchmarks/bench_conv.py --json out.json     # also write the figures
    python benchmarks/bench_conv.py --only digits --rounds 30

PyTorch is measured when installed (``pip install torch==2.13.0``), in the same rounds, on one
thread; the digits need scikit-learn (``pip install -e ".[dev]"`` or ``.[digits]``).

Workloads (each in float64, and again in float32 with a float32 floor):
  digits  one epoch of the digits demo's CNN, conv 8 filters 3x3 padding 1 -> ReLU -> max-pool 2
          -> dense 10, softmax cross-entropy, plain SGD (lr 0.05), on the 1,437 training digits of
          the demo's split, batches of 32 in order
  conv    forward and backward of one convolution, 16 filters 3x3 padding 1, on a 32x3x28x28
          batch: the gradients of the input (col2im), the weights and the bias

Rows: numpy is the floor, im2col by hand: the same window gather, one matmul, and for the
input's gradient col2im by hand, one strided add per kernel offset; the max-pool's gradient
split evenly between tied maxima, as the engine's max does (the digits have ties: a window of
background gives equal outputs). autograd_lite: mlp.im2col's functions on the engine's API
(Tensors, backward, an SGD update of .data). mlp: NeuralNetwork's layers, loss and SGD
optimizer, one step as train() takes it; mlp compiled: the same step through al.compile, as
train(compile=True) runs it. torch: the same model in PyTorch eager; its max-pool gives a tied
window's gradient to one element, so on the digits it does not compute quite the same numbers
(tests/benchmarks/test_conv_workloads.py checks every row on digits made tie-free).

Method: bench_training.py's: rounds of every implementation in a new random order, a warm-up
call before each timed batch of calls, medians of the times and of the ratios to the floor in
the same round.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import _harness as H  # noqa: E402  (measure, summarize, machine: one method for every benchmark)

if __name__ == "__main__":
    H.threads_from_argv()  # before numpy is imported: BLAS reads the thread count once

import argparse  # noqa: E402

import bench_training as driver  # noqa: E402  (its autograd_lite rows' SGD step)
import numpy as np  # noqa: E402

import autograd_lite as al  # noqa: E402
from mlp import SGD, Conv2D, CrossEntropy, Dense, Flatten, MaxPool2D, NeuralNetwork, ReLU  # noqa: E402
from mlp.im2col import conv2d, max_pool2d, window_indices  # noqa: E402

torch = H.optional("torch")

FILTERS, KERNEL, PADDING, POOL, CLASSES = 8, 3, 1, 2, 10
BATCH, LR = 32, 0.05


# ------------------------------------------------------------------------------------- the floor
def numpy_conv_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, padding: int) -> tuple[np.ndarray, ...]:
    """im2col by hand: pad, gather every window (x[:, channels, rows, cols]), one matmul.
    Returns the output (N, F, OH, OW) and what backward needs."""
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.zeros((n, c, h + 2 * padding, w + 2 * padding), x.dtype)
    xp[:, :, padding:padding + h, padding:padding + w] = x
    index = window_indices(c, h + 2 * padding, w + 2 * padding, (kh, kw), (1, 1))
    oh, ow = index[1].shape[3], index[2].shape[4]
    P = xp[(slice(None), *index)].transpose(1, 2, 3, 4, 5, 0).reshape(c * kh * kw, oh * ow * n)
    out = (W.reshape(f, -1) @ P + b[:, None]).reshape(f, oh, ow, n).transpose(3, 0, 1, 2)
    return out, P, xp.shape


def numpy_conv_backward(g: np.ndarray, W: np.ndarray, P: np.ndarray, padded: tuple[int, ...], padding: int,
                        need_input: bool) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dW = G P^T, db = row sums of G, and (if asked) dx: W^T G, then col2im by hand: each
    kernel offset's patch gradients added into a strided slice of the padded input."""
    n, c, hp, wp = padded
    f, _, kh, kw = W.shape
    G = g.transpose(1, 2, 3, 0).reshape(f, -1)
    gW, gb = (G @ P.T).reshape(W.shape), G.sum(axis=1)
    if not need_input:
        return None, gW, gb
    oh, ow = hp - kh + 1, wp - kw + 1
    gP = (W.reshape(f, -1).T @ G).reshape(c, kh, kw, oh, ow, n)
    gxp = np.zeros((c, hp, wp, n), g.dtype).transpose(3, 0, 1, 2)  # batch last in memory, as gP: 3x faster +=
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + oh, j:j + ow] += gP[:, i, j].transpose(3, 0, 1, 2)
    return gxp[:, :, padding:hp - padding, padding:wp - padding], gW, gb


def numpy_cnn_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray], lr: float) -> float:
    """One SGD step of conv -> ReLU -> max-pool 2 -> dense -> softmax cross-entropy, by hand."""
    W, b, V, c = params
    n = len(x)
    z, P, padded = numpy_conv_forward(x, W, b, PADDING)
    a = np.maximum(z, 0)
    f, oh, ow = a.shape[1:]
    windows = a.reshape(n, f, oh // POOL, POOL, ow // POOL, POOL)
    m = windows.max(axis=(3, 5), keepdims=True)
    h = m.reshape(n, -1)
    s = h @ V + c
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = -np.mean(np.log(p[rows, y]))
    gs = p
    gs[rows, y] -= 1
    gs /= n
    gV, gc, gh = h.T @ gs, gs.sum(axis=0), gs @ V.T
    hit = windows == m  # ties share the gradient, as the engine's max
    gm = np.empty_like(m)  # gh in the windows' memory order (batch last, as the convolution left it):
    gm[...] = gh.reshape(m.shape)  # numpy's elementwise loops are 5x slower on operands laid out apart
    share = gm / hit.sum(axis=(3, 5), keepdims=True, dtype=gh.dtype)
    ga = np.where(hit, share, 0.0).reshape(a.shape)
    gz = np.where(z > 0, ga, 0.0)
    _, gW, gb = numpy_conv_backward(gz, W, P, padded, PADDING, need_input=False)
    for q, grad in zip(params, (gW, gb, gV, gc)):
        q -= lr * grad
    return float(loss)


# ------------------------------------------------------------------------------------- digits
def digits_data(dtype: type, jitter: float = 0.0, samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The demo's 1,437 training digits (or the first ``samples``) as (N, 1, 8, 8) in [0, 1], and
    their labels; with ``jitter``, uniform noise of that size, so that no two window values tie."""
    from demos.digits import load_data

    X, _, y, _ = load_data(seed=0)
    X, y = X[:samples], y[:samples]
    if jitter:
        X = X + np.random.default_rng(1).uniform(0, jitter, X.shape)
    return X.astype(dtype), y


def start_parameters(dtype: type) -> list[np.ndarray]:
    """The mlp network's initial weights (seed 0), as arrays: conv W (8, 1, 3, 3), b, dense V (128, 10), c."""
    return [p.data.astype(dtype) for p in cnn_network(dtype).parameters()]


def cnn_network(dtype: type) -> NeuralNetwork:
    np.random.seed(0)
    net = NeuralNetwork(CrossEntropy())
    for layer in (Conv2D(1, FILTERS, KERNEL, padding=PADDING), ReLU(), MaxPool2D(POOL), Flatten(),
                  Dense(FILTERS * 16, CLASSES)):
        net.add(layer)
    return net.astype(dtype)


def digits_workload(dtype: type = np.float64, jitter: float = 0.0, samples: int | None = None,
                    peers: bool = True) -> dict:
    X, y = digits_data(dtype, jitter, samples)
    batches = [(X[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(X), BATCH)]
    start = start_parameters(dtype)

    floor_params = [p.copy() for p in start]

    def numpy_epoch() -> float:
        for xb, yb in batches:
            loss = numpy_cnn_step(xb, yb, floor_params, LR)
        return loss

    tensors = [al.Tensor(p, requires_grad=True) for p in start]
    inputs = [(al.as_tensor(xb), yb) for xb, yb in batches]

    def autograd_lite_epoch() -> float:  # the engine's API and mlp.im2col's functions
        W, b, V, c = tensors
        for xb, yb in inputs:
            h = max_pool2d(al.relu(conv2d(xb, W, b, 1, PADDING)), POOL)
            loss = driver._backward_and_sgd(al.cross_entropy(al.affine(h.reshape(len(yb), -1), V, c), yb), tensors,
                                            LR)
        return loss

    impls = {"numpy": numpy_epoch, "autograd_lite": autograd_lite_epoch}
    for name, compiled in (("mlp", False), ("mlp compiled", True)):
        impls[name] = _mlp_epoch(cnn_network(dtype), batches, compiled)

    if torch is not None and peers:
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        model = torch.nn.Sequential(torch.nn.Conv2d(1, FILTERS, KERNEL, padding=PADDING), torch.nn.ReLU(),
                                    torch.nn.MaxPool2d(POOL), torch.nn.Flatten(),
                                    torch.nn.Linear(FILTERS * 16, CLASSES)).to(tdtype)
        with torch.no_grad():
            for tp, p in zip(model.parameters(), start):
                tp.copy_(torch.tensor(p.T if p.shape == (FILTERS * 16, CLASSES) else p))
        topt = torch.optim.SGD(model.parameters(), lr=LR)
        torch_batches = [(torch.tensor(xb), torch.tensor(yb)) for xb, yb in batches]

        def torch_epoch() -> float:
            for xb, yb in torch_batches:
                loss = torch.nn.functional.cross_entropy(model(xb), yb)
                topt.zero_grad()
                loss.backward()
                topt.step()
            return loss.item()

        impls["torch"] = torch_epoch
    kind = "float64" if dtype == np.float64 else "float32"
    return {"impls": impls, "calls": 2, "unit": f"one epoch, {len(batches)} steps, {kind}"}


def _mlp_epoch(net: NeuralNetwork, batches: list, compiled: bool):
    """What NeuralNetwork.train does per epoch: zero_grad, the step (compiled or not), SGD."""
    opt = SGD(net.parameters(), lr=LR)
    step = net._step_function(compiled)

    def epoch() -> float:
        for xb, yb in batches:
            opt.zero_grad()
            loss = step(xb, yb).item()
            opt.step()
        return loss

    return epoch


# ------------------------------------------------------------------------------------- conv
def conv_workload(dtype: type = np.float64, batch: int = 32, peers: bool = True) -> dict:
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((batch, 3, 28, 28)).astype(dtype)
    W0 = (rng.standard_normal((16, 3, 3, 3)) * np.sqrt(2 / 27)).astype(dtype)
    b0 = rng.standard_normal(16).astype(dtype)
    G = rng.standard_normal((batch, 16, 28, 28)).astype(dtype)  # d loss / d output: loss = sum(out * G)

    def numpy_conv() -> np.ndarray:
        out, P, padded = numpy_conv_forward(x0, W0, b0, 1)
        gx, gW, gb = numpy_conv_backward(G, W0, P, padded, 1, need_input=True)
        return np.concatenate([gx.ravel(), gW.ravel(), gb, [np.sum(out * G)]])

    def autograd_lite_conv() -> np.ndarray:
        x, W, b = (al.Tensor(v, requires_grad=True) for v in (x0, W0, b0))
        out = conv2d(x, W, b, 1, 1)
        out.backward(G)  # G is d loss / d out, as the floor takes it
        return np.concatenate([x.grad.data.ravel(), W.grad.data.ravel(), b.grad.data, [np.sum(out.data * G)]])

    impls = {"numpy": numpy_conv, "autograd_lite": autograd_lite_conv}
    if torch is not None and peers:
        Gt = torch.tensor(G)

        def torch_conv() -> np.ndarray:
            x, W, b = (torch.tensor(v, requires_grad=True) for v in (x0, W0, b0))
            out = torch.nn.functional.conv2d(x, W, b, 1, 1)
            out.backward(Gt)
            return np.concatenate([x.grad.numpy().ravel(), W.grad.numpy().ravel(), b.grad.numpy(),
                                   [np.sum(out.detach().numpy() * G)]])

        impls["torch"] = torch_conv
    kind = "float64" if dtype == np.float64 else "float32"
    return {"impls": impls, "calls": 5, "unit": f"forward + backward, {kind}"}


WORKLOADS = {
    "digits": digits_workload,
    "digits-float32": lambda: digits_workload(np.float32),
    "conv": conv_workload,
    "conv-float32": lambda: conv_workload(np.float32),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="a small CNN on autograd_lite against hand-written numpy and PyTorch")
    p.add_argument("--rounds", type=int, default=25, help="rounds of every implementation (default: %(default)s)")
    p.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default: %(default)s)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(args.threads)
    report: dict = {"machine": H.machine(), "load_average_at_start": H.load_average(), "blas": H.blas(),
                    "threads": args.threads, "rounds": args.rounds,
                    "numpy": np.__version__, "torch": getattr(torch, "__version__", None), "workloads": {}}
    print(f"machine: {report['machine']}; BLAS/torch threads: {args.threads}; {args.rounds} rounds; "
          f"load average {report['load_average_at_start']}")
    print(f"numpy {np.__version__}; torch {report['torch'] or 'not installed'}")
    print(f"BLAS: {report['blas']}\n")
    for name in args.only.split(","):
        if name not in WORKLOADS:
            raise SystemExit(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")
        workload = WORKLOADS[name]()
        summary = H.summarize(H.measure(workload["impls"], workload["calls"], args.rounds, label=name))
        report["workloads"][name] = {"unit": workload["unit"], "results": summary}
        print(f"{name} ({workload['unit']}):")
        for impl, s in summary.items():
            print(f"  {impl:<14} {H.fmt_time(s['median_s']):>10}  {s['ratio']:5.2f}x")
    if args.json:
        H.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
